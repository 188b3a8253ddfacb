"""From the services' records to what is signed and certified: pure mapping, no I/O.

The activities fetch a sample (intake), its test plan (testing), its signatures (review) and,
at issue, its OOS investigations (testing); these functions turn them into reporting's
CertificateContent and into the canonical text a signer signs, so the same records always
give the same text (and the same hash)."""

import json
from collections.abc import Iterable, Mapping, Sequence

from google.protobuf import json_format
from google.protobuf.message import Message

from kernel.proto_enums import enum_to_str
from kernel.timefmt import from_rfc3339
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from lims.reporting.v1 import reporting_pb2
from lims.testing.v1 import investigation_pb2, testing_pb2
from workflows.certificate_oos import invalidated_results, investigation_history

SAMPLE_APPROVAL = "sample_approval"
TEST_REVIEW = "test_review"


def canonical_text(record: Message | Mapping[str, object]) -> str:
    """Stable text of a record: JSON with sorted keys, no spaces, proto field names."""
    data = (
        json_format.MessageToDict(record, preserving_proto_field_name=True)
        if isinstance(record, Message)
        else record
    )
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def reported_tests(plan: testing_pb2.TestPlan) -> list[testing_pb2.Test]:
    """The tests a certificate reports: every test of the plan except invalidated ones."""
    return [t for t in plan.tests if t.status != testing_pb2.TEST_STATUS_INVALIDATED]


def conclusion(plan: testing_pb2.TestPlan) -> common_pb2.Conformity.ValueType:
    """Conforms iff there are tests and every one's current result conforms."""
    tests = reported_tests(plan)
    if tests and all(
        t.results and t.results[-1].conformity == common_pb2.CONFORMITY_CONFORMS for t in tests
    ):
        return common_pb2.CONFORMITY_CONFORMS
    return common_pb2.CONFORMITY_DOES_NOT_CONFORM


def printed_signatures(
    signatures: Iterable[common_pb2.Signature], *, with_approval: bool = True
) -> list[common_pb2.Signature]:
    """The signatures a certificate prints: the latest review of each test (the one that
    accepted it) and the approval, oldest first. Without the approval for what the approver signs."""
    latest: dict[tuple[str, str], common_pb2.Signature] = {}
    for signature in signatures:
        if signature.record_kind == SAMPLE_APPROVAL and not with_approval:
            continue
        latest[(signature.record_kind, signature.record_id)] = signature
    return sorted(latest.values(), key=lambda s: (s.signed_at, s.signature_id))


def _in_order(times: Iterable[str]) -> list[str]:
    """The RFC 3339 times that are set, earliest first (compared as instants, not as text)."""
    moments = [(from_rfc3339(text), text) for text in times if text]
    return [text for moment, text in sorted((m, t) for m, t in moments if m is not None)]


def testing_period(
    plan: testing_pb2.TestPlan, printed: Sequence[common_pb2.Signature]
) -> tuple[str, str]:
    """Start of testing (the first assignment, or the first result if earlier) and end of
    testing (the last review that accepted a test), RFC 3339; '' when not reached."""
    starts = _in_order(
        [t.assigned_at for t in plan.tests]
        + [r.submitted_at for t in plan.tests for r in t.results]
    )
    ends = _in_order([s.signed_at for s in printed if s.record_kind == TEST_REVIEW])
    return (starts[0] if starts else "", ends[-1] if ends else "")


def certificate_test(test: testing_pb2.Test) -> reporting_pb2.CertificateTest:
    """One reported test: its current result against the specification's limits."""
    result = test.results[-1] if test.results else testing_pb2.Result()
    return reporting_pb2.CertificateTest(
        test_id=test.test_id,
        name=test.spec.name,
        method=test.spec.method,
        technique=test.spec.technique,
        limits=test.spec.criterion.display,
        values=result.values,
        replicate_values=result.replicate_values,
        replicates=test.spec.replicates,
        result=result.reportable_value,
        unit=test.spec.unit,
        below_loq=result.below_loq,
        loq=test.spec.loq,
        conformity=result.conformity,
    )


def certificate_content(
    sample: intake_pb2.Sample,
    plan: testing_pb2.TestPlan,
    signatures: Sequence[common_pb2.Signature],
    *,
    with_approval: bool = True,
    investigations: Iterable[investigation_pb2.Investigation] = (),
) -> reporting_pb2.CertificateContent:
    """Everything the certificate prints, from the three services' records.

    The approver signs this content without their signature and without the investigations
    (each investigation carries its own signatures; the invalidated results are in the plan,
    so the approver signs them). The laboratory's name and address are stamped by reporting."""
    printed = printed_signatures(signatures, with_approval=with_approval)
    started, ended = testing_period(plan, printed)
    quantity = (
        f"{sample.quantity_received} {sample.quantity_unit}" if sample.quantity_received else ""
    )
    return reporting_pb2.CertificateContent(
        lab_number=sample.lab_number,
        product_name=sample.product_name,
        product_code=sample.product_code,
        inns=sample.inns,
        dosage_form=sample.dosage_form,
        strength=sample.strength,
        pack=sample.pack,
        batch_number=sample.batch_number,
        manufacturer=sample.manufacturer,
        marketing_authorisation_holder=sample.marketing_authorisation_holder,
        manufacture_date=sample.manufacture_date,
        expiry_date=sample.expiry_date,
        storage_conditions=sample.storage_conditions,
        purpose=sample.purpose,
        requester=sample.requester,
        requester_organisation=sample.requester_organisation,
        contact_name=sample.contact_name,
        contact_email=sample.contact_email,
        contact_phone=sample.contact_phone,
        external_reference=sample.external_reference,
        condition_on_receipt=sample.condition_on_receipt,
        quantity_received=quantity.strip(),
        seals_intact=sample.seals_intact,
        labelling_legible=sample.labelling_legible,
        temperature_on_arrival=sample.temperature_on_arrival,
        received_at=sample.received_at,
        specification=(
            f"{plan.specification_reference} ({plan.specification_source}), "
            f"version {plan.specification_version}"
        ),
        specification_id=plan.specification_id,
        specification_version=plan.specification_version,
        specification_source=plan.specification_source,
        specification_reference=plan.specification_reference,
        tests=[certificate_test(test) for test in reported_tests(plan)],
        conclusion=conclusion(plan),
        testing_started_at=started,
        testing_ended_at=ended,
        signatures=printed,
        investigations=investigation_history(plan, investigations),
        invalidated_results=invalidated_results(plan),
    )


def result_text(test: testing_pb2.Test, result: testing_pb2.Result) -> str:
    """Canonical text of one result as the reviewer sees it (the review itself left out,
    so a retried review signs the same text)."""
    return canonical_text(
        {
            "lab_number": test.lab_number,
            "test_id": test.test_id,
            "test": test.spec.name,
            "method": test.spec.method,
            "limits": test.spec.criterion.display,
            "unit": test.spec.unit,
            "attempt": result.attempt,
            "values": list(result.values),
            "reportable_value": result.reportable_value,
            "unrounded_value": result.unrounded_value,
            "conformity": enum_to_str(common_pb2.Conformity, result.conformity),
            "submitted_by": result.submitted_by.username,
            "submitted_at": result.submitted_at,
            "remarks": result.remarks,
        }
    )
