"""Intake's use cases. Each takes the caller's session, flushes and never commits, and writes an
audit entry for every change in that same session."""

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from kernel import audit
from kernel.audit import SYSTEM, Who
from kernel.errors import FailedPrecondition, InvalidArgument, NotFound
from kernel.lifecycle import SampleStatus
from kernel.timefmt import to_iso_date, to_rfc3339, utcnow
from services.intake import repository
from services.intake.domain import (
    SLA_ACTIONS,
    NewRequest,
    SampleFilter,
    SlaEventKind,
    check_status_change,
    format_lab_number,
    format_request_id,
    lab_year,
    parse_sla_kind,
    parse_status,
    parse_time,
    search_text,
    status_detail,
    validate_request,
)
from services.intake.models import AuditEntry, AuditHead, Request, Sample, SampleEvent
from services.intake.receipt import Receipt, validate_receipt
from services.intake.turnaround import Target, target_duration

REQUEST_COUNTER = "request"


@dataclass(frozen=True)
class Numbering:
    """How this lab numbers samples: its prefix, and the time zone whose 1 January restarts it."""

    lab_number_prefix: str
    timezone: tzinfo

    @property
    def lab_counter(self) -> str:
        """Counter name of this prefix's lab numbers (a new prefix starts its own sequence)."""
        return f"lab:{self.lab_number_prefix}"


def write_audit(
    session: Session,
    who: Who,
    action: str,
    entity_type: str,
    entity_id: str,
    *,
    old: Any = None,
    new: Any = None,
    reason: str = "",
) -> None:
    """Appends an entry to intake's audit chain, in the caller's transaction."""
    audit.record(
        session,
        AuditEntry,
        AuditHead,
        who=who,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        old=old,
        new=new,
        reason=reason,
    )


def _event(
    who: Who,
    at: datetime,
    action: str,
    detail: str,
    *,
    sample_id: int | None = None,
    event_key: str | None = None,
) -> SampleEvent:
    return SampleEvent(
        sample_id=sample_id,
        at=at,
        username=who.username,
        full_name=who.full_name,
        role=who.role,
        action=action,
        detail=detail,
        event_key=event_key,
    )


def _snapshot(sample: Sample) -> dict[str, Any]:
    return {
        "lab_number": sample.lab_number,
        "request_id": sample.request_id,
        "product_code": sample.product_code,
        "product_name": sample.product_name,
        "batch_number": sample.batch_number,
        "manufacturer": sample.manufacturer,
        "manufacture_date": to_iso_date(sample.manufacture_date),
        "expiry_date": to_iso_date(sample.expiry_date),
        "quantity": sample.quantity,
        "quantity_unit": sample.quantity_unit,
        "product_category": sample.product_category.value,
        "inns": sample.inns,
        "dosage_form": sample.dosage_form,
        "strength": sample.strength,
        "pack": sample.pack,
        "marketing_authorisation_holder": sample.marketing_authorisation_holder,
        "storage_conditions": sample.storage_conditions,
        "status": sample.status.value,
        "sla_target_days": sample.sla_target_days,
        "sla_basis": sample.sla_basis.value,
    }


