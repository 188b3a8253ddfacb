"""The turnaround clock: marks at 80 % and 100 % of active time, holds push them later."""

from datetime import UTC, datetime, timedelta

import pytest

from workflows.sla import Hold, Mark, SlaClock, mark_label

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    """The moment `n` days after START."""
    return START + timedelta(days=n)


def clock(target_days: int = 30, *holds: tuple[float, float | None]) -> SlaClock:
    """A clock started at START with holds given as (start day, end day or None)."""
    return SlaClock(
        started_at=START,
        target=timedelta(days=target_days),
        holds=tuple(Hold(day(a), None if b is None else day(b)) for a, b in holds),
    )


def test_without_holds_warning_falls_at_80_percent_and_breach_at_the_target() -> None:
    c = clock(30)
    assert c.mark_at(Mark.WARNING) == day(24)
    assert c.mark_at(Mark.BREACH) == day(30)
    assert c.due_at(day(1)) == day(30)


def test_a_three_day_target_warns_at_a_fraction_of_a_day_exactly() -> None:
    c = clock(3)
    assert c.mark_at(Mark.WARNING) == START + timedelta(days=2, hours=9, minutes=36)


def test_elapsed_counts_only_active_time() -> None:
    c = clock(30, (5, 8))
    assert c.elapsed(day(4)) == timedelta(days=4)
    assert c.elapsed(day(6)) == timedelta(days=5)
    assert c.elapsed(day(10)) == timedelta(days=7)
    assert c.held(day(10)) == timedelta(days=3)


def test_a_hold_before_the_warning_pushes_both_marks_by_its_length() -> None:
    c = clock(30, (10, 15))
    assert c.mark_at(Mark.WARNING) == day(29)
    assert c.mark_at(Mark.BREACH) == day(35)
    assert c.due_at(day(20)) == day(35)


def test_several_holds_add_up() -> None:
    c = clock(30, (2, 3), (10, 12.5), (20, 21))
    assert c.held(day(40)) == timedelta(days=4.5)
    assert c.mark_at(Mark.WARNING) == day(28.5)
    assert c.mark_at(Mark.BREACH) == day(34.5)


def test_a_hold_straddling_the_warning_moves_the_warning_to_the_end_of_the_hold_plus_the_rest() -> (
    None
):
    # 22 active days before the hold, 2 more needed after it: the warning falls 2 days after resume.
    c = clock(30, (22, 27))
    assert c.mark_at(Mark.WARNING) == day(29)
    assert c.mark_at(Mark.BREACH) == day(35)


def test_a_hold_after_the_warning_moves_only_the_breach() -> None:
    c = clock(30, (25, 27))
    assert c.mark_at(Mark.WARNING) == day(24)
    assert c.mark_at(Mark.BREACH) == day(32)


def test_a_hold_after_the_breach_does_not_move_the_due_time() -> None:
    c = clock(30, (31, 33))
    assert c.mark_at(Mark.BREACH) == day(30)
    assert c.due_at(day(40)) == day(30)


def test_an_open_hold_stops_the_marks_that_fall_after_it() -> None:
    c = clock(30, (10, None))
    assert c.on_hold
    assert c.mark_at(Mark.WARNING) is None
    assert c.next_mark(frozenset()) is None


def test_while_on_hold_the_due_time_is_the_due_time_if_resumed_now() -> None:
    c = clock(30, (10, None))
    assert c.due_at(day(12)) == day(32)
    assert c.due_at(day(14)) == day(34)
    assert c.elapsed(day(14)) == timedelta(days=10)


def test_an_open_hold_after_the_warning_still_lets_the_warning_be_known() -> None:
    c = clock(30, (25, None))
    assert c.mark_at(Mark.WARNING) == day(24)
    assert c.mark_at(Mark.BREACH) is None


def test_hold_then_resume_builds_the_intervals() -> None:
    c = clock(30).hold(day(3)).resume(day(5)).hold(day(9))
    assert c.holds == (Hold(day(3), day(5)), Hold(day(9), None))
    c = c.resume(day(10))
    assert not c.on_hold
    assert c.mark_at(Mark.BREACH) == day(33)


def test_hold_twice_or_resume_without_a_hold_is_refused() -> None:
    with pytest.raises(ValueError, match="already on hold"):
        clock(30).hold(day(1)).hold(day(2))
    with pytest.raises(ValueError, match="not on hold"):
        clock(30).resume(day(1))


def test_next_mark_is_the_first_not_yet_fired() -> None:
    c = clock(30, (1, 2))
    assert c.next_mark(frozenset()) == (Mark.WARNING, day(25))
    assert c.next_mark(frozenset({Mark.WARNING})) == (Mark.BREACH, day(31))
    assert c.next_mark(frozenset({Mark.WARNING, Mark.BREACH})) is None


def test_next_mark_may_lie_in_the_past_so_the_caller_fires_it_at_once() -> None:
    c = clock(3)
    mark = c.next_mark(frozenset())
    assert mark is not None and mark[1] < day(10)


def test_marks_read_as_operators_expect() -> None:
    assert mark_label(Mark.WARNING, 30) == "SLA warning (80 % of 30 days)"
    assert mark_label(Mark.BREACH, 30) == "SLA breach (30 days)"
    assert mark_label(Mark.BREACH, 10, working_days=True) == "SLA breach (10 working days)"
