"""The REST API's request and response bodies; their descriptions become the OpenAPI."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from kernel.email_address import MAX_EMAIL, email_problem
from services.gateway.domain import Role

Purpose = Literal[
    "registration", "batch_release", "market_surveillance", "complaint", "suspected_falsified"
]
Priority = Literal["routine", "urgent"]
ProductCategory = Literal["medicine", "medical_device"]
SampleStatusName = Literal[
    "registered",
    "received",
    "rejected",
    "in_testing",
    "in_review",
    "awaiting_approval",
    "released",
    "on_hold",
    "cancelled",
]
TestStatusName = Literal["pending", "assigned", "submitted", "accepted", "invalidated"]
ConformityName = Literal["conforms", "does_not_conform"]
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
IsoDate = Annotated[str, Field(json_schema_extra={"format": "date"})]
DecimalText = Annotated[str, Field(pattern=r"^-?\d+(\.\d+)?$", examples=["99.8"])]
Text = Annotated[str, Field(max_length=500)]


class Input(BaseModel):
    """Base of request bodies: surrounding spaces trimmed, unknown fields refused."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


def decimal_text(value: Decimal) -> str:
    """A decimal as plain positional text ("0.0000001", never "1E-7")."""
    return format(value, "f")


# --- identity -------------------------------------------------------------------------------


class UserOut(BaseModel):
    """A user as others see them."""

    username: str = Field(description="Login name.")
    full_name: str = Field(description="Name printed on records and signatures.")
    roles: list[Role] = Field(description="Roles held (DESIGN §2).")
    active: bool = Field(default=True, description="False once deactivated.")
    locked_until: Timestamp | None = Field(
        default=None, description="Until when repeated failed passwords lock the account."
    )


class TokenOut(BaseModel):
    """A bearer token and who it belongs to."""

    access_token: str = Field(description="Send as `Authorization: Bearer <token>`.")
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")
    user: UserOut


class UserIn(Input):
    """A new user (admin)."""

    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,99}$", description="Login name.")
    full_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8, max_length=200, description="Initial password.")
    roles: list[Role] = Field(min_length=1)
    reason: Text = Field(default="", description="Why the account is created (audit trail).")


class UserPatch(Input):
    """Changes to a user (admin); only the fields given change."""

    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    roles: list[Role] | None = Field(default=None, min_length=1)
    active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)
    reason: Text = Field(min_length=1, description="Why (audit trail).")


# --- catalogue ------------------------------------------------------------------------------


class SpecificationOut(BaseModel):
    """The specification in force for a product."""

    id: str = Field(description='e.g. "SPEC-PARA-500-TAB".')
    version: int
    source: str = Field(description='"Ph. Eur.", "USP", "BP", "Int. Ph.", "manufacturer", ...')
    reference: str = Field(description="Monograph reference.")


class ProductTestOut(BaseModel):
    """One test of a product's specification."""

    code: str
    name: str
    method: str
    technique: str
    unit: str
    replicates: int
    limits: str = Field(description='The criterion as printed, e.g. "95.0 – 105.0 %".')


class ProductOut(BaseModel):
    """A product of the catalogue."""

    code: str
    name: str
    inn: str
    dosage_form: str
    strength: str
    units_per_analysis: int = Field(
        description="Units one full analysis needs (0: not stated); receipt needs 3 x this."
    )
    specification: SpecificationOut
    tests: list[ProductTestOut]


# --- requests and samples -------------------------------------------------------------------


class NewSampleIn(Input):
    """One sample of a new request."""

    product_code: str = Field(min_length=1, max_length=50, description="Catalogue code.")
    batch_number: str = Field(min_length=1, max_length=100)
    manufacturer: str = Field(default="", max_length=300)
    manufacture_date: date | None = None
    expiry_date: date | None = Field(default=None, description="Not before manufacture_date.")
    quantity: Decimal = Field(gt=0, allow_inf_nan=False, description="Decimal string or number.")
    quantity_unit: str = Field(min_length=1, max_length=50, description='e.g. "tablets".')
    product_category: ProductCategory = "medicine"
    inns: str = Field(default="", max_length=300, description="INN(s); the catalogue's if empty.")
    dosage_form: str = Field(default="", max_length=100, description="The catalogue's if empty.")
    strength: str = Field(default="", max_length=100, description="The catalogue's if empty.")
    pack: str = Field(default="", max_length=200, description='e.g. "blister, box of 20".')
    marketing_authorisation_holder: str = Field(default="", max_length=300)
    storage_conditions: str = Field(
        default="",
        max_length=200,
        description='e.g. "2–8 °C": refrigerated or frozen makes the temperature on arrival '
        "required at receipt.",
    )

    @field_validator("expiry_date")
    @classmethod
    def _expiry_after_manufacture(cls, value: date | None, info: ValidationInfo) -> date | None:
        made = info.data.get("manufacture_date")
        if value is not None and made is not None and value < made:
            raise ValueError(f"must not precede the manufacture date {made.isoformat()}")
        return value