def create_request(
    session: Session,
    new: NewRequest,
    who: Who,
    numbering: Numbering,
    now: datetime | None = None,
) -> Request:
    """Logs a request and its samples with the next request id and lab numbers of the year.

    Idempotent on request_key: a known key returns the request first created, unchanged."""
    draft = validate_request(new, who.username)
    existing = repository.request_by_key(session, draft.request_key)
    if existing is not None:
        return existing
    now = now or utcnow()
    year = lab_year(now, numbering.timezone)
    # Every creation takes the request counter's lock first (always in this order, so two
    # creations never deadlock); under it, a concurrent retry of the same key is visible.
    repository.lock_counter(session, REQUEST_COUNTER, year)
    existing = repository.request_by_key(session, draft.request_key)
    if existing is not None:
        return existing
    repository.lock_counter(session, numbering.lab_counter, year)
    request_number = repository.advance_counter(session, REQUEST_COUNTER, year, 1)
    last = repository.advance_counter(session, numbering.lab_counter, year, len(draft.samples))
    request = Request(
        request_id=format_request_id(year, request_number),
        request_key=draft.request_key,
        purpose=draft.purpose,
        priority=draft.priority,
        requester=draft.requester,
        requester_organisation=draft.requester_organisation,
        external_reference=draft.external_reference,
        contact_name=draft.contact_name,
        contact_email=draft.contact_email,
        contact_phone=draft.contact_phone,
        created_by_username=who.username,
        created_by_full_name=who.full_name,
        created_by_role=who.role,
        created_at=now,
    )
    first = last - len(draft.samples) + 1
    # The target in force now; the one in force at receipt replaces it when the clock starts.
    target = repository.target_in_force(session, draft.purpose, draft.priority)
    request.samples = []
    for number, item in enumerate(draft.samples, start=first):
        lab_number = format_lab_number(numbering.lab_number_prefix, year, number)
        sample = Sample(
            lab_number=lab_number,
            purpose=draft.purpose,
            priority=draft.priority,
            requester=draft.requester,
            requester_organisation=draft.requester_organisation,
            external_reference=draft.external_reference,
            contact_name=draft.contact_name,
            contact_email=draft.contact_email,
            contact_phone=draft.contact_phone,
            product_code=item.product_code,
            product_name=item.product_name,
            batch_number=item.batch_number,
            manufacturer=item.manufacturer,
            manufacture_date=item.manufacture_date,
            expiry_date=item.expiry_date,
            quantity=item.quantity,
            quantity_unit=item.quantity_unit,
            product_category=item.product_category,
            inns=item.inns,
            dosage_form=item.dosage_form,
            strength=item.strength,
            pack=item.pack,
            marketing_authorisation_holder=item.marketing_authorisation_holder,
            storage_conditions=item.storage_conditions,
            status=SampleStatus.REGISTERED,
            status_before_hold=None,
            receipt_accepted=None,
            condition_on_receipt="",
            quantity_received="",
            rejection_reason="",
            seals_intact=None,
            labelling_legible=None,
            temperature_on_arrival="",
            quantity_required="",
            insufficient_quantity_reason="",
            sla_target_days=target.days,
            sla_basis=target.basis,
            sla_target_seconds=0,
            created_at=now,
            search_text=search_text(
                lab_number, item.product_name, item.batch_number, item.manufacturer
            ),
        )
        detail = (
            f"registered for {draft.purpose} ({draft.priority}) in request {request.request_id}"
        )
        sample.events = [_event(who, now, "registered", detail)]
        request.samples.append(sample)
    session.add(request)
    session.flush()
    write_audit(
        session,
        who,
        "request_created",
        "request",
        request.request_id,
        new={
            "request_id": request.request_id,
            "request_key": request.request_key,
            "purpose": request.purpose.value,
            "priority": request.priority.value,
            "requester": request.requester,
            "requester_organisation": request.requester_organisation,
            "external_reference": request.external_reference,
            "contact_name": request.contact_name,
            "contact_email": request.contact_email,
            "contact_phone": request.contact_phone,
            "lab_numbers": [sample.lab_number for sample in request.samples],
        },
    )
    for sample in request.samples:
        write_audit(
            session, who, "sample_registered", "sample", sample.lab_number, new=_snapshot(sample)
        )
    return request


def get_sample(session: Session, lab_number: str) -> Sample:
    """One sample with its timeline, oldest first."""
    lab_number = lab_number.strip()
    if not lab_number:
        raise InvalidArgument("lab_number: required")
    sample = repository.sample_with_timeline(session, lab_number)
    if sample is None:
        raise NotFound(f"lab_number: no sample {lab_number!r}")
    return sample


