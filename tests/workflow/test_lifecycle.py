"""A sample's whole lifecycle driven through updates, against the real services."""

from kernel.proto_enums import enum_to_str
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from lims.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from lims.review.v1 import review_pb2, review_pb2_grpc
from lims.testing.v1 import testing_pb2
from tests.workflow.helpers import (
    ANALYST,
    ANALYST2,
    APPROVER,
    RECEPTION,
    REVIEWER,
    Stack,
    accept_all,
    assign_all,
    assignment,
    receive,
    start_lifecycle,
    submit,
    submit_all,
)
from workflows.contracts import (
    ApprovalInput,
    HoldInput,
    ReceiptInput,
    ReviewInput,
)
from workflows.sample_lifecycle import SampleLifecycle


async def sample_status(stack: Stack, lab: str) -> str:
    """The status intake's read model shows."""
    sample = await stack.intake.GetSample(intake_pb2.GetSampleRequest(lab_number=lab))
    return enum_to_str(common_pb2.SampleStatus, sample.status)


async def test_a_sample_goes_from_registration_to_release_through_updates(stack: Stack) -> None:
    lab, handle = await start_lifecycle(stack)
    assert (await handle.query(SampleLifecycle.status)).status == "registered"

    received = await receive(handle)
    assert received.status == "received"
    assert len(received.tests) == 5
    assert all(t.status == "pending" for t in received.tests)
    assert received.sla.target_days == 30
    assert received.sla.due_at
    assert await sample_status(stack, lab) == "received"

    first, *others = received.tests
    testing = await handle.execute_update(SampleLifecycle.assign, assignment(first, ANALYST))
    assert testing.status == "in_testing"
    assert await sample_status(stack, lab) == "in_testing"
    for test in others:
        await handle.execute_update(SampleLifecycle.assign, assignment(test, ANALYST2))

    status = await submit(stack, handle, first.test_id, ANALYST)
    assert status.status == "in_testing"
    assert status.tests[0].status == "submitted"
    assert status.tests[0].attempt == 1
    assert status.tests[0].conformity == "conforms"
    in_review = await submit_all(stack, handle)
    assert in_review.status == "in_review"
    assert await sample_status(stack, lab) == "in_review"

    sent_back = await handle.execute_update(
        SampleLifecycle.review,
        ReviewInput(REVIEWER, first.test_id, accepted=False, reason="integration not shown"),
    )
    assert sent_back.status == "in_testing"
    assert sent_back.tests[0].status == "assigned"
    assert await sample_status(stack, lab) == "in_testing"

    resubmitted = await submit(stack, handle, first.test_id, ANALYST)
    assert resubmitted.status == "in_review"
    assert resubmitted.tests[0].attempt == 2

    awaiting = await accept_all(handle)
    assert awaiting.status == "awaiting_approval"
    assert all(t.status == "accepted" for t in awaiting.tests)

    released = await handle.execute_update(SampleLifecycle.approve, ApprovalInput(APPROVER))
    assert released.status == "released"
    assert released.report_number

    result = await handle.result()
    assert result.status == "released"
    assert result.report_number == released.report_number
    assert await sample_status(stack, lab) == "released"

    plan = await stack.testing.GetTestPlan(testing_pb2.GetTestPlanRequest(lab_number=lab))
    assert [len(t.results) for t in plan.tests] == [2, 1, 1, 1, 1]
    assert all(t.status == testing_pb2.TEST_STATUS_ACCEPTED for t in plan.tests)

    review = review_pb2_grpc.ReviewServiceStub(stack.channels.review)
    signatures = await review.ListSignatures(review_pb2.ListSignaturesRequest(lab_number=lab))
    kinds = [(s.record_kind, s.username) for s in signatures.signatures]
    assert kinds.count(("test_review", "reviewer")) == 6  # one send-back, five acceptances
    assert kinds[-1] == ("sample_approval", "approver")

    reporting = reporting_pb2_grpc.ReportingServiceStub(stack.channels.reporting)
    certificate = await reporting.GetCertificate(
        reporting_pb2.GetCertificateRequest(lab_number=lab)
    )
    assert certificate.report_number == released.report_number
    assert certificate.content.conclusion == common_pb2.CONFORMITY_CONFORMS
    assert [s.meaning for s in certificate.content.signatures] == [
        common_pb2.SIGNATURE_MEANING_REVIEWED
    ] * 5 + [common_pb2.SIGNATURE_MEANING_APPROVED]


async def test_a_rejected_receipt_ends_the_lifecycle(stack: Stack) -> None:
    lab, handle = await start_lifecycle(stack)

    rejected = await handle.execute_update(
        SampleLifecycle.receive,
        ReceiptInput(RECEPTION, accepted=False, condition="broken seal", reason="seal broken"),
    )

    assert rejected.status == "rejected"
    assert rejected.tests == []
    assert (await handle.result()).status == "rejected"
    sample = await stack.intake.GetSample(intake_pb2.GetSampleRequest(lab_number=lab))
    assert sample.status == common_pb2.SAMPLE_STATUS_REJECTED
    assert sample.rejection_reason == "seal broken"


async def test_hold_returns_to_the_state_before_it_and_cancel_ends_the_lifecycle(
    stack: Stack,
) -> None:
    lab, handle = await start_lifecycle(stack)
    await receive(handle)
    await assign_all(handle)

    held = await handle.execute_update(
        SampleLifecycle.hold, HoldInput(REVIEWER, "reference standard out of stock")
    )
    assert held.status == "on_hold"
    assert held.sla.on_hold
    assert await sample_status(stack, lab) == "on_hold"

    resumed = await handle.execute_update(
        SampleLifecycle.resume, HoldInput(REVIEWER, "reference standard received")
    )
    assert resumed.status == "in_testing"
    assert not resumed.sla.on_hold
    assert await sample_status(stack, lab) == "in_testing"

    await handle.execute_update(SampleLifecycle.hold, HoldInput(REVIEWER, "requester asked"))
    cancelled = await handle.execute_update(
        SampleLifecycle.cancel, HoldInput(REVIEWER, "request withdrawn by the requester")
    )
    assert cancelled.status == "cancelled"
    assert (await handle.result()).status == "cancelled"
    sample = await stack.intake.GetSample(intake_pb2.GetSampleRequest(lab_number=lab))
    assert sample.status == common_pb2.SAMPLE_STATUS_CANCELLED
    assert sample.rejection_reason == "request withdrawn by the requester"
