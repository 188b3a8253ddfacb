"""Intake rules: what a requester must declare, turnaround targets, numbering and status changes
(the receipt check's rules are in services.intake.receipt). Pure Python, no I/O; refusals are kernel.errors whose message names the field."""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from kernel.email_address import email_problem
from kernel.errors import FailedPrecondition, InvalidArgument
from kernel.lifecycle import SampleStatus, can_transition
from kernel.timefmt import from_rfc3339


class Purpose(StrEnum):
    """Why a sample is tested (values equal the proto enum's lowercase names)."""

    REGISTRATION = "registration"
    BATCH_RELEASE = "batch_release"
    MARKET_SURVEILLANCE = "market_surveillance"
    COMPLAINT = "complaint"
    SUSPECTED_FALSIFIED = "suspected_falsified"


class Priority(StrEnum):
    """How fast the requester needs the result."""

    ROUTINE = "routine"
    URGENT = "urgent"


class ProductCategory(StrEnum):
    """What kind of product a sample is (values equal the proto enum's lowercase names)."""

    MEDICINE = "medicine"
    MEDICAL_DEVICE = "medical_device"


class SlaEventKind(StrEnum):
    """Kinds of SLA mark the workflow records."""

    DUE_SET = "due_set"
    WARNING = "warning"
    BREACH = "breach"


# DESIGN §5 defaults, in calendar days from receipt.
TURNAROUND_DAYS: dict[Purpose, int] = {
    Purpose.SUSPECTED_FALSIFIED: 3,
    Purpose.COMPLAINT: 10,
    Purpose.BATCH_RELEASE: 15,
    Purpose.MARKET_SURVEILLANCE: 30,
    Purpose.REGISTRATION: 60,
}

# Statuses whose turnaround clock is not running: never overdue.
NOT_OVERDUE = frozenset(
    {SampleStatus.RELEASED, SampleStatus.REJECTED, SampleStatus.CANCELLED, SampleStatus.ON_HOLD}
)

SLA_ACTIONS: dict[SlaEventKind, str] = {
    SlaEventKind.DUE_SET: "sla_due_set",
    SlaEventKind.WARNING: "sla_warning",
    SlaEventKind.BREACH: "sla_breach",
}

MAX_SAMPLES = 5000
# Length limits of the sample's descriptive fields (the columns' sizes).
MAX_INNS = 300
MAX_SHORT = 100  # dosage form, strength
MAX_PACK = 200
MAX_HOLDER = 300
MAX_STORAGE = 200
# The requester's contact on a request (the e-mail's limit is kernel.email_address's).
MAX_CONTACT_NAME = 200
MAX_CONTACT_PHONE = 50
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50

E = TypeVar("E", bound=StrEnum)

