"""ReportingKpi over gRPC: which samples' current certificate does not conform. Intake counts
the released samples per product, manufacturer and purpose; only this short list of lab numbers
crosses over (reporting owns the conclusion, intake the product and the manufacturer)."""

import asyncio
from datetime import datetime

import grpc
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from kernel.db import Database
from kernel.errors import InvalidArgument
from kernel.timefmt import from_rfc3339
from lims.reporting.v1 import kpi_pb2, kpi_pb2_grpc
from services.reporting.domain import Conformity
from services.reporting.models import Certificate


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


def non_conforming(session: Session, since: datetime, until: datetime) -> list[str]:
    """Lab numbers whose newest certificate does not conform and whose first was issued in
    [since, until): an amendment that changes the conclusion counts, at the first issue's date."""
    first = aliased(Certificate)
    newest = (
        select(Certificate.lab_number, func.max(Certificate.version).label("version"))
        .group_by(Certificate.lab_number)
        .subquery()
    )
    rows = session.scalars(
        select(Certificate.lab_number)
        .join(
            newest,
            (newest.c.lab_number == Certificate.lab_number)
            & (newest.c.version == Certificate.version),
        )
        .join(first, (first.lab_number == Certificate.lab_number) & (first.version == 1))
        .where(
            Certificate.conclusion == Conformity.DOES_NOT_CONFORM,
            first.issued_at >= since,
            first.issued_at < until,
        )
        .order_by(Certificate.lab_number)
    )
    return list(rows)


def list_non_conforming(
    session: Session, request: kpi_pb2.ListNonConformingRequest
) -> kpi_pb2.ListNonConformingResponse:
    """ListNonConforming."""
    since, until = _time("since", request.since), _time("until", request.until)
    if until <= since:
        raise InvalidArgument("until: must be after since")
    return kpi_pb2.ListNonConformingResponse(lab_numbers=non_conforming(session, since, until))


class ReportingKpiServicer(kpi_pb2_grpc.ReportingKpiServicer):
    """The certificates' side of the KPI figures, read-only, in a worker thread."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def ListNonConforming(
        self, request: kpi_pb2.ListNonConformingRequest, context: grpc.aio.ServicerContext
    ) -> kpi_pb2.ListNonConformingResponse:
        """Samples whose current certificate does not conform, first issued in the period."""

        def call() -> kpi_pb2.ListNonConformingResponse:
            with self._db.read() as session:
                return list_non_conforming(session, request)

        return await asyncio.to_thread(call)
