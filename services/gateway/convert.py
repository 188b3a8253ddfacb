"""Protobuf messages of the services -> the REST API's response bodies."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from kernel.proto_enums import enum_to_str
from kernel.timefmt import from_rfc3339, utcnow
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from lims.reporting.v1 import amendments_pb2, reporting_pb2
from lims.testing.v1 import investigation_pb2, resources_pb2, testing_pb2
from services.gateway.domain import sla_state
from services.gateway.schemas import (
    ActorOut,
    AttachmentOut,
    CertificateRef,
    ChecklistQuestionOut,
    EscalationOut,
    EventOut,
    FormulaInputOut,
    InvestigationOut,
    InvestigationSignatureOut,
    ProductOut,
    ProductTestOut,
    RequestOut,
    ResultOut,
    SampleDetail,
    SampleSummary,
    SignatureOut,
    SlaOut,
    SpecificationOut,
    TestOut,
    VerificationOut,
)
from services.gateway.signature_checks import intact_signatures


def _or_none(text: str) -> str | None:
    return text or None


def actor(message: common_pb2.Actor) -> ActorOut:
    """Who did something."""
    return ActorOut(username=message.username, full_name=message.full_name)


def product(message: testing_pb2.Product) -> ProductOut:
    """A catalogue product with its specification."""
    return ProductOut(
        code=message.code,
        name=message.name,
        inn=message.inn,
        dosage_form=message.dosage_form,
        strength=message.strength,
        units_per_analysis=message.units_per_analysis,
        specification=SpecificationOut(
            id=message.specification_id,
            version=message.specification_version,
            source=message.specification_source,
            reference=message.specification_reference,
        ),
        tests=[
            ProductTestOut(
                code=spec.code,
                name=spec.name,
                method=spec.method,
                technique=spec.technique,
                unit=spec.unit,
                replicates=spec.replicates,
                limits=spec.criterion.display,
            )
            for spec in message.tests
        ],
    )


def _receipt_checks(sample: intake_pb2.Sample) -> dict[str, Any]:
    # The checklist means something once the sample went through receipt.
    if not sample.received_at:
        return {}
    return {
        "seals_intact": sample.seals_intact,
        "labelling_legible": sample.labelling_legible,
        "temperature_on_arrival": _or_none(sample.temperature_on_arrival),
        "quantity_required": _or_none(sample.quantity_required),
        "quantity_sufficient": sample.quantity_sufficient,
        "insufficient_quantity_reason": _or_none(sample.insufficient_quantity_reason),
    }


def _summary_fields(sample: intake_pb2.Sample) -> dict[str, Any]:
    return {
        "lab_number": sample.lab_number,
        "request_id": sample.request_id,
        "purpose": enum_to_str(common_pb2.Purpose, sample.purpose),
        "priority": enum_to_str(common_pb2.Priority, sample.priority) or "routine",
        "requester": sample.requester,
        "requester_organisation": sample.requester_organisation,
        "external_reference": sample.external_reference,
        "contact_name": sample.contact_name,
        "contact_email": sample.contact_email,
        "contact_phone": sample.contact_phone,
        "product_code": sample.product_code,
        "product_name": sample.product_name,
        "batch_number": sample.batch_number,
        "manufacturer": sample.manufacturer,
        "manufacture_date": _or_none(sample.manufacture_date),
        "expiry_date": _or_none(sample.expiry_date),
        "quantity": sample.quantity,
        "quantity_unit": sample.quantity_unit,
        "product_category": enum_to_str(intake_pb2.ProductCategory, sample.product_category)
        or "medicine",
        "inns": sample.inns,
        "dosage_form": sample.dosage_form,
        "strength": sample.strength,
        "pack": sample.pack,
        "marketing_authorisation_holder": sample.marketing_authorisation_holder,
        "storage_conditions": sample.storage_conditions,
        "status": enum_to_str(common_pb2.SampleStatus, sample.status),
        "condition_on_receipt": _or_none(sample.condition_on_receipt),
        "quantity_received": _or_none(sample.quantity_received),
        "received_at": _or_none(sample.received_at),
        "rejection_reason": _or_none(sample.rejection_reason),
        **_receipt_checks(sample),
        "retain_until": _or_none(sample.retain_until),
        "disposal_due_at": _or_none(sample.disposal_due_at),
        "disposed_at": _or_none(sample.disposed_at),
        "created_at": sample.created_at,
        "sla": SlaOut(
            target_days=sample.sla_target_days,
            basis=cast(
                Any, enum_to_str(intake_pb2.TurnaroundBasis, sample.sla_basis) or "calendar_days"
            ),
            due_at=_or_none(sample.sla_due_at),
            warning_at=_or_none(sample.sla_warning_at),
            breached_at=_or_none(sample.sla_breached_at),
            state=sla_state(
                due_at=sample.sla_due_at,
                warning_at=sample.sla_warning_at,
                breached_at=sample.sla_breached_at,
            ),
        ),
    }


def sample_summary(sample: intake_pb2.Sample) -> SampleSummary:
    """A sample as lists show it."""
    return SampleSummary(**_summary_fields(sample))


def request(message: intake_pb2.Request) -> RequestOut:
    """A registered request with its samples."""
    return RequestOut(
        request_id=message.request_id,
        purpose=enum_to_str(common_pb2.Purpose, message.purpose),
        priority=enum_to_str(common_pb2.Priority, message.priority) or "routine",
        requester=message.requester,
        requester_organisation=message.requester_organisation,
        external_reference=message.external_reference,
        contact_name=message.contact_name,
        contact_email=message.contact_email,
        contact_phone=message.contact_phone,
        created_at=message.created_at,
        created_by=actor(message.created_by),
        samples=[sample_summary(sample) for sample in message.samples],
    )


def formula_inputs(spec: testing_pb2.SpecificationTest) -> list[FormulaInputOut]:
    """A formula test's inputs, in the order their values are given."""
    return [FormulaInputOut(name=i.name, label=i.label, unit=i.unit) for i in spec.inputs]


