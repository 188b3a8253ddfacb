"""The certificate's OOS history: every investigation of the sample and every result it
invalidated, with the reason and who signed. Pure mapping, no I/O.

Nothing is hidden: an invalidated result keeps its values on the certificate, next to the
reason, so a reader sees every result the lab obtained (WHO TRS 957 §18.11)."""

from collections.abc import Iterable

from lims.reporting.v1 import reporting_pb2
from lims.testing.v1 import investigation_pb2, testing_pb2


def _with_unit(value: str, unit: str) -> str:
    return f"{value} {unit}".strip()


def invalidated_results(
    plan: testing_pb2.TestPlan,
) -> list[reporting_pb2.CertificateInvalidatedResult]:
    """Each result an investigation invalidated, in plan order then attempt order."""
    return [
        reporting_pb2.CertificateInvalidatedResult(
            test_id=test.test_id,
            test_name=test.spec.name,
            attempt=result.attempt,
            values=result.values,
            result=_with_unit(result.reportable_value, test.spec.unit),
            reason=result.invalidated_reason,
            invalidated_by=result.invalidated_by,
            invalidated_at=result.invalidated_at,
        )
        for test in plan.tests
        for result in test.results
        if result.invalidated_reason
    ]


def investigation_history(
    plan: testing_pb2.TestPlan, investigations: Iterable[investigation_pb2.Investigation]
) -> list[reporting_pb2.CertificateInvestigation]:
    """Each investigation of the sample, oldest first, with its outcome and its signers."""
    names = {test.test_id: test.spec.name for test in plan.tests}
    ordered = sorted(investigations, key=lambda i: (i.opened_at, i.investigation_id))
    return [
        reporting_pb2.CertificateInvestigation(
            investigation_id=record.investigation_id,
            test_id=record.test_id,
            test_name=names.get(record.test_id, record.test_id),
            attempt=record.attempt,
            original_result=record.reportable_value,
            outcome=record.outcome,
            # Phase I may close an investigation (a cause found): its finding is the conclusion.
            conclusion=record.conclusion or record.phase_1_summary,
            signers=[
                reporting_pb2.CertificateInvestigationSigner(
                    name=signature.signer.full_name or signature.signer.username,
                    meaning=signature.meaning,
                    step=signature.step,
                    signed_at=signature.signed_at,
                )
                for signature in record.signatures
            ],
        )
        for record in ordered
    ]
