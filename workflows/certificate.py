"""From the services' records to what is signed and certified: pure mapping, no I/O.

The activities fetch a sample (intake), its test plan (testing) and its signatures (review);
these functions turn them into reporting's CertificateContent and into the canonical text a
signer signs, so the same records always give the same text (and the same hash)."""

import json
from collections.abc import Iterable, Mapping, Sequence

from google.protobuf import json_format
from google.protobuf.message import Message

from kernel.proto_enums import enum_to_str
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from lims.reporting.v1 import reporting_pb2
from lims.testing.v1 import testing_pb2

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


def certificate_content(
    sample: intake_pb2.Sample,
    plan: testing_pb2.TestPlan,
    signatures: Sequence[common_pb2.Signature],
    *,
    with_approval: bool = True,
) -> reporting_pb2.CertificateContent:
    """Everything the certificate prints, from the three services' records."""
    content = reporting_pb2.CertificateContent(
        lab_number=sample.lab_number,
        product_name=sample.product_name,
        product_code=sample.product_code,
        batch_number=sample.batch_number,
        manufacturer=sample.manufacturer,
        manufacture_date=sample.manufacture_date,
        expiry_date=sample.expiry_date,
        purpose=sample.purpose,
        requester=sample.requester,
        requester_organisation=sample.requester_organisation,
        external_reference=sample.external_reference,
        condition_on_receipt=sample.condition_on_receipt,
        received_at=sample.received_at,
        specification=(
            f"{plan.specification_reference} ({plan.specification_source}), "
            f"version {plan.specification_version}"
        ),
        conclusion=conclusion(plan),
        signatures=printed_signatures(signatures, with_approval=with_approval),
    )
    for test in reported_tests(plan):
        result = test.results[-1] if test.results else testing_pb2.Result()
        content.tests.append(
            reporting_pb2.CertificateTest(
                name=test.spec.name,
                method=test.spec.method,
                limits=test.spec.criterion.display,
                values=result.values,
                result=result.reportable_value,
                unit=test.spec.unit,
                conformity=result.conformity,
            )
        )
    return content


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
