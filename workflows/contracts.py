"""What the gateway and the worker agree on: workflow ids, inputs and outputs, search attributes,
error types. Plain dataclasses only (one in, one out), so workflow code can import them safely."""

from dataclasses import dataclass, field
from enum import StrEnum

from temporalio.common import SearchAttributeKey

SAMPLE_WORKFLOW = "SampleLifecycle"
INVESTIGATION_WORKFLOW = "OosInvestigation"


def sample_workflow_id(lab_number: str) -> str:
    """The meaningful workflow id of a sample's lifecycle, e.g. sample-LNCM-2026-00042."""
    return f"sample-{lab_number}"


def investigation_id(test_id: str, attempt: int) -> str:
    """The OOS investigation of a test's result attempt, e.g. LNCM-2026-00042-03-OOS1."""
    return f"{test_id}-OOS{attempt}"


def investigation_workflow_id(investigation: str) -> str:
    """The workflow id of an OOS investigation, e.g. investigation-LNCM-2026-00042-03-OOS1."""
    return f"investigation-{investigation}"


# Custom search attributes, registered when the Temporal server starts (deploy/local).
LAB_NUMBER = SearchAttributeKey.for_keyword("LabNumber")
REQUEST_TYPE = SearchAttributeKey.for_keyword("RequestType")
SAMPLE_STATUS = SearchAttributeKey.for_keyword("SampleStatus")
SLA_DUE = SearchAttributeKey.for_datetime("SlaDue")
ASSIGNEES = SearchAttributeKey.for_keyword_list("Assignees")
SEARCH_ATTRIBUTES = (LAB_NUMBER, REQUEST_TYPE, SAMPLE_STATUS, SLA_DUE, ASSIGNEES)


class ErrorType(StrEnum):
    """`ApplicationError.type` of a refused action; the gateway maps each to one HTTP status."""

    INVALID_ARGUMENT = "InvalidArgument"  # 422
    NOT_FOUND = "NotFound"  # 404
    FAILED_PRECONDITION = "FailedPrecondition"  # 409
    PERMISSION_DENIED = "PermissionDenied"  # 403


@dataclass
class ActorRef:
    """Who acts: login name, full name (printed on signatures) and the role acted under."""

    username: str
    full_name: str
    role: str


# The actor of what the system does on its own, e.g. the retest an investigation decided.
SYSTEM_ACTOR = ActorRef("system", "LIMS", "system")


@dataclass
class LifecycleInput:
    """Start of a sample's lifecycle, right after intake registered it."""

    lab_number: str
    purpose: (
        str  # registration | batch_release | market_surveillance | complaint | suspected_falsified
    )
    priority: str  # routine | urgent
    product_code: str
    requester: str
    registered_by: ActorRef
    # Settings.allow_reviewer_as_approver at registration: may a reviewer of the sample approve it?
    allow_reviewer_as_approver: bool = False
    # Settings.oos_phase_1_days / oos_phase_2_days at registration: OOS investigation deadlines.
    oos_phase_1_days: int = 5
    oos_phase_2_days: int = 30


@dataclass
class ReceiptInput:
    """Receipt check: accept (condition, quantity) or reject (reason), with its checklist.

    The checklist's fields have defaults so that updates in stored histories still decode."""

    actor: ActorRef
    accepted: bool
    condition: str = ""
    quantity_received: str = ""
    reason: str = ""  # why rejected, or why an insufficient quantity is accepted
    seals_intact: bool = True
    labelling_legible: bool = True
    temperature_on_arrival: str = ""  # °C, decimal text; '' when not measured
    accept_insufficient_quantity: bool = False


@dataclass
class AssignmentInput:
    """Assign (or reassign before a result) one test to an analyst, with the instrument and the
    reference standard and reagent lots to use (testing gates them all)."""

    actor: ActorRef
    test_id: str
    analyst: str
    instrument: str = ""
    reference_standard_lots: list[str] = field(default_factory=list)
    reagent_lots: list[str] = field(default_factory=list)


@dataclass
class ResultInput:
    """Raw replicate values of one test, entered by its assigned analyst; the instrument and
    lots used when they differ from the assignment's (empty: the assignment's)."""

    actor: ActorRef
    test_id: str
    values: list[str]
    remarks: str = ""
    instrument: str = ""
    reference_standard_lots: list[str] = field(default_factory=list)
    reagent_lots: list[str] = field(default_factory=list)


