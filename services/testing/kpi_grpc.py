"""TestingKpi over gRPC: results submitted and OOS investigations per period bucket, for the
dashboard's OOS rate. One query of conditional sums per table, in a worker thread."""

import asyncio
import itertools
from collections.abc import Sequence
from datetime import datetime

import grpc
from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from kernel.db import Database
from kernel.errors import InvalidArgument
from kernel.timefmt import from_rfc3339, to_rfc3339
from lims.testing.v1 import kpi_pb2, kpi_pb2_grpc
from services.testing.investigation import Outcome
from services.testing.models import Investigation, Result

MAX_BUCKETS = 120


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def bounds(texts: Sequence[str]) -> list[datetime]:
    """The bucket bounds, checked: 2 to MAX_BUCKETS + 1 of them, strictly ascending."""
    if not 2 <= len(texts) <= MAX_BUCKETS + 1:
        raise InvalidArgument(f"bucket_bounds: between 2 and {MAX_BUCKETS + 1} times are needed")
    values: list[datetime] = []
    for i, text in enumerate(texts):
        try:
            value = from_rfc3339(text)
        except ValueError:
            value = None
        if value is None:
            raise InvalidArgument(f"bucket_bounds[{i}]: an RFC 3339 time is required, not {text!r}")
        values.append(value)
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise InvalidArgument("bucket_bounds: the times must be strictly ascending")
    return values


def oos_figures(session: Session, request: kpi_pb2.GetOosFiguresRequest) -> kpi_pb2.OosFigures:
    """GetOosFigures."""
    edges = bounds(request.bucket_bounds)
    pairs = list(itertools.pairwise(edges))
    first, last = edges[0], edges[-1]
    submitted = session.execute(
        select(
            *(_count_if(and_(Result.submitted_at >= a, Result.submitted_at < b)) for a, b in pairs)
        ).where(Result.submitted_at >= first, Result.submitted_at < last)
    ).one()
    columns: list[ColumnElement[int]] = []
    for a, b in pairs:
        opened = and_(Investigation.opened_at >= a, Investigation.opened_at < b)
        columns.append(_count_if(opened))
        columns.append(_count_if(and_(opened, Investigation.outcome == Outcome.CONFIRMED.value)))
        columns.append(_count_if(and_(opened, Investigation.outcome == Outcome.INVALIDATED.value)))
    investigated = session.execute(
        select(*columns).where(Investigation.opened_at >= first, Investigation.opened_at < last)
    ).one()
    return kpi_pb2.OosFigures(
        buckets=[
            kpi_pb2.OosBucket(
                start=to_rfc3339(start),
                results=int(submitted[i] or 0),
                opened=int(investigated[3 * i] or 0),
                confirmed=int(investigated[3 * i + 1] or 0),
                invalidated=int(investigated[3 * i + 2] or 0),
            )
            for i, (start, _end) in enumerate(pairs)
        ]
    )


class TestingKpiServicer(kpi_pb2_grpc.TestingKpiServicer):
    """The OOS figures, in one read-only transaction in a worker thread."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def GetOosFigures(
        self, request: kpi_pb2.GetOosFiguresRequest, context: grpc.aio.ServicerContext
    ) -> kpi_pb2.OosFigures:
        """Results submitted and investigations opened, confirmed, invalidated per bucket."""

        def call() -> kpi_pb2.OosFigures:
            with self._db.read() as session:
                return oos_figures(session, request)

        return await asyncio.to_thread(call)