def list_samples(
    session: Session, spec: SampleFilter, now: datetime | None = None
) -> tuple[list[Sample], int]:
    """A page of samples matching `spec`, in its order, and the number matching in all."""
    return repository.list_samples(session, spec, now or utcnow())


def locked_sample(session: Session, lab_number: str) -> Sample:
    """The sample, locked for the rest of the transaction; NotFound naming the lab number."""
    lab_number = lab_number.strip()
    if not lab_number:
        raise InvalidArgument("lab_number: required")
    sample = repository.sample_by_lab_number(session, lab_number, for_update=True)
    if sample is None:
        raise NotFound(f"lab_number: no sample {lab_number!r}")
    return sample


def with_timeline(session: Session, sample: Sample) -> Sample:
    """The sample as read back after the change, with its timeline."""
    session.flush()
    return get_sample(session, sample.lab_number)


def _required_key(event_key: str) -> str:
    event_key = event_key.strip()
    if not event_key:
        raise InvalidArgument("event_key: required (the workflow's idempotency key)")
    if len(event_key) > 200:
        raise InvalidArgument(f"event_key: at most 200 characters (got {len(event_key)})")
    return event_key


def _recorded_receipt(sample: Sample) -> Receipt | None:
    if sample.receipt_accepted is None:
        return None
    accepted = sample.receipt_accepted
    return Receipt(
        accepted=accepted,
        condition=sample.condition_on_receipt,
        quantity_received=sample.quantity_received,
        reason=sample.insufficient_quantity_reason if accepted else sample.rejection_reason,
        # Receipts recorded before the checklist existed have no checks: never a repeat.
        seals_intact=bool(sample.seals_intact),
        labelling_legible=bool(sample.labelling_legible),
        temperature_on_arrival=sample.temperature_on_arrival,
        quantity_required=sample.quantity_required,
    )


@dataclass(frozen=True)
class ReceiptChecks:
    """The receipt checklist as the caller gives it; `units_per_analysis` comes from the
    testing catalogue (0 when it does not say: then the quantity is not checked)."""

    seals_intact: bool = True
    labelling_legible: bool = True
    temperature_on_arrival: str = ""
    units_per_analysis: int = 0
    accept_insufficient_quantity: bool = False


