"""The KPI figures' queries: each one GROUP BY or one pass of conditional sums over the samples,
so a figure costs the same whether the period holds a hundred samples or a hundred thousand."""

import itertools
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, select
from sqlalchemy.orm import Session

from kernel.lifecycle import SampleStatus
from services.intake.domain import NOT_OVERDUE, Purpose
from services.intake.models import Sample

SECONDS_PER_DAY = 86_400

# The stages of the backlog, in the order of the lifecycle.
BACKLOG_STAGES = (
    SampleStatus.REGISTERED,
    SampleStatus.RECEIVED,
    SampleStatus.IN_TESTING,
    SampleStatus.IN_REVIEW,
    SampleStatus.AWAITING_APPROVAL,
    SampleStatus.ON_HOLD,
)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _purpose(purpose: Purpose | None) -> list[ColumnElement[bool]]:
    return [] if purpose is None else [Sample.purpose == purpose]


def bucket_counts(
    session: Session, bounds: Sequence[datetime], purpose: Purpose | None
) -> list[tuple[int, int]]:
    """(received, released) per bucket [bounds[i], bounds[i+1]): one query of conditional sums."""
    pairs = list(itertools.pairwise(bounds))
    columns: list[ColumnElement[int]] = []
    for start, end in pairs:
        columns.append(_count_if(and_(Sample.received_at >= start, Sample.received_at < end)))
        columns.append(_count_if(and_(Sample.released_at >= start, Sample.released_at < end)))
    first, last = bounds[0], bounds[-1]
    in_period = (Sample.received_at >= first) & (Sample.received_at < last) | (
        Sample.released_at >= first
    ) & (Sample.released_at < last)
    row = session.execute(select(*columns).where(in_period, *_purpose(purpose))).one()
    values = [int(value or 0) for value in row]
    return [(values[2 * i], values[2 * i + 1]) for i in range(len(pairs))]


def _among(lab_numbers: Sequence[str]) -> ColumnElement[bool]:
    # An empty IN is valid SQL for SQLAlchemy, but says "none" more plainly as a false test.
    return Sample.lab_number.in_(lab_numbers) if lab_numbers else Sample.id < 0


def _released_in(first: datetime, last: datetime) -> ColumnElement[bool]:
    return and_(Sample.released_at >= first, Sample.released_at < last)


def turnaround_histogram(
    session: Session, first: datetime, last: datetime, purpose: Purpose | None
) -> list[tuple[Purpose, int, int, int]]:
    """(purpose, whole days, released, within target) for the samples released in the period."""
    days = cast(Sample.turnaround_seconds / SECONDS_PER_DAY, Integer).label("days")
    within = and_(
        Sample.sla_target_seconds > 0, Sample.turnaround_seconds <= Sample.sla_target_seconds
    )
    rows = session.execute(
        select(Sample.purpose, days, func.count(), _count_if(within))
        .where(
            _released_in(first, last), Sample.turnaround_seconds.is_not(None), *_purpose(purpose)
        )
        .group_by(Sample.purpose, days)
        .order_by(Sample.purpose, days)
    ).all()
    return [(Purpose(p), int(d), int(n), int(w)) for p, d, n, w in rows]


def backlog(session: Session, purpose: Purpose | None) -> dict[SampleStatus, int]:
    """Samples per active stage now."""
    rows = session.execute(
        select(Sample.status, func.count())
        .where(Sample.status.in_(BACKLOG_STAGES), *_purpose(purpose))
        .group_by(Sample.status)
    ).all()
    found = {SampleStatus(status): int(count) for status, count in rows}
    return {stage: found.get(stage, 0) for stage in BACKLOG_STAGES}


def conformity_by(
    session: Session,
    group: str,
    first: datetime,
    last: datetime,
    purpose: Purpose | None,
    non_conforming: Sequence[str],
) -> list[tuple[str, str, int, int]]:
    """(key, label, released, non-conforming) per product or manufacturer, most released first."""
    bad_count = _count_if(_among(non_conforming))
    if group == "product":
        key, label = Sample.product_code, func.max(Sample.product_name)
    else:
        key, label = Sample.manufacturer, func.max(Sample.manufacturer)
    rows = session.execute(
        select(key, label, func.count(), bad_count)
        .where(_released_in(first, last), *_purpose(purpose))
        .group_by(key)
        .order_by(func.count().desc(), key)
    ).all()
    return [(str(k), str(lbl), int(n), int(b)) for k, lbl, n, b in rows]


def outcome_by_purpose(
    session: Session,
    first: datetime,
    last: datetime,
    purpose: Purpose | None,
    non_conforming: Sequence[str],
) -> list[tuple[Purpose, list[int]]]:
    """Per purpose: registered, received, rejected, released, non-conforming, in progress and
    cancelled in the period (registered ones by creation, the others by their own date)."""
    registered = and_(Sample.created_at >= first, Sample.created_at < last)
    received = and_(Sample.received_at >= first, Sample.received_at < last)
    released = _released_in(first, last)
    bad = and_(released, _among(non_conforming))
    finished = (SampleStatus.RELEASED, SampleStatus.REJECTED, SampleStatus.CANCELLED)
    rows = session.execute(
        select(
            Sample.purpose,
            _count_if(registered),
            _count_if(received),
            _count_if(and_(registered, Sample.status == SampleStatus.REJECTED)),
            _count_if(released),
            _count_if(bad),
            _count_if(and_(registered, Sample.status.not_in(finished))),
            _count_if(and_(registered, Sample.status == SampleStatus.CANCELLED)),
        )
        .where(registered | received | released, *_purpose(purpose))
        .group_by(Sample.purpose)
        .order_by(Sample.purpose)
    ).all()
    return [(Purpose(row[0]), [int(value) for value in row[1:]]) for row in rows]


def _overdue(now: datetime, purpose: Purpose | None) -> list[ColumnElement[bool]]:
    return [Sample.sla_due_at < now, Sample.status.not_in(sorted(NOT_OVERDUE)), *_purpose(purpose)]


def overdue(
    session: Session, now: datetime, purpose: Purpose | None, limit: int
) -> tuple[list[Sample], int]:
    """Samples past due and not finished, most late first (the sla_due_at index), and how many."""
    conditions = _overdue(now, purpose)
    total = session.scalar(select(func.count()).select_from(Sample).where(*conditions)) or 0
    rows = session.scalars(
        select(Sample).where(*conditions).order_by(Sample.sla_due_at.asc(), Sample.id).limit(limit)
    )
    return list(rows), int(total)
