"""Turnaround (SLA) arithmetic of DESIGN §5: pure, no I/O, no clock of its own.

The clock starts at receipt and counts only active time: time on hold does not count. A mark
(warning at 80 %, breach at 100 % of the target) falls when the active time reaches its share
of the target, so every hold that starts before a mark pushes it later by the hold's length.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum


class Mark(StrEnum):
    """The marks of the turnaround clock, in the order they fall."""

    WARNING = "warning"
    BREACH = "breach"


# Share of the target at which each mark falls, as a fraction (numerator, denominator):
# integer arithmetic keeps the mark times exact to the microsecond.
_SHARE: dict[Mark, tuple[int, int]] = {Mark.WARNING: (4, 5), Mark.BREACH: (1, 1)}


@dataclass(frozen=True)
class Hold:
    """A time on hold; `end` is None while the hold is still open."""

    start: datetime
    end: datetime | None = None

    def length(self, now: datetime) -> timedelta:
        """How long the hold has lasted by `now` (an open hold runs until now)."""
        end = self.end if self.end is not None else now
        return max(min(end, now) - self.start, timedelta(0))


@dataclass(frozen=True)
class SlaClock:
    """A turnaround clock: when it started, its target, and the holds so far (oldest first)."""

    started_at: datetime
    target: timedelta
    holds: tuple[Hold, ...] = field(default=())

    @property
    def on_hold(self) -> bool:
        """Whether the clock is stopped now."""
        return bool(self.holds) and self.holds[-1].end is None

    def hold(self, at: datetime) -> "SlaClock":
        """The clock stopped at `at`. Raises ValueError if it is already stopped."""
        if self.on_hold:
            raise ValueError("the clock is already on hold")
        return replace(self, holds=(*self.holds, Hold(start=max(at, self.started_at))))

    def resume(self, at: datetime) -> "SlaClock":
        """The clock running again from `at`. Raises ValueError if it is not stopped."""
        if not self.on_hold:
            raise ValueError("the clock is not on hold")
        last = self.holds[-1]
        return replace(self, holds=(*self.holds[:-1], Hold(last.start, max(at, last.start))))

    def held(self, now: datetime) -> timedelta:
        """Total time on hold by `now`, the open hold included."""
        return sum((h.length(now) for h in self.holds), timedelta(0))

    def elapsed(self, now: datetime) -> timedelta:
        """Active time by `now`: time since the start minus time on hold."""
        return max(now - self.started_at - self.held(now), timedelta(0))

    def time_of(self, active: timedelta) -> datetime | None:
        """When the active time reaches `active`; None if an open hold stops it before then."""
        at = self.started_at + active
        for hold in self.holds:
            if hold.start >= at:
                break  # holds are in order: this one and the later ones start after the moment
            if hold.end is None:
                return None
            at += hold.end - hold.start
        return at

    def mark_at(self, mark: Mark) -> datetime | None:
        """When `mark` falls given the holds so far; None while an open hold stops it first."""
        numerator, denominator = _SHARE[mark]
        return self.time_of(self.target * numerator / denominator)

    def due_at(self, now: datetime) -> datetime:
        """The due time in force at `now`: start + target + time held before it falls.

        While on hold (before the breach) the due time moves with `now`: it is the due time if
        the sample were resumed at `now`."""
        due = self.mark_at(Mark.BREACH)
        if due is not None:
            return due
        return self.started_at + self.target + self.held(now)

    def next_mark(self, fired: frozenset[Mark]) -> tuple[Mark, datetime] | None:
        """The first mark not yet fired and when it falls; None when all fired or the clock is
        stopped before the next one. The time may be in the past: the caller fires it at once."""
        for mark in Mark:
            if mark in fired:
                continue
            at = self.mark_at(mark)
            return None if at is None else (mark, at)
        return None


def mark_label(mark: Mark, target_days: int, working_days: bool = False) -> str:
    """How an operator reads a mark, e.g. 'SLA warning (80 % of 30 days)' or
    'SLA breach (10 working days)'."""
    unit = "working days" if working_days else "days"
    if mark is Mark.BREACH:
        return f"SLA breach ({target_days} {unit})"
    numerator, denominator = _SHARE[mark]
    return f"SLA {mark.value} ({100 * numerator // denominator} % of {target_days} {unit})"