class RequestIn(Input):
    """A request for analysis of one or more samples."""

    purpose: Purpose
    priority: Priority = "routine"
    requester: str | None = Field(
        default=None,
        max_length=100,
        description="Owner's login name, when reception or admin logs it on their behalf.",
    )
    requester_organisation: str = Field(default="", max_length=300)
    external_reference: str = Field(default="", max_length=100)
    contact_name: str = Field(
        default="", max_length=200, description="The requester's contact person."
    )
    contact_email: str = Field(
        default="",
        max_length=MAX_EMAIL,
        description="Where the lab writes about the request (the rejection notice).",
        examples=["inspection@example.org"],
    )
    contact_phone: str = Field(default="", max_length=50, description="The contact's telephone.")
    samples: list[NewSampleIn] = Field(min_length=1, max_length=5000)

    @field_validator("contact_name", "contact_email", "contact_phone")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @field_validator("contact_email")
    @classmethod
    def _an_address(cls, value: str) -> str:
        problem = email_problem(value) if value else None
        if problem:
            raise ValueError(problem)
        return value


class ActorOut(BaseModel):
    """Who did something."""

    username: str
    full_name: str


class SlaOut(BaseModel):
    """The turnaround clock of a sample."""

    target_days: int = Field(description="Turnaround target in days for its purpose and priority.")
    basis: Literal["calendar_days", "working_days"] = Field(
        default="calendar_days",
        description="How target_days counts: every day, or the lab's working days only.",
    )
    due_at: Timestamp | None = Field(description="When due (later by the time on hold).")
    warning_at: Timestamp | None = Field(description="When the 80 % warning fired.")
    breached_at: Timestamp | None = Field(description="When the 100 % breach fired.")
    state: Literal["none", "ok", "warning", "breached"]


class SampleSummary(BaseModel):
    """A sample as lists show it."""

    lab_number: str = Field(examples=["LNCM-2026-00001"])
    request_id: str
    purpose: Purpose
    priority: Priority
    requester: str
    requester_organisation: str
    external_reference: str
    contact_name: str = Field(default="", description="The request's contact person.")
    contact_email: str = Field(default="", description="The request's contact e-mail.")
    contact_phone: str = Field(default="", description="The request's contact telephone.")
    product_code: str
    product_name: str
    batch_number: str
    manufacturer: str
    manufacture_date: IsoDate | None
    expiry_date: IsoDate | None
    quantity: DecimalText = Field(description="Declared quantity, decimal string.")
    quantity_unit: str
    product_category: ProductCategory
    inns: str
    dosage_form: str
    strength: str
    pack: str
    marketing_authorisation_holder: str
    storage_conditions: str
    status: SampleStatusName
    condition_on_receipt: str | None
    quantity_received: DecimalText | None
    received_at: Timestamp | None
    rejection_reason: str | None = Field(description="Why rejected at receipt, or cancelled.")
    seals_intact: bool | None = Field(default=None, description="Receipt check; null before.")
    labelling_legible: bool | None = Field(default=None, description="Receipt check; null before.")
    temperature_on_arrival: DecimalText | None = Field(
        default=None, description="°C, when measured at receipt."
    )
    quantity_required: DecimalText | None = Field(
        default=None,
        description="Units needed at receipt: 3 x one full analysis (test plan and a retained "
        "part for two re-analyses, WHO TRS 957 §20.1); null when the catalogue does not say.",
    )
    quantity_sufficient: bool | None = Field(
        default=None, description="Whether quantity_received covers quantity_required."
    )
    insufficient_quantity_reason: str | None = Field(
        default=None, description="Why an insufficient quantity was accepted."
    )
    created_at: Timestamp
    sla: SlaOut
    retain_until: IsoDate | None = Field(
        default=None,
        description="Last day the retained part is kept (expiry + retention period, or the "
        "day it was retained + the period when the sample has no expiry date).",
    )
    disposal_due_at: Timestamp | None = Field(
        default=None, description="When the disposal reminder fell."
    )
    disposed_at: Timestamp | None = Field(default=None, description="When disposed of.")


