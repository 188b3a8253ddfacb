"""Retention use cases: the disposal reminder's mark (from the SampleRetention workflow) and
the list of samples due for disposal. Like service.py, each takes the caller's session,
flushes and never commits, and audits every change in it."""

from sqlalchemy.orm import Session

from kernel.audit import SYSTEM
from kernel.errors import InvalidArgument
from kernel.timefmt import to_iso_date, to_rfc3339, utcnow
from services.intake import repository
from services.intake.domain import parse_time
from services.intake.models import Sample, SampleEvent
from services.intake.notification_service import create_notifications
from services.intake.retention import Recipient
from services.intake.service import locked_sample, with_timeline, write_audit

# Who is reminded: reception keeps the retained parts and disposes of them.
CUSTODIAN_ROLE = "reception"
_DUE_KEY = "retention:disposal_due"


def mark_disposal_due(session: Session, lab_number: str, *, at: str = "") -> Sample:
    """Marks the sample's disposal due and notifies reception, in one transaction; a sample
    already marked or already disposed of is returned unchanged (the activity's retry)."""
    when = parse_time("at", at) or utcnow()
    sample = locked_sample(session, lab_number)
    if sample.disposal_due_at is not None or sample.disposed_at is not None:
        return with_timeline(session, sample)
    sample.disposal_due_at = when
    until = to_iso_date(sample.retain_until)
    detail = f"retained until {until}: disposal due" if until else "disposal due"
    session.add(
        SampleEvent(
            sample_id=sample.id,
            at=when,
            username=SYSTEM.username,
            full_name=SYSTEM.full_name,
            role=SYSTEM.role,
            action="disposal_due",
            detail=detail,
            event_key=_DUE_KEY,
        )
    )
    write_audit(
        session,
        SYSTEM,
        "disposal_due",
        "sample",
        sample.lab_number,
        old={"disposal_due_at": ""},
        new={"disposal_due_at": to_rfc3339(when), "retain_until": until},
    )
    create_notifications(
        session,
        notification_key=f"{sample.lab_number}:disposal_due",
        recipients=[Recipient(role=CUSTODIAN_ROLE)],
        subject=f"{sample.lab_number}: disposal due",
        text=(
            f"The retained part of {sample.lab_number} ({sample.product_name}, batch "
            f"{sample.batch_number}) was kept until {until or 'its retention ended'}: "
            "dispose of it with a witness."
        ),
        lab_number=sample.lab_number,
        now=when,
    )
    return with_timeline(session, sample)


def list_disposal_due(session: Session, page_size: int = 0) -> list[Sample]:
    """Samples whose disposal is due and not recorded, the longest due first."""
    if not 0 <= page_size <= 500:
        raise InvalidArgument(f"page_size: 1 to 500 (got {page_size})")
    return repository.disposal_due(session, page_size or 100)
