"""What the workflow and its activities exchange: one dataclass in, one out, per activity.

Plain dataclasses only, so the workflow can import them through the sandbox. Every mutating
activity carries the idempotency key the workflow chose, so a retry changes nothing."""

from dataclasses import dataclass, field

from workflows.contracts import ActorRef, TestState


@dataclass
class RecordReceipt:
    """intake.RecordReceipt: the receipt check, at the workflow's time.

    With a product code, an acceptance first reads the units one analysis needs from the
    testing catalogue, so intake checks the quantity received covers three of them."""

    lab_number: str
    actor: ActorRef
    accepted: bool
    at: str  # RFC 3339
    condition: str = ""
    quantity_received: str = ""
    reason: str = ""
    seals_intact: bool = True
    labelling_legible: bool = True
    temperature_on_arrival: str = ""
    accept_insufficient_quantity: bool = False
    product_code: str = ""


@dataclass
class ReceiptRecorded:
    """The sample after receipt: its status, receipt time and turnaround target.

    Fields added later have defaults, so results recorded in older histories still decode."""

    status: str
    received_at: str
    sla_target_days: int
    # calendar_days | working_days; '' in histories recorded before working days existed.
    sla_basis: str = ""
    # The target as calendar time, from the lab calendar at receipt; 0: use the days.
    sla_target_seconds: int = 0


@dataclass
class CreateTestPlan:
    """testing.CreateTestPlan (idempotent on the lab number)."""

    lab_number: str
    product_code: str
    actor: ActorRef


@dataclass
class TestPlanCreated:
    """The planned tests, in order."""

    __test__ = False  # not a pytest class

    tests: list[TestState] = field(default_factory=list)


@dataclass
class RecordStatus:
    """intake.RecordStatus: the status read model follows the workflow."""

    lab_number: str
    actor: ActorRef
    status: str  # kernel.lifecycle.SampleStatus value
    event_key: str
    at: str
    reason: str = ""


@dataclass
class StatusRecorded:
    """The status intake now shows."""

    status: str


@dataclass
class RecordSlaEvent:
    """intake.RecordSlaEvent: a mark of the turnaround clock."""

    lab_number: str
    kind: str  # due_set | warning | breach
    at: str
    due_at: str
    event_key: str


@dataclass
class SlaEventRecorded:
    """The SLA marks intake now shows."""

    due_at: str
    warning_at: str
    breached_at: str


@dataclass
class AssignTest:
    """testing.AssignTest (idempotent: the same assignment again changes nothing)."""

    test_id: str
    analyst: str
    actor: ActorRef
    instrument: str = ""
    reference_standard_lots: list[str] = field(default_factory=list)
    reagent_lots: list[str] = field(default_factory=list)


@dataclass
class SubmitResult:
    """testing.SubmitResult, by the assigned analyst."""

    test_id: str
    values: list[str]
    actor: ActorRef
    submission_key: str
    remarks: str = ""
    instrument: str = ""
    reference_standard_lots: list[str] = field(default_factory=list)
    reagent_lots: list[str] = field(default_factory=list)


@dataclass
class ResultSubmitted:
    """The result recorded: which attempt, its reportable value and verdict."""

    attempt: int
    reportable_value: str
    conformity: str  # conforms | does_not_conform | ""
    # The test as testing returned it (see contracts.TestState).
    test_json: str = ""
    test_proto: str = ""


@dataclass
class ReviewTest:
    """review.RecordReview (signed) then testing.RecordReviewOutcome, for one attempt."""

    lab_number: str
    test_id: str
    attempt: int
    reviewer: ActorRef
    accepted: bool
    review_key: str
    reason: str = ""


@dataclass
class TestReviewed:
    """The test after review and the reviewer's signature."""

    __test__ = False  # not a pytest class

    status: str  # kernel.lifecycle.TestStatus value
    signature_id: str
    # The test as testing returned it (see contracts.TestState).
    test_json: str = ""
    test_proto: str = ""