@dataclass
class ReviewInput:
    """A reviewer's signed decision on one test: accept, or send back with a reason.

    The gateway has re-authenticated the signer before sending it."""

    actor: ActorRef
    test_id: str
    accepted: bool
    reason: str = ""


@dataclass
class ApprovalInput:
    """The approver's signed approval of the certificate (signer re-authenticated by the gateway)."""

    actor: ActorRef


@dataclass
class HoldInput:
    """Put on hold, resume, or cancel: always with a reason."""

    actor: ActorRef
    reason: str


@dataclass
class TestState:
    """A test as the workflow tracks it."""

    __test__ = False  # not a pytest class

    test_id: str
    code: str
    status: str  # kernel.lifecycle.TestStatus value
    analyst: str = ""
    attempt: int = 0  # number of results submitted
    conformity: str = ""  # conforms | does_not_conform | ""
    # The OOS investigation open on the current result ('' when none): it blocks the review.
    investigation: str = ""
    # The test as testing returned it, on an activity's answer only: the workflow passes it on
    # in its update's answer and never keeps it in its state. test_proto (base64 of the
    # protobuf wire bytes) replaced test_json (protobuf JSON), ten times dearer to write and
    # read; histories recorded before carry test_json.
    test_json: str = ""
    test_proto: str = ""


@dataclass
class SlaState:
    """The turnaround clock. Times are RFC 3339 (UTC); '' when not applicable."""

    target_days: int = 0
    # calendar_days | working_days ('' before receipt, or for a lifecycle received before
    # working days existed: calendar days).
    target_basis: str = ""
    target_seconds: float = 0.0  # the target as calendar time from the start (before holds)
    started_at: str = ""
    due_at: str = ""  # moves later by the time spent on hold
    warning_at: str = ""  # when the 80 % warning fired
    breached_at: str = ""  # when the 100 % breach fired
    on_hold: bool = False
    held_seconds: float = 0.0  # total time on hold so far (the current hold included)


@dataclass
class LifecycleStatus:
    """The `status` query, and the answer of every update."""

    lab_number: str
    status: str  # kernel.lifecycle.SampleStatus value
    tests: list[TestState] = field(default_factory=list)
    sla: SlaState = field(default_factory=SlaState)
    report_number: str = ""
    # After a step on one test: that test as testing recorded it (see TestState), so the
    # caller shows it without asking testing again. '' otherwise.
    test_json: str = ""
    test_proto: str = ""


@dataclass
class InvestigationInput:
    """Start of the OOS investigation of one result attempt, by the sample's lifecycle."""

    lab_number: str
    test_id: str
    attempt: int
    analyst: str  # who obtained the result: may not sign the investigation's findings
    phase_1_days: int
    phase_2_days: int


@dataclass
class PhaseOneInput:
    """The signed Phase I finding (the gateway re-authenticated the signer)."""

    actor: ActorRef
    checklist: dict[str, bool]
    cause_found: bool
    summary: str
    retest_analyst: str = ""
    meaning: str = "reviewed"


@dataclass
class ConclusionInput:
    """The signed Phase II conclusion: confirmed, or invalidated with a retest."""

    actor: ActorRef
    outcome: str  # confirmed | invalidated
    summary: str
    retest_analyst: str = ""
    meaning: str = "approved"


@dataclass
class InvestigationStatus:
    """Where an investigation stands: the `status` query, each update's answer, and the result
    of the workflow (what the sample's lifecycle then does with the test)."""

    investigation_id: str
    test_id: str
    phase: str  # phase_1 | phase_2 | concluded
    outcome: str = ""  # '' | invalidated | confirmed
    retest_analyst: str = ""
    # The investigation as testing returned it (protobuf JSON), on an update's answer only.
    investigation_json: str = ""


RETENTION_WORKFLOW = "SampleRetention"


def retention_workflow_id(lab_number: str) -> str:
    """The id of a retained sample's disposal reminder, e.g. retention-LNCM-2026-00042."""
    return f"retention-{lab_number}"


@dataclass
class RetentionInput:
    """A retained part, kept until `due_at` (RFC 3339: the start of the day after its
    retain-until date, lab time), when reception is reminded to dispose of it."""

    lab_number: str
    retain_until: str  # ISO 8601 date, for operators
    due_at: str


@dataclass
class DisposalInput:
    """The `disposed` signal: the disposal was recorded (signed and witnessed) in intake."""

    actor: ActorRef


@dataclass
class RetentionStatus:
    """The `status` query of SampleRetention."""

    lab_number: str
    due_at: str
    disposal_due_at: str = ""  # when the reminder fell; '' before
    disposed: bool = False