def record_receipt(
    session: Session,
    lab_number: str,
    who: Who,
    *,
    accepted: bool,
    condition: str = "",
    quantity_received: str = "",
    reason: str = "",
    at: str = "",
    checks: ReceiptChecks | None = None,
    timezone: tzinfo = UTC,
) -> Sample:
    """Records the receipt check of a registered sample: received, or rejected with a reason,
    with its checklist (seals, labelling, temperature on arrival, quantity required).

    An accepted sample's turnaround clock starts: it takes the target in force now and, from
    the lab calendar (working days are the lab's local dates in `timezone`), the calendar time
    to its due instant; configuration changed later never reaches it.

    Repeating the decision already recorded returns the sample unchanged."""
    if not who.username.strip():
        raise InvalidArgument("actor.username: required (who checked the sample in)")
    checks = checks or ReceiptChecks()
    when = parse_time("at", at) or utcnow()
    sample = locked_sample(session, lab_number)
    # The sample's storage conditions and unit are part of the rules: validate once it is read.
    receipt = validate_receipt(
        accepted,
        condition,
        quantity_received,
        reason,
        seals_intact=checks.seals_intact,
        labelling_legible=checks.labelling_legible,
        temperature_on_arrival=checks.temperature_on_arrival,
        storage_conditions=sample.storage_conditions,
        units_per_analysis=checks.units_per_analysis,
        accept_insufficient_quantity=checks.accept_insufficient_quantity,
        unit=sample.quantity_unit,
    )
    recorded = _recorded_receipt(sample)
    if recorded is not None and recorded.same_decision(receipt):
        return with_timeline(session, sample)
    if sample.status is not SampleStatus.REGISTERED:
        raise FailedPrecondition(
            f"{sample.lab_number}: the receipt check is recorded once, for a registered "
            f"sample; this one is {sample.status}"
        )
    old: dict[str, Any] = {"status": sample.status.value}
    if receipt.accepted:
        old.update(sla_target_days=sample.sla_target_days, sla_basis=sample.sla_basis.value)
        _start_clock(session, sample, when, timezone)
    sample.status = SampleStatus.RECEIVED if receipt.accepted else SampleStatus.REJECTED
    sample.receipt_accepted = receipt.accepted
    sample.received_at = when
    sample.condition_on_receipt = receipt.condition
    sample.quantity_received = receipt.quantity_received
    sample.rejection_reason = "" if receipt.accepted else receipt.reason
    sample.seals_intact = receipt.seals_intact
    sample.labelling_legible = receipt.labelling_legible
    sample.temperature_on_arrival = receipt.temperature_on_arrival
    sample.quantity_required = receipt.quantity_required
    sample.insufficient_quantity_reason = receipt.insufficient_quantity_reason
    new: dict[str, Any] = {
        "status": sample.status.value,
        "received_at": to_rfc3339(when),
        "condition_on_receipt": receipt.condition,
        "quantity_received": receipt.quantity_received,
        "rejection_reason": sample.rejection_reason,
        "seals_intact": receipt.seals_intact,
        "labelling_legible": receipt.labelling_legible,
        "temperature_on_arrival": receipt.temperature_on_arrival,
        "quantity_required": receipt.quantity_required,
        "quantity_sufficient": receipt.quantity_sufficient,
        "insufficient_quantity_reason": receipt.insufficient_quantity_reason,
    }
    if receipt.accepted:
        new.update(
            sla_target_days=sample.sla_target_days,
            sla_basis=sample.sla_basis.value,
            sla_target_seconds=sample.sla_target_seconds,
        )
    action = "received" if receipt.accepted else "rejected"
    detail = receipt.detail(sample.quantity_unit)
    session.add(_event(who, when, action, detail, sample_id=sample.id))
    write_audit(
        session,
        who,
        f"sample_{action}",
        "sample",
        sample.lab_number,
        old=old,
        new=new,
        reason=receipt.reason,
    )
    return with_timeline(session, sample)


def _start_clock(session: Session, sample: Sample, when: datetime, timezone: tzinfo) -> None:
    target = repository.target_in_force(session, sample.purpose, sample.priority)
    calendar = repository.working_calendar(session)
    duration = target_duration(when, target, calendar, timezone)
    sample.sla_target_days, sample.sla_basis = target.days, target.basis
    sample.sla_target_seconds = int(duration.total_seconds())


