"""Who may do what, when, in a sample's lifecycle: the checks behind the workflow's updates.

Pure (no I/O, no clock), so the workflow runs them twice, in each update's validator (to
reject before history) and again under its lock (the state may have moved since), and unit
tests run them without Temporal. A refusal is an ApplicationError whose type the gateway maps
to an HTTP status and whose message says what is wrong."""

from dataclasses import dataclass, field

from temporalio.exceptions import ApplicationError

from kernel.lifecycle import (
    TERMINAL,
    SampleStatus,
    TestStatus,
    can_transition,
    can_transition_test,
)
from workflows.contracts import (
    ApprovalInput,
    AssignmentInput,
    ErrorType,
    HoldInput,
    ReceiptInput,
    ResultInput,
    ReviewInput,
    TestState,
)


def refusal(kind: ErrorType, message: str) -> ApplicationError:
    """The error an update answers with when it refuses."""
    return ApplicationError(message, type=kind, non_retryable=True)


def same_person(a: str, b: str) -> bool:
    """Whether two login names are the same person (case and surrounding blanks ignored)."""
    return a.strip().casefold() == b.strip().casefold()


def _required(value: str, message: str) -> None:
    if not value.strip():
        raise refusal(ErrorType.INVALID_ARGUMENT, message)


@dataclass
class Progress:
    """Where a sample's lifecycle stands: its status, its tests, and who did what."""

    lab_number: str
    status: SampleStatus = SampleStatus.REGISTERED
    before_hold: SampleStatus | None = None
    tests: dict[str, TestState] = field(default_factory=dict)
    # Everyone who entered a result or reviewed one: none of them may approve (separation of duties).
    authors: set[str] = field(default_factory=set)
    reviewers: set[str] = field(default_factory=set)
    # The lab's setting (Settings.allow_reviewer_as_approver), passed in LifecycleInput.
    allow_reviewer_as_approver: bool = False

    def require(self, action: str, *allowed: SampleStatus) -> None:
        """Refuses unless the sample is in one of `allowed`. An ended lifecycle says so in the
        words the gateway uses once the workflow has closed: it may still be running its last
        activities (the notification of a rejection) when the next step arrives."""
        if self.status not in allowed and self.status in TERMINAL:
            raise refusal(
                ErrorType.FAILED_PRECONDITION,
                f"sample {self.lab_number} is {self.status.value}; no further action is possible",
            )
        if self.status not in allowed:
            self._refuse_state(f"{action} needs {' or '.join(s.value for s in allowed)}")

    def _refuse_state(self, needs: str) -> None:
        raise refusal(
            ErrorType.FAILED_PRECONDITION, f"{self.lab_number} is {self.status.value}; {needs}"
        )

    def test(self, test_id: str) -> TestState:
        """The sample's test `test_id`, or a NOT_FOUND refusal."""
        test = self.tests.get(test_id)
        if test is None:
            raise refusal(ErrorType.NOT_FOUND, f"{test_id} is not a test of {self.lab_number}")
        return test

    def _require_test(self, test: TestState, action: str, *allowed: TestStatus) -> None:
        if test.status not in allowed:
            needs = " or ".join(s.value for s in allowed)
            raise refusal(
                ErrorType.FAILED_PRECONDITION,
                f"test {test.test_id} is {test.status}; {action} needs {needs}",
            )

    @property
    def planned(self) -> bool:
        """Whether the test plan is known (receipt completed)."""
        return bool(self.tests)

    def _counted(self) -> list[TestState]:
        return [t for t in self.tests.values() if t.status != TestStatus.INVALIDATED]

    def all_submitted(self) -> bool:
        """Every test has a result awaiting review or accepted."""
        done = {TestStatus.SUBMITTED, TestStatus.ACCEPTED}
        return self.planned and all(t.status in done for t in self._counted())

    def all_accepted(self) -> bool:
        """Every test is accepted."""
        return self.planned and all(t.status == TestStatus.ACCEPTED for t in self._counted())

    def check_receive(self, request: ReceiptInput) -> None:
        """Receipt: once, while registered (or again to finish a receipt whose plan failed)."""
        if self.status is SampleStatus.RECEIVED and not self.planned:
            if not request.accepted:
                self._refuse_state("it was accepted at receipt; only its test plan is missing")
        else:
            self.require("receipt", SampleStatus.REGISTERED)
        if request.accepted:
            _required(request.quantity_received, "quantity_received is required to accept")
        else:
            _required(request.reason, "reason is required to reject a sample")

    def check_assign(self, request: AssignmentInput) -> None:
        """Assignment: once received, a test not yet submitted, to a named analyst."""
        self.require("assignment", SampleStatus.RECEIVED, SampleStatus.IN_TESTING)
        test = self.test(request.test_id)
        if not can_transition_test(TestStatus(test.status), TestStatus.ASSIGNED):
            self._require_test(test, "assignment", TestStatus.PENDING, TestStatus.ASSIGNED)
        _required(request.analyst, "analyst is required")

    def check_result(self, request: ResultInput) -> None:
        """A result: in testing, on an assigned test, by its analyst, with values."""
        self.require("a result", SampleStatus.IN_TESTING)
        test = self.test(request.test_id)
        self._require_test(test, "a result", TestStatus.ASSIGNED)
        if not same_person(request.actor.username, test.analyst):
            raise refusal(
                ErrorType.PERMISSION_DENIED,
                f"test {test.test_id} is assigned to {test.analyst}; "
                f"{request.actor.username} cannot enter its result",
            )
        if not [v for v in request.values if v.strip()]:
            raise refusal(ErrorType.INVALID_ARGUMENT, "values: at least one value is required")

    def check_review(self, request: ReviewInput) -> None:
        """A review: in review, on a submitted test, by someone other than its analyst."""
        self.require("review", SampleStatus.IN_REVIEW)
        test = self.test(request.test_id)
        self._require_test(test, "review", TestStatus.SUBMITTED)
        if test.investigation:
            raise refusal(
                ErrorType.FAILED_PRECONDITION,
                f"the result of {test.test_id} is out of specification and under investigation "
                f"({test.investigation}); it can be reviewed once the investigation is concluded",
            )
        if same_person(request.actor.username, test.analyst):
            raise refusal(
                ErrorType.PERMISSION_DENIED,
                f"separation of duties: {test.analyst} entered the result of {test.test_id} "
                "and cannot review it",
            )
        if not request.accepted:
            _required(request.reason, "reason is required to send a result back")

    def check_approve(self, request: ApprovalInput) -> None:
        """Approval: every test accepted, by someone who neither analysed nor (unless the lab
        allows it) reviewed."""
        self.require("approval", SampleStatus.AWAITING_APPROVAL)
        who = request.actor.username
        analysed = any(same_person(who, a) for a in self.authors)
        reviewed = any(same_person(who, r) for r in self.reviewers)
        if analysed or (reviewed and not self.allow_reviewer_as_approver):
            raise refusal(
                ErrorType.PERMISSION_DENIED,
                f"separation of duties: {who} {'analysed' if analysed else 'reviewed'} tests of "
                f"{self.lab_number} and cannot approve it",
            )

    def check_hold(self, request: HoldInput) -> None:
        """Hold: from any active state, with a reason."""
        if not can_transition(self.status, SampleStatus.ON_HOLD):
            self._refuse_state("a hold needs an active state")
        _required(request.reason, "reason is required to put a sample on hold")

    def check_resume(self, request: HoldInput) -> None:
        """Resume: only on hold, with a reason."""
        self.require("resuming", SampleStatus.ON_HOLD)
        _required(request.reason, "reason is required to resume a sample")

    def check_cancel(self, request: HoldInput) -> None:
        """Cancellation: from any active state or on hold, with a reason."""
        if not can_transition(self.status, SampleStatus.CANCELLED):
            self._refuse_state("cancellation needs an active state or on_hold")
        _required(request.reason, "reason is required to cancel a sample")