class RequestOut(BaseModel):
    """A request as registered, with the lab numbers of its samples."""

    request_id: str
    purpose: Purpose
    priority: Priority
    requester: str
    requester_organisation: str
    external_reference: str
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    created_at: Timestamp
    created_by: ActorOut
    samples: list[SampleSummary]


class FormulaInputOut(BaseModel):
    """One named raw value of a formula."""

    name: str = Field(examples=["area_sample"])
    label: str = Field(examples=["Peak area, sample solution"])
    unit: str = Field(examples=["mAU·s"])


class ResultOut(BaseModel):
    """One submission of raw values; never overwritten."""

    attempt: int
    values: list[str] = Field(description="Raw values as entered.")
    reportable_value: str
    unrounded_value: str
    conformity: ConformityName | None
    submitted_by: ActorOut
    submitted_at: Timestamp
    remarks: str
    review_outcome: Literal["accepted", "sent_back"] | None
    review_reason: str
    reviewed_by: ActorOut | None
    invalidated_reason: str = Field(
        default="", description="Why an OOS investigation invalidated it; its values stay."
    )
    invalidated_by: str = ""
    invalidated_at: Timestamp | None = None
    instrument: str = Field(default="", description="Instrument the result was obtained on.")
    reference_standard_lots: list[str] = Field(default_factory=list)
    reagent_lots: list[str] = Field(default_factory=list)
    warning: bool = Field(False, description="A conforming result outside the warning limits.")
    below_loq: bool = Field(False, description='Below the LOQ: reportable_value is "< LOQ".')
    replicate_values: list[str] = Field(
        default_factory=list,
        description="A formula's value for each replicate (unrounded), before the mean.",
    )
    replicate_inputs: list[dict[str, str]] = Field(
        default_factory=list,
        description="A formula's raw values by input name, one object per replicate.",
    )


class AttachmentOut(BaseModel):
    """A file attached to a test's result (content at its download path)."""

    id: int
    attempt: int = Field(description="Result attempt it belongs to; 0 before any result.")
    filename: str
    content_type: str
    size: int = Field(description="Bytes.")
    sha256: str = Field(description="SHA-256 of the content, hex.")
    uploaded_by: ActorOut
    uploaded_at: Timestamp
    download: str = Field(description="Path of the content.")


class TestOut(BaseModel):
    """A test of a sample."""

    __test__ = False  # not a pytest class

    test_id: str = Field(examples=["LNCM-2026-00001-03"])
    lab_number: str
    sequence: int
    product_code: str
    code: str
    name: str
    method: str
    technique: str
    unit: str
    replicates: int
    limits: str
    method_code: str = Field("", description="The catalogue method; empty before it existed.")
    warning_low: str = ""
    warning_high: str = ""
    lod: str = ""
    loq: str = ""
    formula: str = Field("", description="The calculation of a formula test.")
    inputs: list[FormulaInputOut] = Field(
        default_factory=list,
        description="A formula's inputs: `values` gives them replicate after replicate, in order.",
    )
    status: TestStatusName
    analyst: str | None
    assigned_at: Timestamp | None
    result: ResultOut | None = Field(description="The latest submission.")
    results: list[ResultOut] = Field(description="Every submission, oldest first.")
    instrument: str = Field(default="", description="Instrument named at assignment.")
    reference_standard_lots: list[str] = Field(default_factory=list)
    reagent_lots: list[str] = Field(default_factory=list)
    attachments: list[AttachmentOut] = Field(default_factory=list)


class SignatureOut(BaseModel):
    """An electronic signature on a record of the sample."""

    username: str
    full_name: str
    meaning: Literal["authored", "reviewed", "approved", "witnessed"]
    signed_at: Timestamp
    content_hash: str = Field(description="SHA-256 (hex) of what was signed.")
    record_kind: str = Field(description='"test_review", "sample_approval" or "sample_disposal".')
    record_id: str
    intact: bool = Field(
        description="The signed record, read now, still hashes to content_hash; false means it "
        "changed after signing and the signature no longer applies to it."
    )


