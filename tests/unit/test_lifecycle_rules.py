"""The checks behind SampleLifecycle's update validators, without Temporal."""

import pytest
from temporalio.exceptions import ApplicationError

from kernel.lifecycle import SampleStatus
from workflows.contracts import (
    ActorRef,
    ApprovalInput,
    AssignmentInput,
    ErrorType,
    HoldInput,
    ReceiptInput,
    ResultInput,
    ReviewInput,
    TestState,
)
from workflows.lifecycle_rules import Progress

LAB = "LNCM-2026-00001"
RECEPTION = ActorRef("reception", "Rania Reception", "reception")
ANALYST = ActorRef("analyst", "Amina Analyst", "analyst")
REVIEWER = ActorRef("reviewer", "Rachid Reviewer", "reviewer")
APPROVER = ActorRef("approver", "Aicha Approver", "approver")


def progress(
    status: SampleStatus = SampleStatus.IN_TESTING,
    *tests: tuple[str, str],
    allow_reviewer_as_approver: bool = False,
) -> Progress:
    """A sample at `status` whose tests are given as (status, analyst)."""
    return Progress(
        LAB,
        status=status,
        tests={
            f"{LAB}-{n:02d}": TestState(f"{LAB}-{n:02d}", f"T{n}", s, analyst=a)
            for n, (s, a) in enumerate(tests, start=1)
        },
        allow_reviewer_as_approver=allow_reviewer_as_approver,
    )


def refused(check: object, request: object) -> ApplicationError:
    """The refusal a check raises."""
    assert callable(check)
    with pytest.raises(ApplicationError) as error:
        check(request)
    return error.value


def test_the_wrong_state_is_named_with_the_state_needed() -> None:
    error = refused(progress(SampleStatus.IN_TESTING).check_approve, ApprovalInput(APPROVER))
    assert error.type == ErrorType.FAILED_PRECONDITION
    assert error.message == f"{LAB} is in_testing; approval needs awaiting_approval"
    assert error.non_retryable


def test_a_receipt_needs_a_quantity_to_accept_and_a_reason_to_reject() -> None:
    registered = progress(SampleStatus.REGISTERED)
    accept = ReceiptInput(RECEPTION, accepted=True)
    reject = ReceiptInput(RECEPTION, accepted=False, reason=" ")
    assert refused(registered.check_receive, accept).type == ErrorType.INVALID_ARGUMENT
    assert refused(registered.check_receive, reject).type == ErrorType.INVALID_ARGUMENT
    registered.check_receive(ReceiptInput(RECEPTION, accepted=True, quantity_received="60"))


def test_a_receipt_whose_plan_failed_may_be_completed_but_not_turned_into_a_rejection() -> None:
    received = progress(SampleStatus.RECEIVED)
    received.check_receive(ReceiptInput(RECEPTION, accepted=True, quantity_received="60"))
    error = refused(received.check_receive, ReceiptInput(RECEPTION, False, reason="late"))
    assert error.type == ErrorType.FAILED_PRECONDITION


def test_an_accepted_test_cannot_be_reassigned() -> None:
    p = progress(SampleStatus.IN_TESTING, ("accepted", "analyst"))
    error = refused(p.check_assign, AssignmentInput(REVIEWER, f"{LAB}-01", "analyst2"))
    assert error.type == ErrorType.FAILED_PRECONDITION
    assert error.message == f"test {LAB}-01 is accepted; assignment needs pending or assigned"


def test_a_result_by_another_analyst_is_denied_whatever_the_case_of_the_name() -> None:
    p = progress(SampleStatus.IN_TESTING, ("assigned", "analyst"))
    other = ActorRef("analyst2", "Omar Analyst", "analyst")
    same = ActorRef(" Analyst ", "Amina Analyst", "analyst")
    assert refused(p.check_result, ResultInput(other, f"{LAB}-01", ["1"])).type == (
        ErrorType.PERMISSION_DENIED
    )
    p.check_result(ResultInput(same, f"{LAB}-01", ["1"]))


def test_an_unknown_test_is_not_found() -> None:
    error = refused(progress().check_result, ResultInput(ANALYST, f"{LAB}-07", ["1"]))
    assert error.type == ErrorType.NOT_FOUND


def test_the_analyst_of_a_result_cannot_review_it() -> None:
    p = progress(SampleStatus.IN_REVIEW, ("submitted", "reviewer"))
    error = refused(p.check_review, ReviewInput(REVIEWER, f"{LAB}-01", accepted=True))
    assert error.type == ErrorType.PERMISSION_DENIED


def test_a_reviewer_may_approve_only_where_the_lab_allows_it() -> None:
    strict = progress(SampleStatus.AWAITING_APPROVAL)
    strict.reviewers.add("approver")
    assert refused(strict.check_approve, ApprovalInput(APPROVER)).type == (
        ErrorType.PERMISSION_DENIED
    )
    lenient = progress(SampleStatus.AWAITING_APPROVAL, allow_reviewer_as_approver=True)
    lenient.reviewers.add("approver")
    lenient.check_approve(ApprovalInput(APPROVER))
    lenient.authors.add("approver")
    assert "analysed" in refused(lenient.check_approve, ApprovalInput(APPROVER)).message


def test_hold_resume_and_cancel_follow_the_state_machine() -> None:
    reason = HoldInput(REVIEWER, "instrument down")
    progress(SampleStatus.REGISTERED).check_hold(reason)
    progress(SampleStatus.ON_HOLD).check_cancel(reason)
    progress(SampleStatus.ON_HOLD).check_resume(reason)
    assert refused(progress(SampleStatus.ON_HOLD).check_hold, reason).message == (
        f"{LAB} is on_hold; a hold needs an active state"
    )
    assert refused(progress(SampleStatus.RELEASED).check_cancel, reason).type == (
        ErrorType.FAILED_PRECONDITION
    )
    assert refused(progress(SampleStatus.IN_REVIEW).check_resume, reason).type == (
        ErrorType.FAILED_PRECONDITION
    )
    blank = HoldInput(REVIEWER, "")
    assert refused(progress().check_cancel, blank).type == ErrorType.INVALID_ARGUMENT


def test_review_starts_when_every_counted_test_has_a_result() -> None:
    p = progress(SampleStatus.IN_TESTING, ("submitted", "a"), ("invalidated", "a"))
    assert p.all_submitted()
    assert not p.all_accepted()
    p.tests[f"{LAB}-01"].status = "accepted"
    assert p.all_accepted()
    assert not progress(SampleStatus.RECEIVED).all_submitted()  # no plan yet
