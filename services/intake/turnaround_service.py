"""Turnaround targets and the lab calendar: reading them, and the admin's changes. Like
service.py, each use case takes the caller's session, flushes and never commits, and audits
every change in it with the old and new values and the reason given."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from kernel.audit import Who
from kernel.errors import AlreadyExists, InvalidArgument, NotFound
from kernel.timefmt import to_iso_date, utcnow
from services.intake import repository
from services.intake.domain import Priority, Purpose
from services.intake.models import Holiday, LabCalendar, TurnaroundTarget
from services.intake.service import write_audit
from services.intake.turnaround import (
    DEFAULT_WORKING_WEEKDAYS,
    Basis,
    Target,
    default_targets,
    format_weekdays,
    parse_weekdays,
    validate_holiday,
    validate_holiday_removal,
    validate_target_change,
    validate_weekdays,
)


@dataclass(frozen=True)
class TargetSetting:
    """One purpose and priority's target, and who last changed it (empty: the default)."""

    purpose: Purpose
    priority: Priority
    target: Target
    updated_at: datetime | None = None
    updated_by: str = ""


@dataclass(frozen=True)
class TurnaroundSettings:
    """Every target (purposes and priorities in their declared order) and the lab calendar."""

    targets: list[TargetSetting]
    working_weekdays: frozenset[int]
    holidays: list[Holiday]


def _actor(who: Who) -> None:
    if not who.username.strip():
        raise InvalidArgument("actor.username: required (who makes the change)")


def read_settings(session: Session) -> TurnaroundSettings:
    """The targets in force and the lab calendar."""
    rows = {(row.purpose, row.priority): row for row in repository.turnaround_targets(session)}
    targets = []
    for key, default in default_targets().items():
        row = rows.get(key)
        if row is None:
            targets.append(TargetSetting(*key, default))
        else:
            target = Target(row.days, row.basis)
            targets.append(TargetSetting(*key, target, row.updated_at, row.updated_by))
    calendar = repository.lab_calendar(session)
    weekdays = parse_weekdays(calendar.working_weekdays) if calendar else DEFAULT_WORKING_WEEKDAYS
    return TurnaroundSettings(targets, weekdays, repository.holidays(session))


def _target_values(days: int, basis: Basis) -> dict[str, object]:
    return {"days": days, "basis": basis.value}


def set_target(
    session: Session,
    who: Who,
    *,
    purpose: str,
    priority: str,
    days: int,
    basis: str,
    reason: str,
) -> TurnaroundSettings:
    """Changes the target of one purpose and priority, for samples received from now on."""
    _actor(who)
    change = validate_target_change(purpose, priority, days, basis, reason)
    row = repository.turnaround_target(session, change.purpose, change.priority, for_update=True)
    if row is None:  # a database created without the seeded rows: start from the default
        default = default_targets()[(change.purpose, change.priority)]
        row = TurnaroundTarget(
            purpose=change.purpose,
            priority=change.priority,
            days=default.days,
            basis=default.basis,
            updated_at=None,
            updated_by="",
        )
        session.add(row)
    old = _target_values(row.days, row.basis)
    new = _target_values(change.target.days, change.target.basis)
    if new != old:
        row.days, row.basis = change.target.days, change.target.basis
        row.updated_at, row.updated_by = utcnow(), who.username
        session.flush()
        write_audit(
            session,
            who,
            "turnaround_target_changed",
            "turnaround_target",
            f"{change.purpose.value}/{change.priority.value}",
            old=old,
            new=new,
            reason=change.reason,
        )
    return read_settings(session)


def set_working_weekdays(
    session: Session, who: Who, *, weekdays: list[int], reason: str
) -> TurnaroundSettings:
    """Changes the lab's working weekdays (ISO numbers, 1 = Monday ... 7 = Sunday)."""
    _actor(who)
    chosen, why = validate_weekdays(weekdays, reason)
    row = repository.lab_calendar(session, for_update=True)
    if row is None:
        row = LabCalendar(
            id=1,
            working_weekdays=format_weekdays(DEFAULT_WORKING_WEEKDAYS),
            updated_at=None,
            updated_by="",
        )
        session.add(row)
    old = {"working_weekdays": sorted(parse_weekdays(row.working_weekdays))}
    new = {"working_weekdays": sorted(chosen)}
    if new != old:
        row.working_weekdays = format_weekdays(chosen)
        row.updated_at, row.updated_by = utcnow(), who.username
        session.flush()
        write_audit(
            session,
            who,
            "working_weekdays_changed",
            "lab_calendar",
            "working_weekdays",
            old=old,
            new=new,
            reason=why,
        )
    return read_settings(session)


def add_holiday(
    session: Session, who: Who, *, day: str, name: str, reason: str
) -> TurnaroundSettings:
    """Adds a non-working date; a date already listed is refused (ALREADY_EXISTS)."""
    _actor(who)
    draft = validate_holiday(day, name, reason)
    existing = repository.holiday(session, draft.day)
    if existing is not None:
        raise AlreadyExists(f"date: {draft.day} is already listed ({existing.name})")
    session.add(
        Holiday(day=draft.day, name=draft.name, created_at=utcnow(), created_by=who.username)
    )
    session.flush()
    write_audit(
        session,
        who,
        "holiday_added",
        "holiday",
        to_iso_date(draft.day),
        new={"date": to_iso_date(draft.day), "name": draft.name},
        reason=draft.reason,
    )
    return read_settings(session)


def remove_holiday(session: Session, who: Who, *, day: str, reason: str) -> TurnaroundSettings:
    """Removes a non-working date (it becomes a working day if its weekday is one)."""
    _actor(who)
    parsed, why = validate_holiday_removal(day, reason)
    existing = repository.holiday(session, parsed)
    if existing is None:
        raise NotFound(f"date: {parsed} is not a listed non-working date")
    old = {"date": to_iso_date(existing.day), "name": existing.name}
    session.delete(existing)
    session.flush()
    write_audit(
        session, who, "holiday_removed", "holiday", to_iso_date(parsed), old=old, reason=why
    )
    return read_settings(session)