class EventOut(BaseModel):
    """One entry of a sample's timeline."""

    at: Timestamp
    actor: ActorOut
    action: str
    detail: str


class CertificateRef(BaseModel):
    """The certificate of analysis of a released sample."""

    report_number: str
    version: int
    issued_at: Timestamp
    url: str = Field(description="Where the PDF is downloaded (signed in).")
    verify_url: str = Field(description="The public authenticity check.")


class SampleDetail(SampleSummary):
    """A sample with its tests, signatures, timeline and certificate."""

    tests: list[TestOut] = Field(description="Empty before receipt.")
    signatures: list[SignatureOut]
    timeline: list[EventOut]
    certificate: CertificateRef | None
    investigations: list["InvestigationOut"] = Field(
        default_factory=list, description="OOS investigations of its results, oldest first."
    )


class SamplePage(BaseModel):
    """A page of samples, newest first."""

    items: list[SampleSummary]
    total: int
    page: int
    page_size: int


class TestPage(BaseModel):
    """A page of tests, oldest lab number first."""

    __test__ = False  # not a pytest class

    items: list[TestOut]
    total: int
    page: int
    page_size: int


# --- human steps ----------------------------------------------------------------------------


class ReceiptIn(Input):
    """The receipt check: accept with the quantity received, or reject with a reason; with the
    checklist (seals, labelling, temperature on arrival). A failed check is recorded and does
    not block acceptance; too few units do, unless accepted as a decision with a reason."""

    accepted: bool
    condition: Text = Field(default="", description='Condition observed, e.g. "intact, sealed".')
    quantity_received: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    reason: Text | None = Field(
        default=None,
        description="Required when rejected, and to accept an insufficient quantity.",
    )
    seals_intact: bool = Field(default=True, description="False: a seal is broken or missing.")
    labelling_legible: bool = Field(default=True, description="False: labelling is illegible.")
    temperature_on_arrival: Decimal | None = Field(
        default=None,
        ge=-100,
        le=100,
        allow_inf_nan=False,
        description="°C measured on arrival; required to accept a refrigerated or frozen sample.",
    )
    accept_insufficient_quantity: bool = Field(
        default=False,
        description="Accept although fewer units than required arrived (needs a reason).",
    )


class ReasonIn(Input):
    """A reason, always required."""

    reason: Text = Field(min_length=1)


LotNumber = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class AssignmentIn(Input):
    """Who runs the test, on which instrument, with which reference standard and reagent lots."""

    analyst: str = Field(
        min_length=1,
        max_length=100,
        description="An active analyst's login, qualified today for the test's technique.",
    )
    instrument: str = Field(
        default="",
        max_length=40,
        description="Instrument code: in service, calibrated, serving the technique. Required "
        "for every technique but visual, TLC, organoleptic and wet chemistry.",
    )
    reference_standard_lots: list[LotNumber] = Field(
        default_factory=list, max_length=20, description="Lots not expired."
    )
    reagent_lots: list[LotNumber] = Field(
        default_factory=list, max_length=20, description="Lots not expired."
    )


def _raw_value(value: object) -> object:
    # JSON numbers become decimal text; text stays exactly as typed. A union type would put
    # its member names into error locations ("values[0].decimal"), hence one type and this.
    if isinstance(value, bool):
        raise ValueError("must be a number or a text observation")
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        if not number.is_finite():
            raise ValueError("must be a finite number")
        return decimal_text(number)
    return value


RawValue = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    BeforeValidator(_raw_value),
    WithJsonSchema({"oneOf": [{"type": "string"}, {"type": "number"}]}),
]


class ResultIn(Input):
    """Raw replicate values of a test: `values`, or for a formula test `inputs` by name."""

    # Declared before `values`, whose check needs to know whether inputs were given.
    inputs: list[dict[str, RawValue]] | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="For a formula test, instead of `values`: one object per replicate, the raw "
        'value of each input by its name, e.g. [{"area_sample": "15234.7", ...}, ...].',
    )
    values: list[RawValue] = Field(
        default_factory=list,
        validate_default=True,
        max_length=200,
        description="Numbers (send decimal strings to keep every digit) or text observations; "
        "for a formula test, each replicate's inputs in the test's `inputs` order, replicate "
        "after replicate.",
    )
    remarks: Text = ""
    instrument: str = Field(
        default="",
        max_length=40,
        description="Instrument used, when not the assignment's (gated the same way).",
    )
    reference_standard_lots: list[LotNumber] = Field(
        default_factory=list, max_length=20, description="Lots used, when not the assignment's."
    )
    reagent_lots: list[LotNumber] = Field(
        default_factory=list, max_length=20, description="Lots used, when not the assignment's."
    )

    @field_validator("values")
    @classmethod
    def _values_or_inputs(cls, values: list[str], info: ValidationInfo) -> list[str]:
        given = info.data.get("inputs") is not None
        if given and values:
            raise ValueError("give either values or inputs, not both")
        if not given and not values:
            raise ValueError("at least one value is required")
        return values