def _replicate_inputs(
    spec: testing_pb2.SpecificationTest, values: list[str]
) -> list[dict[str, str]]:
    names = [i.name for i in spec.inputs]
    if not names or spec.calculation != testing_pb2.CALCULATION_FORMULA:
        return []
    return [
        dict(zip(names, values[start : start + len(names)], strict=False))
        for start in range(0, len(values), len(names))
    ]


def _result(message: testing_pb2.Result, spec: testing_pb2.SpecificationTest) -> ResultOut:
    reviewed = message.HasField("reviewed_by") and message.reviewed_by.username
    return ResultOut(
        attempt=message.attempt,
        values=list(message.values),
        reportable_value=message.reportable_value,
        unrounded_value=message.unrounded_value,
        conformity=enum_to_str(common_pb2.Conformity, message.conformity) or None,
        submitted_by=actor(message.submitted_by),
        submitted_at=message.submitted_at,
        remarks=message.remarks,
        review_outcome=message.review_outcome or None,
        review_reason=message.review_reason,
        reviewed_by=actor(message.reviewed_by) if reviewed else None,
        invalidated_reason=message.invalidated_reason,
        invalidated_by=message.invalidated_by,
        invalidated_at=message.invalidated_at or None,
        instrument=message.instrument_code,
        reference_standard_lots=list(message.reference_standard_lots),
        reagent_lots=list(message.reagent_lots),
        warning=message.warning,
        below_loq=message.below_loq,
        replicate_values=list(message.replicate_values),
        replicate_inputs=_replicate_inputs(spec, list(message.values)),
    )


def attachment_info(message: resources_pb2.Attachment) -> testing_pb2.AttachmentInfo:
    """The description of an attached file (what a test lists) from the Resources answer."""
    return testing_pb2.AttachmentInfo(
        id=message.id,
        attempt=message.attempt,
        filename=message.filename,
        content_type=message.content_type,
        size=message.size,
        sha256=message.sha256,
        uploaded_by=message.uploaded_by,
        uploaded_at=message.uploaded_at,
    )


def attachment(test_id: str, message: testing_pb2.AttachmentInfo) -> AttachmentOut:
    """A file attached to a test's result, with the path of its content."""
    return AttachmentOut(
        id=message.id,
        attempt=message.attempt,
        filename=message.filename,
        content_type=message.content_type,
        size=message.size,
        sha256=message.sha256,
        uploaded_by=actor(message.uploaded_by),
        uploaded_at=message.uploaded_at,
        download=f"/api/v1/tests/{test_id}/attachments/{message.id}",
    )


def test(message: testing_pb2.Test) -> TestOut:
    """A test with every result submitted for it."""
    results = [_result(result, message.spec) for result in message.results]
    return TestOut(
        test_id=message.test_id,
        lab_number=message.lab_number,
        sequence=message.sequence,
        product_code=message.product_code,
        code=message.spec.code,
        name=message.spec.name,
        method=message.spec.method,
        technique=message.spec.technique,
        unit=message.spec.unit,
        replicates=message.spec.replicates,
        limits=message.spec.criterion.display,
        method_code=message.spec.method_code,
        warning_low=message.spec.warning_low,
        warning_high=message.spec.warning_high,
        lod=message.spec.lod,
        loq=message.spec.loq,
        formula=message.spec.formula,
        inputs=formula_inputs(message.spec),
        status=enum_to_str(testing_pb2.TestStatus, message.status),
        analyst=_or_none(message.analyst),
        assigned_at=_or_none(message.assigned_at),
        result=results[-1] if results else None,
        results=results,
        instrument=message.instrument_code,
        reference_standard_lots=list(message.reference_standard_lots),
        reagent_lots=list(message.reagent_lots),
        attachments=[attachment(message.test_id, a) for a in message.attachments],
    )