_DECIMAL = re.compile(r"^\d{1,12}(\.\d{1,6})?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def sla_target_days(purpose: Purpose, priority: Priority) -> int:
    """Turnaround target in days for a purpose and priority.

    The target is the purpose's default (TURNAROUND_DAYS: suspected falsified 3, complaint 10,
    batch release 15, market surveillance 30, registration 60). Urgent priority halves it,
    rounded up, and never below 1 day: complaint 10 -> 5, batch release 15 -> 8,
    suspected falsified 3 -> 2.
    """
    days = TURNAROUND_DAYS[purpose]
    if priority is Priority.URGENT:
        days = max(1, math.ceil(days / 2))
    return days


def lab_year(now: datetime, tz: tzinfo) -> int:
    """The calendar year at the lab at `now`: numbering restarts on 1 January, lab time."""
    return now.astimezone(tz).year


def format_request_id(year: int, number: int) -> str:
    """REQ-2026-00001."""
    return f"REQ-{year}-{number:05d}"


def format_lab_number(prefix: str, year: int, number: int) -> str:
    """LNCM-2026-00001 for prefix LNCM."""
    return f"{prefix}-{year}-{number:05d}"


@dataclass(frozen=True)
class NewSample:
    """A sample as the requester declares it: raw text, validated by validate_request."""

    product_code: str = ""
    product_name: str = ""
    batch_number: str = ""
    manufacturer: str = ""
    manufacture_date: str = ""
    expiry_date: str = ""
    quantity: str = ""
    quantity_unit: str = ""
    product_category: str = ""  # '' means medicine
    inns: str = ""
    dosage_form: str = ""
    strength: str = ""
    pack: str = ""
    marketing_authorisation_holder: str = ""
    storage_conditions: str = ""


@dataclass(frozen=True)
class NewRequest:
    """A request as submitted; purpose and priority are enum values or '' when not set."""

    request_key: str
    purpose: str
    samples: tuple[NewSample, ...]
    priority: str = ""
    requester: str = ""
    requester_organisation: str = ""
    external_reference: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""


@dataclass(frozen=True)
class SampleDraft:
    """A validated sample, ready to be stored."""

    product_code: str
    product_name: str
    batch_number: str
    manufacturer: str
    manufacture_date: date | None
    expiry_date: date | None
    quantity: str
    quantity_unit: str
    product_category: ProductCategory = ProductCategory.MEDICINE
    inns: str = ""
    dosage_form: str = ""
    strength: str = ""
    pack: str = ""
    marketing_authorisation_holder: str = ""
    storage_conditions: str = ""


@dataclass(frozen=True)
class RequestDraft:
    """A validated request, ready to be stored."""

    request_key: str
    purpose: Purpose
    priority: Priority
    requester: str
    requester_organisation: str
    external_reference: str
    sla_target_days: int
    samples: tuple[SampleDraft, ...]
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""


class _Errors:
    """Collects every problem of an input, so the user fixes them all in one go."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, field: str, problem: str) -> None:
        self.messages.append(f"{field}: {problem}")

    def text(self, field: str, value: str, *, required: bool = False, max_length: int) -> str:
        value = value.strip()
        if required and not value:
            self.add(field, "required")
        elif len(value) > max_length:
            self.add(field, f"at most {max_length} characters (got {len(value)})")
        return value

    def email(self, field: str, value: str) -> str:
        value = value.strip()
        problem = email_problem(value) if value else None
        if problem:
            self.add(field, problem)
        return value

    def decimal(self, field: str, value: str, *, required: bool, positive: bool = True) -> str:
        value = value.strip()
        if not value:
            if required:
                self.add(field, "required (a positive decimal, e.g. 100 or 2.5)")
            return ""
        if not _DECIMAL.match(value):
            self.add(field, f"{value!r} is not a decimal number (e.g. 100 or 2.5)")
        elif positive and Decimal(value) <= 0:
            self.add(field, f"must be positive (got {value})")
        return value

    def iso_date(self, field: str, value: str) -> date | None:
        value = value.strip()
        if not value:
            return None
        try:
            if not _ISO_DATE.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.add(field, f"{value!r} is not an ISO 8601 date (YYYY-MM-DD)")
            return None

    def raise_if_any(self) -> None:
        if self.messages:
            raise InvalidArgument("; ".join(self.messages))


def _enum(errors: _Errors, field: str, kind: type[E], value: str, default: E | None) -> E:
    choices = ", ".join(member.value for member in kind)
    if not value:
        if default is not None:
            return default
        errors.add(field, f"required (one of {choices})")
        return next(iter(kind))
    try:
        return kind(value)
    except ValueError:
        errors.add(field, f"unknown value {value!r} (one of {choices})")
        return next(iter(kind))


def validate_request(new: NewRequest, actor_username: str) -> RequestDraft:
    """Checks a whole request; raises InvalidArgument listing every problem, field by field."""
    errors = _Errors()
    request_key = errors.text("request_key", new.request_key, required=True, max_length=200)
    errors.text("actor.username", actor_username, required=True, max_length=100)
    purpose = _enum(errors, "purpose", Purpose, new.purpose, None)
    priority = _enum(errors, "priority", Priority, new.priority, Priority.ROUTINE)
    requester = errors.text("requester", new.requester, max_length=100) or actor_username.strip()
    organisation = errors.text("requester_organisation", new.requester_organisation, max_length=300)
    reference = errors.text("external_reference", new.external_reference, max_length=100)
    contact_name = errors.text("contact_name", new.contact_name, max_length=MAX_CONTACT_NAME)
    contact_email = errors.email("contact_email", new.contact_email)
    contact_phone = errors.text("contact_phone", new.contact_phone, max_length=MAX_CONTACT_PHONE)
    if not new.samples:
        errors.add("samples", "at least one sample is required")
    elif len(new.samples) > MAX_SAMPLES:
        errors.add("samples", f"at most {MAX_SAMPLES} per request (got {len(new.samples)})")
    drafts = tuple(_validate_sample(errors, f"samples[{i}]", s) for i, s in enumerate(new.samples))
    errors.raise_if_any()
    return RequestDraft(
        request_key=request_key,
        purpose=purpose,
        priority=priority,
        requester=requester,
        requester_organisation=organisation,
        external_reference=reference,
        sla_target_days=sla_target_days(purpose, priority),
        samples=drafts,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
    )


def _validate_sample(errors: _Errors, at: str, sample: NewSample) -> SampleDraft:
    manufactured = errors.iso_date(f"{at}.manufacture_date", sample.manufacture_date)
    expiry = errors.iso_date(f"{at}.expiry_date", sample.expiry_date)
    if manufactured and expiry and expiry < manufactured:
        errors.add(f"{at}.expiry_date", f"expiry {expiry} is before manufacture {manufactured}")
    return SampleDraft(
        product_code=errors.text(
            f"{at}.product_code", sample.product_code, required=True, max_length=50
        ),
        product_name=errors.text(
            f"{at}.product_name", sample.product_name, required=True, max_length=300
        ),
        batch_number=errors.text(
            f"{at}.batch_number", sample.batch_number, required=True, max_length=100
        ),
        manufacturer=errors.text(f"{at}.manufacturer", sample.manufacturer, max_length=300),
        manufacture_date=manufactured,
        expiry_date=expiry,
        quantity=errors.decimal(f"{at}.quantity", sample.quantity, required=True),
        quantity_unit=errors.text(f"{at}.quantity_unit", sample.quantity_unit, max_length=50),
        product_category=_enum(
            errors,
            f"{at}.product_category",
            ProductCategory,
            sample.product_category,
            ProductCategory.MEDICINE,
        ),
        inns=errors.text(f"{at}.inns", sample.inns, max_length=MAX_INNS),
        dosage_form=errors.text(f"{at}.dosage_form", sample.dosage_form, max_length=MAX_SHORT),
        strength=errors.text(f"{at}.strength", sample.strength, max_length=MAX_SHORT),
        pack=errors.text(f"{at}.pack", sample.pack, max_length=MAX_PACK),
        marketing_authorisation_holder=errors.text(
            f"{at}.marketing_authorisation_holder",
            sample.marketing_authorisation_holder,
            max_length=MAX_HOLDER,
        ),
        storage_conditions=errors.text(
            f"{at}.storage_conditions", sample.storage_conditions, max_length=MAX_STORAGE
        ),
    )


def parse_status(value: str) -> SampleStatus:
    """The sample status named by `value` ('' when the proto enum was not set)."""
    if not value:
        raise InvalidArgument("status: required")
    return SampleStatus(value)


def check_status_change(
    current: SampleStatus, new: SampleStatus, before_hold: SampleStatus | None, reason: str
) -> None:
    """Refuses a status change the lifecycle does not allow, or one that lacks its reason."""
    if new in (SampleStatus.ON_HOLD, SampleStatus.CANCELLED) and not reason.strip():
        verb = "put a sample on hold" if new is SampleStatus.ON_HOLD else "cancel a sample"
        raise InvalidArgument(f"reason: required to {verb}")
    if current is SampleStatus.REGISTERED and new in (SampleStatus.RECEIVED, SampleStatus.REJECTED):
        raise FailedPrecondition(
            f"status: a registered sample becomes {new} only through the receipt check"
        )
    if not can_transition(current, new, before_hold):
        hint = f" (a hold resumes to {before_hold})" if current is SampleStatus.ON_HOLD else ""
        raise FailedPrecondition(f"status: a sample cannot go from {current} to {new}{hint}")


def status_detail(old: SampleStatus, new: SampleStatus, reason: str) -> str:
    """Timeline text, e.g. 'in_testing -> in_review: all results submitted'."""
    return f"{old} -> {new}: {reason}" if reason else f"{old} -> {new}"


def parse_time(field: str, text: str, *, required: bool = False) -> datetime | None:
    """An RFC 3339 time from the wire, in UTC; None when empty and not required."""
    text = text.strip()
    if not text:
        if required:
            raise InvalidArgument(f"{field}: required (RFC 3339, e.g. 2026-03-01T09:30:00Z)")
        return None
    try:
        return from_rfc3339(text)
    except ValueError:
        raise InvalidArgument(
            f"{field}: {text!r} is not an RFC 3339 time with an offset (e.g. 2026-03-01T09:30:00Z)"
        ) from None


def parse_sla_kind(value: str) -> SlaEventKind:
    """The SLA mark named by `value` ('' when the proto enum was not set)."""
    if not value:
        raise InvalidArgument("kind: required (one of due_set, warning, breach)")
    return SlaEventKind(value)


def search_text(*fields: str) -> str:
    """What the text filter searches: the fields lowercased, one per line."""
    return "\n".join(field.lower() for field in fields)


class SampleSort(StrEnum):
    """Orders of the sample list (values equal the proto enum's lowercase names).

    Every order ends on the sample id, so equal keys keep one order and pages never overlap."""

    NEWEST = "newest"
    OLDEST = "oldest"
    DUE = "due"  # soonest SLA due first, samples without a due time last
    PRODUCT = "product"  # product name A-Z, then newest


@dataclass(frozen=True)
class SampleFilter:
    """What ListSamples asks for; empty fields match everything."""

    statuses: tuple[SampleStatus, ...] = ()
    purpose: Purpose | None = None
    overdue: bool = False
    text: str = ""
    requester: str = ""
    page_size: int = DEFAULT_PAGE_SIZE
    offset: int = 0
    sort: SampleSort = SampleSort.NEWEST


def sample_filter(
    *,
    statuses: Sequence[str] = (),
    purpose: str = "",
    overdue: bool = False,
    text: str = "",
    requester: str = "",
    page_size: int = 0,
    offset: int = 0,
    sort: str = "",
) -> SampleFilter:
    """Checks ListSamples' filters ('' for an enum not set); page_size 0 means the default.

    An unset sort means newest first, the order the list always had."""
    errors = _Errors()
    chosen: list[SampleStatus] = []
    for i, status in enumerate(statuses):
        if not status:
            errors.add(f"statuses[{i}]", "a status must be set")
        else:
            chosen.append(SampleStatus(status))
    text = errors.text("text", text, max_length=200)
    requester = errors.text("requester", requester, max_length=100)
    page_size = page_size or DEFAULT_PAGE_SIZE
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        errors.add("page_size", f"must be between 1 and {MAX_PAGE_SIZE} (got {page_size})")
    if offset < 0:
        errors.add("offset", f"must not be negative (got {offset})")
    order = _enum(errors, "sort", SampleSort, sort, SampleSort.NEWEST)
    errors.raise_if_any()
    return SampleFilter(
        statuses=tuple(dict.fromkeys(chosen)),
        purpose=Purpose(purpose) if purpose else None,
        overdue=overdue,
        text=text,
        requester=requester,
        page_size=page_size,
        offset=offset,
        sort=order,
    )