class ResultPreviewOut(BaseModel):
    """What submitting raw values would record, computed by the testing service; nothing is
    recorded."""

    test_id: str = Field(examples=["LNCM-2026-00001-03"])
    values: list[str] = Field(
        description="The values as they would be recorded (trimmed): match an answer to its input."
    )
    reportable_value: str = Field(description="After calculation and rounding.", examples=["99.8"])
    unrounded_value: str = Field(description="Before rounding; empty for a text observation.")
    conformity: ConformityName | None = Field(description="Verdict against the limits.")
    unit: str = Field(description='Unit of the reportable value, e.g. "%"; empty for text.')
    limits: str = Field(description='The criterion as printed, e.g. "95.0 – 105.0 %".')
    warning: bool = Field(False, description="A conforming result outside the warning limits.")
    below_loq: bool = Field(False, description='Below the LOQ: reportable_value is "< LOQ".')
    replicate_values: list[str] = Field(
        default_factory=list, description="A formula's value for each replicate (unrounded)."
    )
    formula: str = Field("", description="The formula evaluated, for a formula test.")


class ReviewIn(Input):
    """A reviewer's signed decision; the password re-authenticates the signer."""

    decision: Literal["accept", "send_back"]
    reason: Text = Field(default="", description="Required when sending back.")
    password: str = Field(min_length=1, max_length=200)
    meaning: Literal["reviewed"] = "reviewed"


class ApprovalIn(Input):
    """The approver's signature on the certificate."""

    password: str = Field(min_length=1, max_length=200)
    meaning: Literal["approved"] = "approved"


class VerificationOut(BaseModel):
    """What the public may learn about a certificate."""

    authentic: bool
    report_number: str
    lab_number: str
    product: str
    batch: str
    conclusion: str
    issued_at: Timestamp
    version: int
    current: bool = Field(description="False once a corrected version replaced this one.")
    superseded_by: str | None = Field(None, description="Report number of the replacing version.")
    superseded_by_version: int | None = None
    superseded_at: Timestamp | None = None


class Health(BaseModel):
    """Liveness of the gateway."""

    status: Literal["ok"] = "ok"


# --- audit trail ----------------------------------------------------------------------------

AuditService = Literal["intake", "testing", "review", "reporting", "gateway"]


class AuditEntryOut(BaseModel):
    """One entry of one service's audit chain, with every column it stores."""

    service: AuditService = Field(description="The service whose chain holds the entry.")
    seq: int = Field(description="Position in that service's chain, from 1, without gaps.")
    at: Timestamp = Field(description="When the change was made (UTC).")
    username: str = Field(description='Who made it ("system" for the system itself).')
    full_name: str = Field(description="Their full name at the time.")
    role: str = Field(description="The role they acted under.")
    action: str = Field(description='What was done, e.g. "sample_received".')
    entity_type: str = Field(description='Kind of record, e.g. "sample", "test", "user".')
    entity_id: str = Field(description="Id of the record, e.g. a lab number or a test id.")
    old_value: str = Field(description='Values before the change, canonical JSON ("" if none).')
    new_value: str = Field(description='Values after the change, canonical JSON ("" if none).')
    reason: str = Field(description="Why, as the user gave it.")
    prev_hash: str = Field(description="SHA-256 (hex) of the previous entry of the chain.")
    hash: str = Field(description="SHA-256 (hex) over the columns above and prev_hash.")


class AuditPage(BaseModel):
    """A page of audit entries from the chains asked for, merged by time."""

    items: list[AuditEntryOut]
    total: int = Field(description="Number of entries matching the filters, in all chains asked.")
    page: int
    page_size: int