def record_status(
    session: Session,
    lab_number: str,
    who: Who,
    *,
    status: str,
    reason: str = "",
    event_key: str,
    at: str = "",
) -> Sample:
    """Applies a lifecycle transition decided by the workflow; a known event_key changes nothing."""
    new_status = parse_status(status)
    key = f"status:{_required_key(event_key)}"
    when = parse_time("at", at) or utcnow()
    reason = reason.strip()
    if not who.username.strip():
        who = SYSTEM
    sample = locked_sample(session, lab_number)
    if repository.event_key_used(session, sample.id, key):
        return with_timeline(session, sample)
    check_status_change(sample.status, new_status, sample.status_before_hold, reason)
    old_status = sample.status
    old = {
        "status": old_status.value,
        "status_before_hold": sample.status_before_hold.value if sample.status_before_hold else "",
    }
    # A hold remembers where to resume; any way out of the hold forgets it.
    sample.status_before_hold = old_status if new_status is SampleStatus.ON_HOLD else None
    sample.status = new_status
    new = {
        "status": new_status.value,
        "status_before_hold": sample.status_before_hold.value if sample.status_before_hold else "",
    }
    old.update(_clock_fields(sample))
    _run_kpi_clock(sample, old_status, new_status, when)
    new.update(_clock_fields(sample))
    if new_status is SampleStatus.CANCELLED:
        old["rejection_reason"] = sample.rejection_reason
        sample.rejection_reason = reason
        new["rejection_reason"] = reason
    detail = status_detail(old_status, new_status, reason)
    session.add(_event(who, when, "status_changed", detail, sample_id=sample.id, event_key=key))
    write_audit(
        session, who, "status_changed", "sample", sample.lab_number, old=old, new=new, reason=reason
    )
    return with_timeline(session, sample)


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime (SQLite gives back naive values stored as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _clock_fields(sample: Sample) -> dict[str, str]:
    return {
        "released_at": to_rfc3339(sample.released_at),
        "held_since": to_rfc3339(sample.held_since),
        "hold_seconds": str(sample.hold_seconds or 0),
        "turnaround_seconds": ""
        if sample.turnaround_seconds is None
        else str(sample.turnaround_seconds),
    }


def _run_kpi_clock(
    sample: Sample, old_status: SampleStatus, new_status: SampleStatus, when: datetime
) -> None:
    # The turnaround the KPIs count is receipt to release less the time on hold, as the SLA
    # clock counts it; kept on the sample so the figures are one GROUP BY, not a timeline scan.
    if new_status is SampleStatus.ON_HOLD:
        sample.held_since = when
    elif old_status is SampleStatus.ON_HOLD and sample.held_since is not None:
        held = when - as_utc(sample.held_since)
        sample.hold_seconds = (sample.hold_seconds or 0) + max(0, int(held.total_seconds()))
        sample.held_since = None
    if new_status is SampleStatus.RELEASED:
        sample.released_at = when
        if sample.received_at is not None:
            elapsed = int((when - as_utc(sample.received_at)).total_seconds())
            sample.turnaround_seconds = max(0, elapsed - (sample.hold_seconds or 0))


_SLA_FIELDS = ("sla_due_at", "sla_warning_at", "sla_breached_at")


def _sla_detail(kind: SlaEventKind, sample: Sample, due: datetime | None) -> str:
    due_text = f"due {to_rfc3339(due)}" if due else "due time unchanged"
    target = Target(sample.sla_target_days, sample.sla_basis).describe()
    if kind is SlaEventKind.WARNING:
        return f"80 % of the turnaround target ({target}) elapsed; {due_text}"
    if kind is SlaEventKind.BREACH:
        return f"turnaround target ({target}) breached; {due_text}"
    return due_text


def record_sla_event(
    session: Session,
    lab_number: str,
    *,
    kind: str,
    event_key: str,
    at: str = "",
    due_at: str = "",
) -> Sample:
    """Records an SLA mark from the workflow's timers; a known event_key changes nothing.

    DUE_SET needs due_at; a warning or breach also updates the due time when due_at is given."""
    sla_kind = parse_sla_kind(kind)
    key = f"sla:{_required_key(event_key)}"
    when = parse_time("at", at) or utcnow()
    due = parse_time("due_at", due_at, required=sla_kind is SlaEventKind.DUE_SET)
    sample = locked_sample(session, lab_number)
    if repository.event_key_used(session, sample.id, key):
        return with_timeline(session, sample)
    old = {name: to_rfc3339(getattr(sample, name)) for name in _SLA_FIELDS}
    if due is not None:
        sample.sla_due_at = due
    if sla_kind is SlaEventKind.WARNING:
        sample.sla_warning_at = when
    elif sla_kind is SlaEventKind.BREACH:
        sample.sla_breached_at = when
    new = {name: to_rfc3339(getattr(sample, name)) for name in old}
    action = SLA_ACTIONS[sla_kind]
    detail = _sla_detail(sla_kind, sample, due)
    session.add(_event(SYSTEM, when, action, detail, sample_id=sample.id, event_key=key))
    write_audit(session, SYSTEM, action, "sample", sample.lab_number, old=old, new=new)
    return with_timeline(session, sample)