@dataclass
class RecordApproval:
    """review.RecordApproval: the approver signs the certificate content."""

    lab_number: str
    approver: ActorRef
    analysts: list[str]
    reviewers: list[str]


@dataclass
class ApprovalRecorded:
    """The verdict approved and the approver's signature."""

    conclusion: str
    signature_id: str


@dataclass
class IssueCertificate:
    """reporting.IssueCertificate (idempotent on the lab number)."""

    lab_number: str
    actor: ActorRef


@dataclass
class CertificateIssued:
    """The certificate's report number."""

    report_number: str


# Activity names, shared by the worker (LifecycleActivities) and the workflow, which calls
# activities by name so that it never imports the gRPC side.
RECORD_RECEIPT = "record_receipt"
CREATE_TEST_PLAN = "create_test_plan"
RECORD_STATUS = "record_status"
RECORD_SLA_EVENT = "record_sla_event"
ASSIGN_TEST = "assign_test"
SUBMIT_RESULT = "submit_result"
REVIEW_TEST = "review_test"
RECORD_APPROVAL = "record_approval"
ISSUE_CERTIFICATE = "issue_certificate"


@dataclass
class OpenInvestigation:
    """testing.OpenInvestigation (idempotent on the test and attempt)."""

    test_id: str
    attempt: int
    at: str  # RFC 3339, the workflow's time: the record's deadlines match the timers
    phase_1_days: int
    phase_2_days: int


@dataclass
class RecordEscalation:
    """testing.RecordEscalation (once per phase)."""

    investigation_id: str
    phase: str
    at: str


@dataclass
class RecordPhaseOne:
    """testing.RecordPhaseOne: the signed Phase I finding (once)."""

    investigation_id: str
    actor: ActorRef
    checklist: dict[str, bool]
    cause_found: bool
    summary: str
    retest_analyst: str
    meaning: str
    at: str
    phase_1_days: int
    phase_2_days: int


@dataclass
class ConcludeInvestigation:
    """testing.Conclude: the signed Phase II conclusion (once)."""

    investigation_id: str
    actor: ActorRef
    outcome: str
    summary: str
    retest_analyst: str
    meaning: str
    at: str


@dataclass
class InvestigationRecorded:
    """The investigation after a step: its phase, deadlines and outcome."""

    investigation_id: str
    phase: str
    phase_1_due: str
    phase_2_due: str = ""
    outcome: str = ""
    retest_analyst: str = ""
    investigation_json: str = ""  # the whole record, passed on to the update's caller


OPEN_INVESTIGATION = "open_investigation"
RECORD_ESCALATION = "record_escalation"
RECORD_PHASE_ONE = "record_phase_one"
CONCLUDE_INVESTIGATION = "conclude_investigation"


@dataclass
class MarkDisposalDue:
    """intake.MarkDisposalDue: the reminder fell (idempotent per sample)."""

    lab_number: str
    at: str  # RFC 3339


@dataclass
class DisposalDueMarked:
    """The sample as intake now shows it."""

    disposal_due_at: str
    disposed_at: str


@dataclass
class Notify:
    """intake.CreateNotifications for users (idempotent on notification_key)."""

    notification_key: str
    usernames: list[str]
    subject: str
    text: str
    lab_number: str = ""


@dataclass
class Notified:
    """How many notifications are recorded for the key."""

    count: int


@dataclass
class EmailRejection:
    """The rejection notice to the request's contact: written to intake's outbox, then sent when
    a mail server is configured (idempotent on notification_key)."""

    lab_number: str
    notification_key: str


@dataclass
class EmailOutcome:
    """Where the notice stands: none (the request has no e-mail), pending, sent or failed."""

    status: str


MARK_DISPOSAL_DUE = "mark_disposal_due"
NOTIFY = "notify"
EMAIL_REJECTION = "email_rejection"
