"""IntakeKpi over gRPC: the dashboard's and the yearly summary's figures from intake's samples.

Read-only; each call is a few aggregate queries (kpi_repository.py), run in a worker thread
whatever the database, since a year of a busy lab is worth not stalling the other calls for."""

import asyncio
import itertools
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import grpc
from sqlalchemy.orm import Session

from kernel.db import Database
from kernel.errors import InvalidArgument
from kernel.proto_enums import str_to_enum
from kernel.timefmt import from_rfc3339, to_rfc3339, utcnow
from lims.common.v1 import common_pb2
from lims.intake.v1 import kpi_pb2, kpi_pb2_grpc
from services.intake import kpi_repository
from services.intake.domain import Purpose
from services.intake.wire import enum_text

R = TypeVar("R")
T = TypeVar("T")

MAX_BUCKETS = 120
DEFAULT_OVERDUE = 200
MAX_OVERDUE = 1000
_GROUPS = ("product", "manufacturer")


def _time(field: str, text: str) -> datetime:
    try:
        value = from_rfc3339(text)
    except ValueError:
        value = None
    if value is None:
        raise InvalidArgument(
            f"{field}: an RFC 3339 time with its offset is required, not {text!r}"
        )
    return value


def bounds(texts: list[str]) -> list[datetime]:
    """The bucket bounds, checked: 2 to MAX_BUCKETS + 1 of them, strictly ascending."""
    if not 2 <= len(texts) <= MAX_BUCKETS + 1:
        raise InvalidArgument(f"bucket_bounds: between 2 and {MAX_BUCKETS + 1} times are needed")
    values = [_time(f"bucket_bounds[{i}]", text) for i, text in enumerate(texts)]
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise InvalidArgument("bucket_bounds: the times must be strictly ascending")
    return values


def _purpose(number: int) -> Purpose | None:
    text = enum_text(common_pb2.Purpose, number, "purpose")
    return Purpose(text) if text else None


def _status(value: str) -> "common_pb2.SampleStatus.ValueType":
    return str_to_enum(common_pb2.SampleStatus, value)


def sample_figures(
    session: Session, request: kpi_pb2.GetSampleFiguresRequest
) -> kpi_pb2.SampleFigures:
    """GetSampleFigures."""
    edges = bounds(list(request.bucket_bounds))
    purpose = _purpose(request.purpose)
    bad = sorted(set(request.non_conforming_lab_numbers))
    first, last = edges[0], edges[-1]
    figures = kpi_pb2.SampleFigures()
    for start, (received, released) in zip(
        edges, kpi_repository.bucket_counts(session, edges, purpose), strict=False
    ):
        figures.buckets.add(start=to_rfc3339(start), received=received, released=released)
    by_purpose: dict[Purpose, kpi_pb2.PurposeTurnaround] = {}
    for key, days, count, within in kpi_repository.turnaround_histogram(
        session, first, last, purpose
    ):
        line = by_purpose.get(key)
        if line is None:
            line = by_purpose[key] = figures.turnaround.add(
                purpose=str_to_enum(common_pb2.Purpose, key.value)
            )
        line.released += count
        line.within_target += within
        line.histogram.add(days=days, count=count)
    for status, count in kpi_repository.backlog(session, purpose).items():
        figures.backlog.add(status=_status(status.value), count=count)
    for group, target in zip(_GROUPS, (figures.by_product, figures.by_manufacturer), strict=True):
        for key_text, label, released, non_conforming in kpi_repository.conformity_by(
            session, group, first, last, purpose, bad
        ):
            target.add(key=key_text, label=label, released=released, non_conforming=non_conforming)
    for key, values in kpi_repository.outcome_by_purpose(session, first, last, purpose, bad):
        registered, received, rejected, released, non_conforming, in_progress, cancelled = values
        figures.by_purpose.add(
            purpose=str_to_enum(common_pb2.Purpose, key.value),
            registered=registered,
            received=received,
            rejected=rejected,
            released=released,
            conforming=released - non_conforming,
            non_conforming=non_conforming,
            in_progress=in_progress,
            cancelled=cancelled,
        )
    return figures


def list_overdue(
    session: Session, request: kpi_pb2.ListOverdueRequest
) -> kpi_pb2.ListOverdueResponse:
    """ListOverdue."""
    now = _time("now", request.now) if request.now else utcnow()
    limit = request.limit or DEFAULT_OVERDUE
    if not 1 <= limit <= MAX_OVERDUE:
        raise InvalidArgument(f"limit: between 1 and {MAX_OVERDUE}")
    samples, total = kpi_repository.overdue(session, now, _purpose(request.purpose), limit)
    return kpi_pb2.ListOverdueResponse(
        samples=[
            kpi_pb2.OverdueSample(
                lab_number=sample.lab_number,
                product_name=sample.product_name,
                purpose=str_to_enum(common_pb2.Purpose, sample.purpose.value),
                due_at=to_rfc3339(sample.sla_due_at),
                status=_status(sample.status.value),
            )
            for sample in samples
        ],
        total=total,
    )


class IntakeKpiServicer(kpi_pb2_grpc.IntakeKpiServicer):
    """The KPI figures, each call in one read-only transaction in a worker thread."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def _read(self, fn: Callable[[Session, R], T], request: R) -> T:
        def call() -> T:
            with self._db.read() as session:
                return fn(session, request)

        return await asyncio.to_thread(call)

    async def GetSampleFigures(
        self, request: kpi_pb2.GetSampleFiguresRequest, context: grpc.aio.ServicerContext
    ) -> kpi_pb2.SampleFigures:
        """Counts per bucket, turnaround per purpose, backlog, conformity per group."""
        return await self._read(sample_figures, request)

    async def ListOverdue(
        self, request: kpi_pb2.ListOverdueRequest, context: grpc.aio.ServicerContext
    ) -> kpi_pb2.ListOverdueResponse:
        """Samples past due, most late first."""
        return await self._read(list_overdue, request)
