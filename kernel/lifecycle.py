"""The sample and test state machines of DESIGN §5: pure rules shared by the workflow and services."""

from enum import StrEnum


class SampleStatus(StrEnum):
    """States of a sample (names match the proto enum and the REST API)."""

    REGISTERED = "registered"
    RECEIVED = "received"
    REJECTED = "rejected"
    IN_TESTING = "in_testing"
    IN_REVIEW = "in_review"
    AWAITING_APPROVAL = "awaiting_approval"
    RELEASED = "released"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"


class TestStatus(StrEnum):
    """States of a test."""

    __test__ = False  # not a pytest class

    PENDING = "pending"
    ASSIGNED = "assigned"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    INVALIDATED = "invalidated"


TERMINAL = frozenset({SampleStatus.REJECTED, SampleStatus.RELEASED, SampleStatus.CANCELLED})
# States from which a hold or a cancellation is allowed ("any active state").
ACTIVE = frozenset(
    {
        SampleStatus.REGISTERED,
        SampleStatus.RECEIVED,
        SampleStatus.IN_TESTING,
        SampleStatus.IN_REVIEW,
        SampleStatus.AWAITING_APPROVAL,
    }
)

_FORWARD: dict[SampleStatus, frozenset[SampleStatus]] = {
    SampleStatus.REGISTERED: frozenset({SampleStatus.RECEIVED, SampleStatus.REJECTED}),
    SampleStatus.RECEIVED: frozenset({SampleStatus.IN_TESTING}),
    SampleStatus.IN_TESTING: frozenset({SampleStatus.IN_REVIEW}),
    # A test sent back returns the sample to testing.
    SampleStatus.IN_REVIEW: frozenset({SampleStatus.AWAITING_APPROVAL, SampleStatus.IN_TESTING}),
    SampleStatus.AWAITING_APPROVAL: frozenset({SampleStatus.RELEASED}),
}


def can_transition(
    current: SampleStatus, new: SampleStatus, before_hold: SampleStatus | None = None
) -> bool:
    """Whether a sample may go from `current` to `new` (before_hold: where a hold resumes to)."""
    if current in TERMINAL:
        return False
    if new in (SampleStatus.ON_HOLD, SampleStatus.CANCELLED):
        return current in ACTIVE or (
            new is SampleStatus.CANCELLED and current is SampleStatus.ON_HOLD
        )
    if current is SampleStatus.ON_HOLD:
        return new == before_hold
    return new in _FORWARD.get(current, frozenset())


_TEST_FORWARD: dict[TestStatus, frozenset[TestStatus]] = {
    TestStatus.PENDING: frozenset({TestStatus.ASSIGNED}),
    # Reassignment to another analyst before a result is allowed.
    TestStatus.ASSIGNED: frozenset({TestStatus.ASSIGNED, TestStatus.SUBMITTED}),
    # Accepted, or sent back to the analyst.
    TestStatus.SUBMITTED: frozenset(
        {TestStatus.ACCEPTED, TestStatus.ASSIGNED, TestStatus.INVALIDATED}
    ),
    TestStatus.ACCEPTED: frozenset(),
    TestStatus.INVALIDATED: frozenset(),
}


def can_transition_test(current: TestStatus, new: TestStatus) -> bool:
    """Whether a test may go from `current` to `new`."""
    return new in _TEST_FORWARD[current]