class AuditChainOut(BaseModel):
    """The check of one service's audit chain."""

    service: AuditService
    entries: int = Field(description="Entries found sound before the first broken link.")
    intact: bool = Field(description="Every entry and link is right and nothing is missing.")
    broken_at: int | None = Field(description="Seq of the first broken link; null when intact.")
    problem: str = Field(description='What is wrong there ("" when intact).')


class AuditVerificationOut(BaseModel):
    """The check of every service's audit chain."""

    intact: bool = Field(description="True when every chain is intact.")
    checked_at: Timestamp
    chains: list[AuditChainOut]


class AuditReviewIn(Input):
    """That the audit trail of a period was reviewed (EU GMP Annex 11 §9), and what was found."""

    period_start: AwareDatetime = Field(description="Start of the period reviewed (inclusive).")
    period_end: AwareDatetime = Field(description="End of the period reviewed (exclusive).")
    filters: dict[Annotated[str, StringConstraints(max_length=50)], Text] = Field(
        default_factory=dict,
        max_length=20,
        description='The filters used, e.g. {"service": "testing", "username": "analyst"}.',
    )
    comment: str = Field(
        min_length=1, max_length=4000, description="What was reviewed and what was found."
    )


class AuditReviewOut(BaseModel):
    """A recorded review of the audit trail."""

    review_id: int
    reviewed_at: Timestamp
    username: str = Field(description="Who reviewed.")
    full_name: str
    role: str
    period_start: Timestamp
    period_end: Timestamp
    filters: dict[str, str]
    comment: str


# --- chain of custody -----------------------------------------------------------------------

CustodyKindName = Literal["stored", "handed_to_analyst", "returned", "retained", "disposed"]
CustodyStateName = Literal[
    "at_reception", "in_storage", "with_analyst", "returned", "retained", "disposed"
]
LocationCode = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,29}$", examples=["R2"]),
]


class StorageLocationOut(BaseModel):
    """A place where samples are kept, and its conditions."""

    code: str = Field(examples=["R2"])
    name: str = Field(examples=["Réfrigérateur R2"])
    conditions: str = Field(examples=["2–8 °C"])
    active: bool = Field(description="False once out of use: no sample goes there any more.")
    created_at: Timestamp


class StorageLocationIn(Input):
    """A new storage location (admin)."""

    code: LocationCode = Field(description="Short code, stored upper case.")
    name: str = Field(min_length=1, max_length=200)
    conditions: str = Field(min_length=1, max_length=200, description='e.g. "2–8 °C".')


class StorageLocationPatch(Input):
    """Changes to a storage location (admin); its code never changes."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    conditions: str | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = Field(default=None, description="False takes it out of use.")
    reason: Text = Field(default="", description="Why, for the audit trail.")


class CustodyIn(Input):
    """A movement of a received sample."""

    kind: CustodyKindName
    location_code: LocationCode | None = Field(
        default=None, description="stored, retained: required; returned: optional."
    )
    handed_to: str | None = Field(
        default=None, max_length=100, description="handed_to_analyst: the analyst's login."
    )
    witness: str | None = Field(
        default=None,
        max_length=100,
        description="disposed: the witness's login (required; another member of staff).",
    )
    remarks: str = Field(default="", max_length=2000)
    password: str | None = Field(
        default=None,
        max_length=200,
        description="disposed: the password of who disposes of it (their signature, authored).",
    )
    witness_password: str | None = Field(
        default=None,
        max_length=200,
        description="disposed: the witness's password (their signature, witnessed).",
    )
    reason: str = Field(
        default="",
        max_length=2000,
        description="disposed: why, required before the retention period ends.",
    )


class CustodyEventOut(BaseModel):
    """One movement of a sample."""

    kind: CustodyKindName
    at: Timestamp
    actor: ActorOut
    location: StorageLocationOut | None = Field(description="Where to, when a location.")
    handed_to: str | None = Field(description="The analyst it was handed to.")
    witness: str | None = Field(description="The witness of a disposal.")
    remarks: str
    detail: str = Field(description='Timeline text, e.g. "at Réfrigérateur R2 (R2)".')
    reason: str = Field(default="", description="Why a disposal came before it was due.")
    signatures: list["SignatureOut"] = Field(
        default_factory=list,
        description="A disposal's signatures (authored, witnessed), each with its intact check.",
    )


class CustodyOut(BaseModel):
    """A sample's chain of custody: where it is now, and every movement, oldest first."""

    lab_number: str
    state: CustodyStateName
    location: StorageLocationOut | None = Field(description="The location it is kept at now.")
    holder: str | None = Field(description="Who holds it now, when with an analyst.")
    events: list[CustodyEventOut]
    retain_until: IsoDate | None = Field(
        default=None, description="Last day the retained part is kept."
    )


