"""Refused updates: the validator answers with a typed error and nothing enters the history."""

import pytest

from tests.workflow.helpers import (
    ANALYST,
    ANALYST2,
    APPROVER,
    REVIEWER,
    Lifecycle,
    Stack,
    accept_all,
    assign_all,
    receive,
    refusal,
    start_lifecycle,
    to_review,
)
from workflows.contracts import (
    ActorRef,
    ApprovalInput,
    AssignmentInput,
    ErrorType,
    HoldInput,
    ResultInput,
    ReviewInput,
)
from workflows.sample_lifecycle import SampleLifecycle


async def history_json(handle: Lifecycle) -> str:
    """The workflow's history as JSON text."""
    return (await handle.fetch_history()).to_json()


async def test_approval_in_the_wrong_state_is_refused_before_history(stack: Stack) -> None:
    lab, handle = await start_lifecycle(stack)
    await receive(handle)
    await handle.execute_update(
        SampleLifecycle.hold, HoldInput(REVIEWER, "checking the label"), id="accepted-hold"
    )
    await handle.execute_update(
        SampleLifecycle.resume, HoldInput(REVIEWER, "label checked"), id="accepted-resume"
    )
    await assign_all(handle)

    error = await refusal(
        handle.execute_update(
            SampleLifecycle.approve, ApprovalInput(APPROVER), id="refused-approval"
        )
    )

    assert error.type == ErrorType.FAILED_PRECONDITION
    assert error.message == f"{lab} is in_testing; approval needs awaiting_approval"
    history = await history_json(handle)
    assert "accepted-hold" in history
    assert "refused-approval" not in history
    assert (await handle.query(SampleLifecycle.status)).status == "in_testing"


async def test_an_unknown_test_is_not_found(stack: Stack) -> None:
    lab, handle = await start_lifecycle(stack)
    await receive(handle)

    error = await refusal(
        handle.execute_update(
            SampleLifecycle.assign,
            AssignmentInput(REVIEWER, f"{lab}-99", ANALYST.username),
            id="unknown-test",
        )
    )

    assert error.type == ErrorType.NOT_FOUND
    assert error.message == f"{lab}-99 is not a test of {lab}"
    assert "unknown-test" not in await history_json(handle)


async def test_only_the_assigned_analyst_may_enter_a_result(stack: Stack) -> None:
    _, handle = await start_lifecycle(stack)
    await receive(handle)
    status = await assign_all(handle, ANALYST)
    test_id = status.tests[0].test_id

    error = await refusal(
        handle.execute_update(
            SampleLifecycle.submit_result,
            ResultInput(ANALYST2, test_id, ["conforms"]),
            id="wrong-analyst",
        )
    )

    assert error.type == ErrorType.PERMISSION_DENIED
    assert (
        error.message == f"test {test_id} is assigned to analyst; analyst2 cannot enter its result"
    )
    assert "wrong-analyst" not in await history_json(handle)


async def test_an_analyst_cannot_review_a_result_they_entered(stack: Stack) -> None:
    _, handle = await to_review(stack)
    test_id = (await handle.query(SampleLifecycle.status)).tests[0].test_id
    analyst_as_reviewer = ActorRef(ANALYST.username, ANALYST.full_name, "reviewer")

    error = await refusal(
        handle.execute_update(
            SampleLifecycle.review,
            ReviewInput(analyst_as_reviewer, test_id, accepted=True),
            id="own-review",
        )
    )

    assert error.type == ErrorType.PERMISSION_DENIED
    assert "separation of duties" in error.message
    assert "own-review" not in await history_json(handle)


@pytest.mark.parametrize("who", [ANALYST, REVIEWER], ids=["analyst", "reviewer"])
async def test_an_approver_who_analysed_or_reviewed_the_sample_cannot_approve_it(
    stack: Stack, who: ActorRef
) -> None:
    _, handle = await to_review(stack)
    assert (await accept_all(handle)).status == "awaiting_approval"

    error = await refusal(
        handle.execute_update(SampleLifecycle.approve, ApprovalInput(who), id="sod-approval")
    )

    assert error.type == ErrorType.PERMISSION_DENIED
    assert error.message.startswith(f"separation of duties: {who.username} ")
    assert "sod-approval" not in await history_json(handle)
    approved = await handle.execute_update(SampleLifecycle.approve, ApprovalInput(APPROVER))
    assert approved.status == "released"


async def test_a_hold_or_a_send_back_needs_a_reason(stack: Stack) -> None:
    _, handle = await to_review(stack)
    test_id = (await handle.query(SampleLifecycle.status)).tests[0].test_id

    no_hold_reason = await refusal(
        handle.execute_update(SampleLifecycle.hold, HoldInput(REVIEWER, "  "), id="blank-hold")
    )
    no_send_back_reason = await refusal(
        handle.execute_update(
            SampleLifecycle.review,
            ReviewInput(REVIEWER, test_id, accepted=False),
            id="blank-send-back",
        )
    )

    assert no_hold_reason.type == ErrorType.INVALID_ARGUMENT
    assert no_send_back_reason.type == ErrorType.INVALID_ARGUMENT
    history = await history_json(handle)
    assert "blank-hold" not in history
    assert "blank-send-back" not in history


async def test_a_second_receipt_is_refused(stack: Stack) -> None:
    lab, handle = await start_lifecycle(stack)
    await receive(handle)

    error = await refusal(receive(handle))

    assert error.type == ErrorType.FAILED_PRECONDITION
    assert error.message == f"{lab} is received; receipt needs registered"


async def test_a_service_refusal_reaches_the_caller_with_its_type_and_message(
    stack: Stack,
) -> None:
    _, handle = await start_lifecycle(stack)
    await receive(handle)
    status = await assign_all(handle)
    assay = next(t for t in status.tests if t.code == "ASSAY")

    # The assay asks for two replicates: the testing service refuses one.
    error = await refusal(
        handle.execute_update(
            SampleLifecycle.submit_result, ResultInput(ANALYST, assay.test_id, ["99.0"])
        )
    )

    assert error.type == ErrorType.INVALID_ARGUMENT
    assert error.message.startswith("values: expected 2 ")
    after = await handle.query(SampleLifecycle.status)
    assert next(t for t in after.tests if t.test_id == assay.test_id).status == "assigned"
