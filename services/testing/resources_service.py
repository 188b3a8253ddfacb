"""Use cases of the resources that gate testing. Each takes the caller's session, flushes, never
commits, and audits every create and change (old, new, and the reason for a change) in it."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kernel import audit
from kernel.errors import FailedPrecondition, InvalidArgument, NotFound
from kernel.timefmt import from_iso_date, utcnow
from services.testing import resources_repository as repo
from services.testing.catalogue import write_audit
from services.testing.models import PlannedTest
from services.testing.resources import (
    Instrument,
    InstrumentStatus,
    Lot,
    Qualification,
    Resources,
    StandardSource,
    clean_lots,
    days_left,
    expiring,
    gating_refusals,
    instrument_problems,
    instrument_refusal,
    lot_problems,
    needs_instrument,
    qualification_problems,
    qualification_refusal,
    quantity_problems,
    same_technique,
)
from services.testing.resources_models import (
    AttachmentRow,
    InstrumentRow,
    QualificationRow,
    ReagentRow,
    ReferenceStandardRow,
)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_ATTACHMENT_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "text/csv", "text/plain", "application/zip"}
)


def lab_today(timezone: str, now: datetime | None = None) -> date:
    """Today's date in the lab's time zone: expiry and calibration dates are lab calendar days."""
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date()


def day(field: str, text: str) -> date:
    """A required ISO date from the wire, refused with the field's name when missing or wrong."""
    try:
        value = from_iso_date(text.strip())
    except ValueError:
        raise InvalidArgument(f"{field}: {text!r} is not a date (YYYY-MM-DD)") from None
    if value is None:
        raise InvalidArgument(f"{field}: required")
    return value


def _refuse(problems: list[str]) -> None:
    if problems:
        raise InvalidArgument("; ".join(problems))


def _require_actor(who: audit.Who) -> None:
    if not who.username.strip():
        raise InvalidArgument("actor.username is required")


def _save(
    session: Session,
    who: audit.Who,
    row: Any,
    fields: dict[str, Any],
    *,
    created: bool,
    kind: str,
    key: str,
    reason: str,
) -> None:
    """Writes `fields` onto the row and audits the create or the change (nothing if unchanged)."""
    reason = reason.strip()
    old = None if created else {name: _plain(getattr(row, name)) for name in fields}
    new = {name: _plain(value) for name, value in fields.items()}
    if old == new:
        return
    if not created and not reason:
        raise InvalidArgument(f"reason: required to change {kind.replace('_', ' ')} {key}")
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    if created:
        session.add(row)
    session.flush()
    action = f"{kind}_created" if created else f"{kind}_changed"
    write_audit(session, who, action, kind, key, old=old, new=new, reason=reason)


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


# ---- the records --------------------------------------------------------------------------------


def qualification_of(row: QualificationRow) -> Qualification:
    """The domain view of a qualification row."""
    return Qualification(
        row.analyst, row.technique, row.qualified_on, row.expires_on, row.training_record
    )


def instrument_of(row: InstrumentRow) -> Instrument:
    """The domain view of an instrument row."""
    return Instrument(
        code=row.code,
        name=row.name,
        techniques=tuple(row.techniques),
        calibration_due=row.calibration_due,
        status=InstrumentStatus(row.status),
        out_of_service_reason=row.out_of_service_reason,
    )


def lot_of(row: ReferenceStandardRow | ReagentRow) -> Lot:
    """The domain view of a reference standard's or a reagent's lot."""
    return Lot(row.lot, row.name, row.expires_on)


def save_qualification(
    session: Session, q: Qualification, who: audit.Who, reason: str = ""
) -> QualificationRow:
    """Records an analyst's qualification for a technique, or changes it (with a reason)."""
    q = Qualification(
        q.analyst.strip(),
        q.technique.strip(),
        q.qualified_on,
        q.expires_on,
        q.training_record.strip(),
    )
    _refuse(qualification_problems(q))
    _require_actor(who)
    found = next(
        (
            r
            for r in repo.qualifications(session, q.analyst)
            if same_technique(r.technique, q.technique)
        ),
        None,
    )
    row = found or QualificationRow(analyst=q.analyst, technique=q.technique)
    fields = {
        "qualified_on": q.qualified_on,
        "expires_on": q.expires_on,
        "training_record": q.training_record,
    }
    if found is None:
        fields = {"analyst": q.analyst, "technique": q.technique, **fields}
    _save(
        session,
        who,
        row,
        fields,
        created=found is None,
        kind="qualification",
        key=f"{q.analyst}/{row.technique}",
        reason=reason,
    )
    return row


