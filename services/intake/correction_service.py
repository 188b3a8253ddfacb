"""The use case of correcting a sample's details. Like service.py, it takes the caller's session,
flushes and never commits, and audits the change (old and new of each field, reason) in it."""

from datetime import date

from sqlalchemy.orm import Session

from kernel.audit import Who
from kernel.errors import InvalidArgument
from kernel.timefmt import utcnow
from services.intake.corrections import CORRECTABLE, DATE_FIELDS, changes
from services.intake.models import Sample, SampleEvent
from services.intake.service import locked_sample, with_timeline, write_audit


def _text(sample: Sample, field: str) -> str:
    value = getattr(sample, field)
    if isinstance(value, date):
        return value.isoformat()
    return value or ""


def correct_sample_details(
    session: Session, lab_number: str, asked: dict[str, str], *, reason: str, who: Who
) -> Sample:
    """Corrects the asked details; the sample's timeline and audit trail say what and why.

    Asking for values the sample already has changes nothing (a retry)."""
    if not who.username:
        raise InvalidArgument("actor.username is required: who corrects the record")
    sample = locked_sample(session, lab_number)
    current = {field: _text(sample, field) for field in CORRECTABLE}
    made = changes(current, asked, status=sample.status.value, reason=reason)
    if not made:
        return with_timeline(session, sample)
    for change in made:
        if change.field in DATE_FIELDS:
            setattr(sample, change.field, date.fromisoformat(change.new) if change.new else None)
        else:
            setattr(sample, change.field, change.new)
    session.add(
        SampleEvent(
            sample_id=sample.id,
            at=utcnow(),
            username=who.username,
            full_name=who.full_name,
            role=who.role,
            action="details_corrected",
            detail="; ".join(f"{c.field}: {c.old!r} -> {c.new!r}" for c in made)
            + f" ({reason.strip()})",
        )
    )
    write_audit(
        session,
        who,
        "sample_details_corrected",
        "sample",
        sample.lab_number,
        old={c.field: c.old for c in made},
        new={c.field: c.new for c in made},
        reason=reason.strip(),
    )
    return with_timeline(session, sample)
