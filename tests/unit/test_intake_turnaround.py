"""Turnaround targets and the lab calendar without I/O: what an admin may set, and the
working-day arithmetic (examples, then properties that hold for every date and target)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.errors import InvalidArgument
from services.intake.domain import Priority, Purpose
from services.intake.turnaround import (
    Basis,
    Target,
    WorkingCalendar,
    default_targets,
    due_after,
    format_weekdays,
    parse_weekdays,
    target_duration,
    validate_holiday,
    validate_holiday_removal,
    validate_target_change,
    validate_weekdays,
    working_days_after,
)

CASABLANCA = ZoneInfo("Africa/Casablanca")
MONDAY_TO_FRIDAY = WorkingCalendar()
EVERY_DAY = WorkingCalendar(frozenset(range(1, 8)))
LABOUR_DAY = date(2026, 5, 1)  # a Friday


def test_the_defaults_are_design_section_5_in_calendar_days() -> None:
    targets = default_targets()

    assert len(targets) == 10
    assert targets[(Purpose.SUSPECTED_FALSIFIED, Priority.ROUTINE)] == Target(3)
    assert targets[(Purpose.REGISTRATION, Priority.ROUTINE)] == Target(60)
    assert targets[(Purpose.BATCH_RELEASE, Priority.URGENT)] == Target(8)
    assert {t.basis for t in targets.values()} == {Basis.CALENDAR_DAYS}


def test_a_target_says_how_it_counts() -> None:
    assert Target(10, Basis.WORKING_DAYS).describe() == "10 working days"
    assert Target(1, Basis.WORKING_DAYS).describe() == "1 working day"
    assert Target(30).describe() == "30 days"


def test_working_days_skip_weekends_and_holidays() -> None:
    thursday = date(2026, 4, 30)
    calendar = WorkingCalendar(holidays=frozenset({LABOUR_DAY}))

    # Friday 1 May is a holiday, then the weekend: the first working day is Monday 4 May.
    assert working_days_after(thursday, 1, calendar) == date(2026, 5, 4)
    assert working_days_after(thursday, 1, MONDAY_TO_FRIDAY) == LABOUR_DAY
    assert working_days_after(date(2026, 5, 4), 5, MONDAY_TO_FRIDAY) == date(2026, 5, 11)


def test_ten_working_days_from_a_monday_are_fourteen_calendar_days() -> None:
    received = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday, 10:30 in Casablanca

    due = due_after(received, Target(10, Basis.WORKING_DAYS), MONDAY_TO_FRIDAY, CASABLANCA)

    assert due == datetime(2026, 3, 16, 9, 30, tzinfo=UTC)  # same time, two weeks later


def test_a_sample_received_on_saturday_counts_from_monday() -> None:
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)

    duration = target_duration(saturday, Target(1, Basis.WORKING_DAYS), MONDAY_TO_FRIDAY, UTC)

    assert duration == timedelta(days=2)  # due Monday 10:00


def test_working_days_are_the_labs_local_dates() -> None:
    # Friday 23:30 UTC is already Saturday 00:30 in Casablanca (UTC+1 outside Ramadan).
    late_friday = datetime(2026, 6, 5, 23, 30, tzinfo=UTC)
    target = Target(1, Basis.WORKING_DAYS)

    assert target_duration(late_friday, target, MONDAY_TO_FRIDAY, UTC) == timedelta(days=3)
    assert target_duration(late_friday, target, MONDAY_TO_FRIDAY, CASABLANCA) == timedelta(days=2)


def test_calendar_days_ignore_the_calendar() -> None:
    received = datetime(2026, 4, 30, 8, 0, tzinfo=UTC)
    closed = WorkingCalendar(frozenset({1}), frozenset({LABOUR_DAY}))

    assert due_after(received, Target(3), closed, CASABLANCA) == received + timedelta(days=3)


def test_weekdays_are_stored_as_iso_numbers() -> None:
    assert format_weekdays([5, 1, 3, 3]) == "1,3,5"
    assert parse_weekdays("1,2,3,4,5") == frozenset({1, 2, 3, 4, 5})


def test_a_valid_target_change() -> None:
    change = validate_target_change("complaint", "urgent", 4, "working_days", " new SOP ")

    assert (change.purpose, change.priority) == (Purpose.COMPLAINT, Priority.URGENT)
    assert change.target == Target(4, Basis.WORKING_DAYS)
    assert change.reason == "new SOP"
    assert validate_target_change("complaint", "routine", 9, "", "x").target.basis is (
        Basis.CALENDAR_DAYS
    )


@pytest.mark.parametrize("days", [0, -3, 366])
def test_days_must_be_a_positive_whole_number_up_to_365(days: int) -> None:
    with pytest.raises(InvalidArgument) as refused:
        validate_target_change("complaint", "routine", days, "calendar_days", "why")

    assert refused.value.message == (
        f"days: must be a whole number of days from 1 to 365 (got {days})"
    )


def test_a_target_change_names_every_wrong_field() -> None:
    with pytest.raises(InvalidArgument) as refused:
        validate_target_change("cosmetics", "", 10, "fortnights", " ")

    assert refused.value.message == (
        "purpose: unknown value 'cosmetics' (one of registration, batch_release, "
        "market_surveillance, complaint, suspected_falsified); "
        "priority: required (one of routine, urgent); "
        "basis: unknown value 'fortnights' (one of calendar_days, working_days); "
        "reason: required (why the target changes)"
    )


def test_the_working_week_needs_a_real_day_and_a_reason() -> None:
    assert validate_weekdays([1, 2, 3, 4, 5, 6], "Saturday shift") == (
        frozenset(range(1, 7)),
        "Saturday shift",
    )
    with pytest.raises(InvalidArgument, match=r"^weekdays: at least one working day"):
        validate_weekdays([], "closed")
    with pytest.raises(InvalidArgument) as refused:
        validate_weekdays([0, 8], "")
    assert refused.value.message == (
        "weekdays: 0, 8 not a day of the week (1 = Monday ... 7 = Sunday); "
        "reason: required (why the working week changes)"
    )


def test_a_holiday_needs_an_iso_date_a_name_and_a_reason() -> None:
    holiday = validate_holiday("2026-05-01", " Fête du Travail ", "national calendar")
    assert (holiday.day, holiday.name) == (LABOUR_DAY, "Fête du Travail")

    with pytest.raises(InvalidArgument) as refused:
        validate_holiday("01/05/2026", "", "")
    assert refused.value.message == (
        "date: '01/05/2026' is not an ISO 8601 date (YYYY-MM-DD); "
        "name: required (e.g. Fête du Travail); reason: required (why the date is not worked)"
    )
    with pytest.raises(InvalidArgument, match=r"^date: required"):
        validate_holiday(" ", "x", "y")
    with pytest.raises(InvalidArgument, match=r"^reason: required"):
        validate_holiday_removal("2026-05-01", "")


# --- properties ---------------------------------------------------------------------------------

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
weekday_sets = st.frozensets(st.integers(min_value=1, max_value=7), min_size=1)
calendars = st.builds(
    WorkingCalendar,
    weekday_sets,
    st.frozensets(st.dates(min_value=date(2000, 1, 1), max_value=date(2101, 12, 31)), max_size=30),
)
counts = st.integers(min_value=1, max_value=365)


@given(days, counts)
def test_with_every_day_worked_working_days_are_calendar_days(start: date, n: int) -> None:
    assert working_days_after(start, n, EVERY_DAY) == start + timedelta(days=n)


@given(days, counts, calendars)
def test_the_due_day_is_the_nth_working_day_after_the_start(
    start: date, n: int, calendar: WorkingCalendar
) -> None:
    due = working_days_after(start, n, calendar)

    assert due > start
    assert calendar.is_working(due)
    between = (start + timedelta(days=i) for i in range(1, (due - start).days + 1))
    assert sum(calendar.is_working(day) for day in between) == n


@given(days, counts, calendars)
def test_one_more_working_day_is_always_later(
    start: date, n: int, calendar: WorkingCalendar
) -> None:
    assert working_days_after(start, n + 1, calendar) > working_days_after(start, n, calendar)


@given(days, counts, calendars, days)
def test_a_new_holiday_never_brings_the_due_day_earlier(
    start: date, n: int, calendar: WorkingCalendar, holiday: date
) -> None:
    more = WorkingCalendar(calendar.working_weekdays, calendar.holidays | {holiday})

    assert working_days_after(start, n, more) >= working_days_after(start, n, calendar)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)), counts)
def test_the_due_instant_keeps_the_time_of_day_and_is_whole_days_away(
    moment: datetime, n: int
) -> None:
    received = moment.replace(tzinfo=UTC)

    duration = target_duration(received, Target(n, Basis.WORKING_DAYS), MONDAY_TO_FRIDAY, UTC)

    assert duration.seconds == duration.microseconds == 0
    # Five working days a week: at least n days, at most n + two weekend days per week started.
    assert n <= duration.days <= n + 2 * (n // 5 + 1)
