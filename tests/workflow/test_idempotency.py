"""A retry never duplicates: neither a repeated update nor a re-run activity with the same key."""

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from lims.intake.v1 import intake_pb2
from lims.review.v1 import review_pb2, review_pb2_grpc
from lims.testing.v1 import testing_pb2
from tests.workflow.helpers import (
    ANALYST,
    RECEPTION,
    REVIEWER,
    Stack,
    assign_all,
    receive,
    register_sample,
    start_lifecycle,
    values_for,
)
from workflows import activity_contracts as ac
from workflows.contracts import ErrorType, HoldInput, ResultInput
from workflows.sample_lifecycle import SampleLifecycle
from workflows.worker import build_activities


async def test_the_same_update_sent_twice_takes_effect_once(stack: Stack) -> None:
    lab, handle = await start_lifecycle(stack)
    await receive(handle)
    test_id = (await assign_all(handle)).tests[0].test_id
    values = await values_for(stack, test_id)
    submission = ResultInput(ANALYST, test_id, values)

    first = await handle.execute_update(SampleLifecycle.submit_result, submission, id="result-1")
    again = await handle.execute_update(SampleLifecycle.submit_result, submission, id="result-1")
    held = await handle.execute_update(
        SampleLifecycle.hold, HoldInput(REVIEWER, "column broke"), id="hold-1"
    )
    held_again = await handle.execute_update(
        SampleLifecycle.hold, HoldInput(REVIEWER, "column broke"), id="hold-1"
    )

    assert again == first
    assert held_again == held
    test = await stack.testing.GetTest(testing_pb2.GetTestRequest(test_id=test_id))
    assert len(test.results) == 1
    sample = await stack.intake.GetSample(intake_pb2.GetSampleRequest(lab_number=lab))
    holds = [e for e in sample.timeline if e.action == "status_changed" and "on_hold" in e.detail]
    assert len(holds) == 1


async def test_activities_run_twice_with_the_same_keys_record_once(stack: Stack) -> None:
    activities = build_activities(stack.channels)
    env = ActivityEnvironment()
    lab = await register_sample(stack)
    receipt = ac.RecordReceipt(lab, RECEPTION, True, "2026-03-02T09:00:00Z", "intact", "60")
    assert await env.run(activities.record_receipt, receipt) == await env.run(
        activities.record_receipt, receipt
    )
    plan = ac.CreateTestPlan(lab, "METF-850-TAB", RECEPTION)
    tests = (await env.run(activities.create_test_plan, plan)).tests
    assert (await env.run(activities.create_test_plan, plan)).tests == tests
    test_id = tests[0].test_id
    for _ in range(2):
        status = ac.RecordStatus(
            lab, REVIEWER, "in_testing", f"{lab}:status:1", "2026-03-02T10:00Z"
        )
        await env.run(activities.record_status, status)
        await env.run(activities.assign_test, ac.AssignTest(test_id, ANALYST.username, REVIEWER))
    submission = ac.SubmitResult(test_id, await values_for(stack, test_id), ANALYST, f"{lab}:r:1")
    first = await env.run(activities.submit_result, submission)
    assert await env.run(activities.submit_result, submission) == first
    review = ac.ReviewTest(lab, test_id, first.attempt, REVIEWER, False, f"{lab}:v:1", "redo")
    reviewed = await env.run(activities.review_test, review)
    assert await env.run(activities.review_test, review) == reviewed

    sample = await stack.intake.GetSample(intake_pb2.GetSampleRequest(lab_number=lab))
    assert [e.action for e in sample.timeline].count("status_changed") == 1
    assert [e.action for e in sample.timeline].count("received") == 1
    test = await stack.testing.GetTest(testing_pb2.GetTestRequest(test_id=test_id))
    assert len(test.results) == 1
    assert test.status == testing_pb2.TEST_STATUS_ASSIGNED  # sent back once, not twice
    signatures = await review_pb2_grpc.ReviewServiceStub(stack.channels.review).ListSignatures(
        review_pb2.ListSignaturesRequest(lab_number=lab)
    )
    assert len(signatures.signatures) == 1

    # The same key for a different decision is a refusal the caller sees, not a retry.
    with pytest.raises(ApplicationError) as refused:
        await env.run(activities.review_test, ac.ReviewTest(**{**vars(review), "accepted": True}))
    assert refused.value.type == ErrorType.FAILED_PRECONDITION
    assert refused.value.non_retryable
