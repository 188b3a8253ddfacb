"""The KPI figures' pure arithmetic: the period and its month buckets in the lab's time zone,
percentiles from a day histogram, rates, the turnaround classes of the chart, days late.
No I/O; the services count, this module turns counts into figures."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

# The turnaround chart's classes, in whole days: (first day, last day or None for "and more").
TURNAROUND_CLASSES: tuple[tuple[int, int | None], ...] = (
    (0, 2),
    (3, 5),
    (6, 10),
    (11, 15),
    (16, 30),
    (31, 60),
    (61, None),
)
DEFAULT_MONTHS = 12
MAX_MONTHS = 120


class PeriodError(ValueError):
    """A period that cannot be counted; the message names the field."""


@dataclass(frozen=True)
class Period:
    """From the first to the last day, both included, in the lab's calendar."""

    first: date
    last: date

    def months(self) -> list[date]:
        """The first day of each calendar month the period touches, in order."""
        found, month = [], self.first.replace(day=1)
        while month <= self.last:
            found.append(month)
            month = next_month(month)
        return found


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def default_period(today: date, months: int = DEFAULT_MONTHS) -> Period:
    """The last `months` calendar months, this one included (up to today)."""
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return Period(first, today)


def year_period(year: int) -> Period:
    """A calendar year."""
    if not 2000 <= year <= 2999:
        raise PeriodError("year: between 2000 and 2999")
    return Period(date(year, 1, 1), date(year, 12, 31))


def checked_period(first: date | None, last: date | None, today: date) -> Period:
    """The period asked (either end may be left out: the default's), refused if backwards or
    longer than MAX_MONTHS months."""
    default = default_period(today)
    period = Period(first or default.first, last or default.last)
    if period.last < period.first:
        raise PeriodError("to: must not be before from")
    if len(period.months()) > MAX_MONTHS:
        raise PeriodError(f"from: the period may span at most {MAX_MONTHS} months")
    return period


def start_of(day: date, zone: tzinfo) -> datetime:
    """Midnight at the start of `day` in the lab's time zone, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def month_bounds(period: Period, zone: tzinfo) -> list[datetime]:
    """The buckets' bounds in UTC: the period's start, each later month's start, the period's end
    (midnight after its last day). A partial first or last month is a bucket of its own length."""
    bounds = [start_of(period.first, zone)]
    bounds += [start_of(month, zone) for month in period.months()[1:]]
    bounds.append(start_of(period.last + timedelta(days=1), zone))
    return bounds


def percentile(histogram: Sequence[tuple[int, int]], fraction: float) -> int | None:
    """The nearest-rank percentile of whole-day values given as (days, count): the smallest day
    count with at least `fraction` of the samples at or below it. None without samples."""
    total = sum(count for _days, count in histogram)
    if total == 0:
        return None
    # The epsilon keeps 0.9 * 10 from ceiling to 10 through floating-point noise.
    rank = max(1, math.ceil(fraction * total - 1e-9))
    seen = 0
    for days, count in sorted(histogram):
        seen += count
        if seen >= rank:
            return days
    return max(days for days, _count in histogram)


def rate(part: int, whole: int) -> float | None:
    """part / whole as a percentage rounded to one decimal; None when whole is 0."""
    if whole <= 0:
        return None
    return round(100 * part / whole, 1)


def class_label(first: int, last: int | None) -> str:
    """A turnaround class as the chart and the tables show it: '0-2', '61+'."""
    return f"{first}+" if last is None else f"{first}-{last}"


def classify(histogram: Sequence[tuple[int, int]]) -> list[int]:
    """Counts per TURNAROUND_CLASSES class."""
    counts = [0] * len(TURNAROUND_CLASSES)
    for days, count in histogram:
        for i, (first, last) in enumerate(TURNAROUND_CLASSES):
            if days >= first and (last is None or days <= last):
                counts[i] += count
                break
    return counts


def days_late(due: datetime, now: datetime) -> float:
    """How late, in days to one decimal (0 when not late)."""
    return max(0.0, round((now - due).total_seconds() / 86_400, 1))