def signature(message: common_pb2.Signature, *, intact: bool) -> SignatureOut:
    """An electronic signature, and whether its record still matches it."""
    return SignatureOut(
        username=message.username,
        full_name=message.full_name,
        meaning=enum_to_str(common_pb2.SignatureMeaning, message.meaning),
        signed_at=message.signed_at,
        content_hash=message.content_hash,
        record_kind=message.record_kind,
        record_id=message.record_id,
        intact=intact,
    )


def event(message: common_pb2.Event) -> EventOut:
    """A timeline entry."""
    return EventOut(
        at=message.at, actor=actor(message.actor), action=message.action, detail=message.detail
    )


def certificate_ref(message: reporting_pb2.Certificate, public_base_url: str) -> CertificateRef:
    """Where a certificate is downloaded and verified."""
    return CertificateRef(
        report_number=message.report_number,
        version=message.version,
        issued_at=message.issued_at,
        url=f"/api/v1/samples/{message.lab_number}/certificate",
        verify_url=f"{public_base_url.rstrip('/')}/verify/{message.report_number}",
    )


def sample_detail(
    sample: intake_pb2.Sample,
    plan: testing_pb2.TestPlan | None,
    signatures: list[common_pb2.Signature],
    certificate: CertificateRef | None,
    investigations: Sequence[investigation_pb2.Investigation] = (),
    now: datetime | None = None,
) -> SampleDetail:
    """A sample with its tests, signatures (each checked against its record), timeline and
    certificate."""
    intact = intact_signatures(sample, plan, signatures)
    return SampleDetail(
        **_summary_fields(sample),
        tests=[test(message) for message in (plan.tests if plan else [])],
        signatures=[
            signature(message, intact=message.signature_id in intact) for message in signatures
        ],
        timeline=[event(message) for message in sample.timeline],
        certificate=certificate,
        investigations=[investigation(message, now) for message in investigations],
    )


def investigation(
    message: investigation_pb2.Investigation, now: datetime | None = None
) -> InvestigationOut:
    """An OOS investigation; `overdue` as of `now` (default: the current time)."""
    due = message.phase_2_due if message.phase == "phase_2" else message.phase_1_due
    due_at = from_rfc3339(due) if message.phase != "concluded" else None
    return InvestigationOut(
        investigation_id=message.investigation_id,
        lab_number=message.lab_number,
        test_id=message.test_id,
        attempt=message.attempt,
        analyst=message.analyst,
        reportable_value=message.reportable_value,
        phase=message.phase,
        opened_at=message.opened_at,
        phase_1_due=message.phase_1_due,
        phase_2_due=message.phase_2_due or None,
        overdue=due_at is not None and due_at < (now or utcnow()),
        escalations=[EscalationOut(phase=e.phase, at=e.at) for e in message.escalations],
        checklist=dict(message.checklist),
        phase_1_summary=message.phase_1_summary,
        outcome=message.outcome or None,
        conclusion=message.conclusion,
        retest_analyst=message.retest_analyst or None,
        concluded_at=message.concluded_at or None,
        signatures=[
            InvestigationSignatureOut(
                step=s.step,
                signer=actor(s.signer),
                meaning=s.meaning,
                signed_at=s.signed_at,
                content_hash=s.content_hash,
                intact=s.intact,
            )
            for s in message.signatures
        ],
        questions=[ChecklistQuestionOut(item=q.item, text=q.text) for q in message.questions],
    )


_CONCLUSIONS = {"conforms": "conforms", "does_not_conform": "does not conform"}


def verification(message: amendments_pb2.CertificateVerification) -> VerificationOut:
    """The public facts of an authentic certificate, and whether a newer version replaced it."""
    conclusion = enum_to_str(common_pb2.Conformity, message.conclusion)
    return VerificationOut(
        authentic=True,
        report_number=message.report_number,
        lab_number=message.lab_number,
        product=message.product_name,
        batch=message.batch_number,
        conclusion=_CONCLUSIONS.get(conclusion, conclusion),
        issued_at=message.issued_at,
        version=message.version,
        current=not message.superseded_by,
        superseded_by=message.superseded_by or None,
        superseded_by_version=message.superseded_by_version or None,
        superseded_at=message.superseded_at or None,
    )