def save_instrument(
    session: Session, i: Instrument, who: audit.Who, reason: str = ""
) -> InstrumentRow:
    """Records an instrument, or changes it (calibration, status, ...) with a reason."""
    techniques = tuple(dict.fromkeys(t.strip() for t in i.techniques if t.strip()))
    reason_out = (
        i.out_of_service_reason.strip() if i.status is InstrumentStatus.OUT_OF_SERVICE else ""
    )
    i = Instrument(
        i.code.strip(), i.name.strip(), techniques, i.calibration_due, i.status, reason_out
    )
    _refuse(instrument_problems(i))
    _require_actor(who)
    found = repo.instrument(session, i.code)
    row = found or InstrumentRow(code=i.code)
    fields: dict[str, Any] = {
        "name": i.name,
        "techniques": list(i.techniques),
        "calibration_due": i.calibration_due,
        "status": str(i.status),
        "out_of_service_reason": i.out_of_service_reason,
    }
    _save(
        session,
        who,
        row,
        fields,
        created=found is None,
        kind="instrument",
        key=i.code,
        reason=reason,
    )
    return row


@dataclass(frozen=True)
class StandardLot:
    """A reference standard lot as the lab records it."""

    lot: str
    name: str
    source: StandardSource
    expires_on: date
    quantity: str
    quantity_unit: str


def save_reference_standard(
    session: Session, s: StandardLot, who: audit.Who, reason: str = ""
) -> ReferenceStandardRow:
    """Records a reference standard lot, or changes it (quantity, expiry, ...) with a reason."""
    s = StandardLot(
        s.lot.strip(),
        s.name.strip(),
        s.source,
        s.expires_on,
        s.quantity.strip(),
        s.quantity_unit.strip(),
    )
    _refuse(
        lot_problems(Lot(s.lot, s.name, s.expires_on))
        + quantity_problems(s.quantity, s.quantity_unit)
    )
    _require_actor(who)
    found = repo.standard(session, s.lot)
    fields: dict[str, Any] = {
        "name": s.name,
        "source": str(s.source),
        "expires_on": s.expires_on,
        "quantity": s.quantity,
        "quantity_unit": s.quantity_unit,
    }
    row = found or ReferenceStandardRow(lot=s.lot)
    _save(
        session,
        who,
        row,
        fields,
        created=found is None,
        kind="reference_standard",
        key=s.lot,
        reason=reason,
    )
    return row


def save_reagent(session: Session, lot: Lot, who: audit.Who, reason: str = "") -> ReagentRow:
    """Records a reagent lot, or changes it with a reason."""
    lot = Lot(lot.lot.strip(), lot.name.strip(), lot.expires_on)
    _refuse(lot_problems(lot))
    _require_actor(who)
    found = repo.reagent(session, lot.lot)
    row = found or ReagentRow(lot=lot.lot)
    fields: dict[str, Any] = {"name": lot.name, "expires_on": lot.expires_on}
    _save(
        session, who, row, fields, created=found is None, kind="reagent", key=lot.lot, reason=reason
    )
    return row


# ---- gating -------------------------------------------------------------------------------------


def wanted_resources(
    instrument: str, standards: Sequence[str], reagents: Sequence[str]
) -> Resources:
    """What a caller names, cleaned: trimmed, empty ones dropped, each lot once."""
    code = instrument.strip()
    if len(code) > 40:
        raise InvalidArgument("instrument: a code has at most 40 characters")
    return Resources(
        code, clean_lots("reference_standards", standards), clean_lots("reagents", reagents)
    )


def check_resources(
    session: Session,
    *,
    analyst: str,
    technique: str,
    wanted: Resources,
    today: date,
    check_analyst: bool = True,
) -> None:
    """Refuses (FailedPrecondition, every reason "field: why") unless gating allows it all."""
    found = repo.instrument(session, wanted.instrument) if wanted.instrument else None
    refusals = gating_refusals(
        analyst=analyst,
        technique=technique,
        today=today,
        wanted=wanted,
        qualifications=[qualification_of(r) for r in repo.qualifications(session, analyst)],
        instrument=instrument_of(found) if found else None,
        standards={r.lot: lot_of(r) for r in repo.standards(session, wanted.reference_standards)},
        reagents={r.lot: lot_of(r) for r in repo.reagents(session, wanted.reagents)},
        check_analyst=check_analyst,
    )
    if refusals:
        raise FailedPrecondition("; ".join(refusals))


