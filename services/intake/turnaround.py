"""Turnaround targets and the lab calendar: what an admin may set, and the working-day arithmetic
that turns "N working days after receipt" into a due instant. Pure Python, no I/O; refusals are
kernel.errors whose message names the field.

Kept apart from domain.py (requests, numbering, statuses): the targets are configuration with
their own rules, and the calendar arithmetic is its own idea."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import TypeVar

from kernel.errors import InvalidArgument
from services.intake.domain import Priority, Purpose, sla_target_days


class Basis(StrEnum):
    """How a target counts its days (values equal the proto enum's lowercase names)."""

    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"


MIN_DAYS = 1
MAX_DAYS = 365
MAX_REASON = 2000
MAX_HOLIDAY_NAME = 200
# ISO weekday numbers: 1 = Monday ... 7 = Sunday.
WEEKDAYS = range(1, 8)
DEFAULT_WORKING_WEEKDAYS = frozenset({1, 2, 3, 4, 5})

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class Target:
    """A turnaround target: days from receipt, counted as calendar or working days."""

    days: int
    basis: Basis = Basis.CALENDAR_DAYS

    def describe(self) -> str:
        """e.g. '10 working days', '30 days'."""
        unit = "working day" if self.basis is Basis.WORKING_DAYS else "day"
        return f"{self.days} {unit}{'' if self.days == 1 else 's'}"


def default_targets() -> dict[tuple[Purpose, Priority], Target]:
    """DESIGN §5's defaults for every purpose and priority, in calendar days."""
    return {
        (purpose, priority): Target(sla_target_days(purpose, priority))
        for purpose in Purpose
        for priority in Priority
    }


@dataclass(frozen=True)
class WorkingCalendar:
    """The lab's working weekdays (ISO numbers) and its non-working dates (public holidays)."""

    working_weekdays: frozenset[int] = DEFAULT_WORKING_WEEKDAYS
    holidays: frozenset[date] = field(default_factory=frozenset)

    def is_working(self, day: date) -> bool:
        """Whether the lab works on `day`."""
        return day.isoweekday() in self.working_weekdays and day not in self.holidays


def format_weekdays(weekdays: Iterable[int]) -> str:
    """How the working weekdays are stored: "1,2,3,4,5" for Monday to Friday."""
    return ",".join(str(day) for day in sorted(set(weekdays)))


def parse_weekdays(text: str) -> frozenset[int]:
    """The working weekdays stored by format_weekdays."""
    return frozenset(int(day) for day in text.split(",") if day.strip())


def working_days_after(start: date, days: int, calendar: WorkingCalendar) -> date:
    """The `days`-th working day after `start` (`start` itself never counts, working or not)."""
    if not calendar.working_weekdays:
        raise ValueError("a calendar without working weekdays has no working day")
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_working(day):
            counted += 1
    return day


def target_duration(
    received_at: datetime, target: Target, calendar: WorkingCalendar, tz: tzinfo
) -> timedelta:
    """The calendar time from receipt to the due instant.

    Working days are counted on the lab's local dates: the due instant is the receipt instant
    moved on by whole days until the target's last working day, so it keeps the time of day of
    the receipt (a sample received on Friday at 10:00 with 1 working day is due on Monday at
    10:00). Whole days keep the duration a plain number the workflow's timers can use."""
    if target.basis is Basis.CALENDAR_DAYS:
        return timedelta(days=target.days)
    start = received_at.astimezone(tz).date()
    return working_days_after(start, target.days, calendar) - start


def due_after(
    received_at: datetime, target: Target, calendar: WorkingCalendar, tz: tzinfo
) -> datetime:
    """The due instant of a sample received at `received_at` (before any time on hold)."""
    return received_at + target_duration(received_at, target, calendar, tz)


# --- what an admin may set ----------------------------------------------------------------------


def _choice(problems: list[str], name: str, kind: type[E], value: str) -> E | None:
    choices = ", ".join(member.value for member in kind)
    if not value:
        problems.append(f"{name}: required (one of {choices})")
        return None
    try:
        return kind(value)
    except ValueError:
        problems.append(f"{name}: unknown value {value!r} (one of {choices})")
        return None


def _reason(problems: list[str], reason: str, why: str) -> str:
    reason = reason.strip()
    if not reason:
        problems.append(f"reason: required ({why})")
    elif len(reason) > MAX_REASON:
        problems.append(f"reason: at most {MAX_REASON} characters (got {len(reason)})")
    return reason


def _raise_if_any(problems: list[str]) -> None:
    if problems:
        raise InvalidArgument("; ".join(problems))


@dataclass(frozen=True)
class TargetChange:
    """A validated change of one target."""

    purpose: Purpose
    priority: Priority
    target: Target
    reason: str


def validate_target_change(
    purpose: str, priority: str, days: int, basis: str, reason: str
) -> TargetChange:
    """Checks a target change ('' for an enum not set; an unset basis means calendar days)."""
    problems: list[str] = []
    chosen_purpose = _choice(problems, "purpose", Purpose, purpose)
    chosen_priority = _choice(problems, "priority", Priority, priority)
    chosen_basis = _choice(problems, "basis", Basis, basis or Basis.CALENDAR_DAYS.value)
    if not MIN_DAYS <= days <= MAX_DAYS:
        problems.append(
            f"days: must be a whole number of days from {MIN_DAYS} to {MAX_DAYS} (got {days})"
        )
    why = _reason(problems, reason, "why the target changes")
    _raise_if_any(problems)
    assert chosen_purpose and chosen_priority and chosen_basis
    return TargetChange(chosen_purpose, chosen_priority, Target(days, chosen_basis), why)


def validate_weekdays(weekdays: Iterable[int], reason: str) -> tuple[frozenset[int], str]:
    """Checks the working weekdays (ISO numbers, 1 = Monday ... 7 = Sunday); at least one."""
    problems: list[str] = []
    chosen = list(weekdays)
    wrong = [day for day in chosen if day not in WEEKDAYS]
    if wrong:
        problems.append(
            f"weekdays: {', '.join(map(str, wrong))} not a day of the week "
            "(1 = Monday ... 7 = Sunday)"
        )
    elif not chosen:
        problems.append("weekdays: at least one working day of the week is required")
    why = _reason(problems, reason, "why the working week changes")
    _raise_if_any(problems)
    return frozenset(chosen), why


@dataclass(frozen=True)
class HolidayDraft:
    """A validated non-working date."""

    day: date
    name: str
    reason: str


def parse_day(text: str) -> date | None:
    """An ISO date (YYYY-MM-DD), or None when `text` is not one."""
    text = text.strip()
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def validate_holiday(day: str, name: str, reason: str) -> HolidayDraft:
    """Checks a new non-working date: an ISO date, a name, a reason."""
    problems: list[str] = []
    parsed = parse_day(day)
    if not day.strip():
        problems.append("date: required (YYYY-MM-DD)")
    elif parsed is None:
        problems.append(f"date: {day.strip()!r} is not an ISO 8601 date (YYYY-MM-DD)")
    name = name.strip()
    if not name:
        problems.append("name: required (e.g. Fête du Travail)")
    elif len(name) > MAX_HOLIDAY_NAME:
        problems.append(f"name: at most {MAX_HOLIDAY_NAME} characters (got {len(name)})")
    why = _reason(problems, reason, "why the date is not worked")
    _raise_if_any(problems)
    assert parsed is not None
    return HolidayDraft(parsed, name, why)


def validate_holiday_removal(day: str, reason: str) -> tuple[date, str]:
    """Checks the removal of a non-working date."""
    problems: list[str] = []
    parsed = parse_day(day)
    if parsed is None:
        problems.append(f"date: {day.strip()!r} is not an ISO 8601 date (YYYY-MM-DD)")
    why = _reason(problems, reason, "why the date is worked after all")
    _raise_if_any(problems)
    assert parsed is not None
    return parsed, why