# --- out-of-specification investigations -----------------------------------------------------

InvestigationPhase = Literal["phase_1", "phase_2", "concluded"]


class InvestigationSignatureOut(BaseModel):
    """A signed step of an investigation, checked against the record when read."""

    step: Literal["phase_1", "concluded"]
    signer: ActorOut
    meaning: str
    signed_at: Timestamp
    content_hash: str = Field(description="SHA-256 (hex) of the canonical text signed.")
    intact: bool = Field(description="False when the record no longer matches what was signed.")


class EscalationOut(BaseModel):
    """A phase that passed its deadline unfinished."""

    phase: Literal["phase_1", "phase_2"]
    at: Timestamp


class ChecklistQuestionOut(BaseModel):
    """A question of the Phase I laboratory checklist; `item` is its key in `checklist`."""

    item: str
    text: str


class InvestigationOut(BaseModel):
    """An out-of-specification investigation of one result (Phase I, Phase II, conclusion)."""

    investigation_id: str = Field(examples=["LNCM-2026-00001-03-OOS1"])
    lab_number: str
    test_id: str
    attempt: int = Field(description="The result attempt investigated.")
    analyst: str = Field(description="Who obtained the result.")
    reportable_value: str
    phase: InvestigationPhase
    opened_at: Timestamp
    phase_1_due: Timestamp
    phase_2_due: Timestamp | None
    overdue: bool = Field(description="The current phase passed its deadline.")
    escalations: list[EscalationOut]
    checklist: dict[str, bool]
    phase_1_summary: str
    outcome: Literal["invalidated", "confirmed"] | None
    conclusion: str
    retest_analyst: str | None
    concluded_at: Timestamp | None
    signatures: list[InvestigationSignatureOut]
    questions: list[ChecklistQuestionOut] = Field(description="The Phase I checklist, in order.")


SignerMeaning = Literal["authored", "reviewed", "approved"]


class PhaseOneIn(Input):
    """The signed Phase I finding (laboratory investigation)."""

    checklist: dict[str, bool] = Field(description="Every checklist item answered yes or no.")
    cause_found: bool = Field(description="An assignable laboratory cause was found.")
    summary: str = Field(min_length=1, max_length=4000)
    retest_analyst: str = Field(
        default="", max_length=100, description="Required with a cause: another analyst."
    )
    meaning: SignerMeaning = "reviewed"
    password: str = Field(min_length=1, max_length=200, description="The signer's password.")


class ConclusionIn(Input):
    """The signed Phase II conclusion."""

    outcome: Literal["confirmed", "invalidated"]
    summary: str = Field(min_length=1, max_length=4000)
    retest_analyst: str = Field(default="", max_length=100, description="Required if invalidated.")
    meaning: SignerMeaning = "approved"
    password: str = Field(min_length=1, max_length=200, description="The signer's password.")


# --- notifications ----------------------------------------------------------------------------


class NotificationOut(BaseModel):
    """A message for the user or for one of their roles."""

    id: int
    subject: str
    text: str
    lab_number: str | None = Field(description="The sample it is about.")
    link: str | None = Field(description="Where to see the sample (web page).")
    for_role: str | None = Field(description="The role it was sent to, when not to the user.")
    created_at: Timestamp
    read_at: Timestamp | None
    read_by: str | None


class NotificationPage(BaseModel):
    """The user's notifications, unread first, then newest first."""

    items: list[NotificationOut]
    unread: int


class OutboxEmailOut(BaseModel):
    """An e-mail the lab owes someone outside it (the rejection notice to a request's contact)."""

    id: int
    notification_key: str
    recipient: str
    subject: str
    text: str
    lab_number: str | None = Field(description="The sample it is about.")
    status: Literal["pending", "sent", "failed"] = Field(
        description="pending: not sent yet (or no mail server configured); failed: the last "
        "attempt failed, see error (a retry may still send it)."
    )
    attempts: int
    error: str | None
    created_at: Timestamp
    sent_at: Timestamp | None


class OutboxPage(BaseModel):
    """The newest outbox e-mails, and how many match in all."""

    items: list[OutboxEmailOut]
    total: int