@dataclass(frozen=True)
class Choices:
    """What an assignment of one test may name today."""

    technique: str
    instrument_required: bool
    analysts: list[str]
    instruments: list[InstrumentRow]
    standards: list[ReferenceStandardRow]
    reagents: list[ReagentRow]


def assignment_choices(session: Session, test: PlannedTest, today: date) -> Choices:
    """The analysts, instruments and lots that gating would accept today for this test."""
    technique = test.technique
    qualified = sorted(
        {
            r.analyst
            for r in repo.qualifications(session)
            if not qualification_refusal(r.analyst, technique, [qualification_of(r)], today)
        }
    )
    instruments = [
        r
        for r in repo.instruments(session)
        if not instrument_refusal(r.code, instrument_of(r), technique, today)
    ]
    return Choices(
        technique=technique,
        instrument_required=needs_instrument(technique),
        analysts=qualified,
        instruments=instruments,
        standards=[r for r in repo.standards(session) if r.expires_on >= today],
        reagents=[r for r in repo.reagents(session) if r.expires_on >= today],
    )


@dataclass(frozen=True)
class Expiring:
    """Something expired or expiring within the window."""

    kind: str
    key: str
    name: str
    date: date
    days_left: int


def list_expiring(session: Session, today: date, within_days: int) -> list[Expiring]:
    """Qualifications, calibrations and lots that have expired or expire within the window,
    soonest first. Instruments out of service are left out: nobody can use them anyway."""
    if not 0 <= within_days <= 3660:
        raise InvalidArgument(f"within_days must be between 0 and 3660, not {within_days}")
    items = [
        Expiring("qualification", f"{r.analyst} / {r.technique}", r.technique, r.expires_on, 0)
        for r in repo.qualifications(session)
    ]
    items += [
        Expiring("instrument", r.code, r.name, r.calibration_due, 0)
        for r in repo.instruments(session)
        if r.status == InstrumentStatus.IN_SERVICE
    ]
    items += [
        Expiring("reference_standard", r.lot, r.name, r.expires_on, 0)
        for r in repo.standards(session)
    ]
    items += [Expiring("reagent", r.lot, r.name, r.expires_on, 0) for r in repo.reagents(session)]
    due = [
        Expiring(i.kind, i.key, i.name, i.date, days_left(i.date, today))
        for i in items
        if expiring(i.date, today, within_days)
    ]
    return sorted(due, key=lambda i: (i.date, i.kind, i.key))


# ---- attachments --------------------------------------------------------------------------------


def add_attachment(
    session: Session,
    test: PlannedTest,
    filename: str,
    content_type: str,
    content: bytes,
    who: audit.Who,
) -> AttachmentRow:
    """Attaches a file to the test's current result; the same content again returns the first."""
    _require_actor(who)
    filename = filename.strip().replace("\\", "/").rsplit("/", 1)[-1]
    content_type = content_type.split(";", 1)[0].strip().lower()
    problems = []
    if not filename:
        problems.append("filename: required")
    elif len(filename) > 200:
        problems.append("filename: at most 200 characters")
    if content_type not in _ATTACHMENT_TYPES:
        allowed = ", ".join(sorted(_ATTACHMENT_TYPES))
        problems.append(f"content_type: {content_type or 'none'} is not accepted ({allowed})")
    if not content:
        problems.append("content: the file is empty")
    elif len(content) > MAX_ATTACHMENT_BYTES:
        problems.append(f"content: at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB")
    _refuse(problems)
    sha256 = hashlib.sha256(content).hexdigest()
    existing = repo.attachment_by_hash(session, test.test_id, sha256)
    if existing is not None:
        return existing
    row = AttachmentRow(
        test_id=test.test_id,
        attempt=len(test.results),
        filename=filename,
        content_type=content_type,
        size=len(content),
        sha256=sha256,
        content=content,
        uploaded_by_username=who.username,
        uploaded_by_full_name=who.full_name,
        uploaded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    write_audit(
        session,
        who,
        "attachment_added",
        "test",
        test.test_id,
        new={
            "attachment_id": row.id,
            "attempt": row.attempt,
            "filename": filename,
            "content_type": content_type,
            "size": row.size,
            "sha256": sha256,
        },
    )
    return row


def get_attachment(session: Session, test_id: str, attachment_id: int) -> AttachmentRow:
    """One attachment of a test, with its content."""
    row = repo.attachment(session, test_id.strip(), attachment_id)
    if row is None:
        raise NotFound(f"test {test_id} has no attachment {attachment_id}")
    return row
