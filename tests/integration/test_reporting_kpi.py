"""ReportingKpi over the real gRPC server and database (SQLite and PostgreSQL): the samples whose
current certificate does not conform, by the date of their first issue."""

from datetime import UTC, datetime

import grpc
from sqlalchemy.orm import Session

from kernel.db import Database
from lims.reporting.v1 import kpi_pb2, kpi_pb2_grpc
from services.reporting import main
from services.reporting.domain import Conformity
from services.reporting.models import Certificate
from tests.integration.test_intake_service import refused
from tests.integration.test_reporting_service import SETTINGS
from tests.support.grpc import serving


def certificate(lab: str, version: int, conclusion: Conformity, day: int) -> Certificate:
    return Certificate(
        report_number=f"R-{lab}-{version}",
        version=version,
        lab_number=lab,
        issued_at=datetime(2026, 3, day, 9, tzinfo=UTC),
        issued_by_username="approver",
        issued_by_full_name="Aicha Approver",
        issued_by_role="approver",
        conclusion=conclusion,
        content_json="{}",
        content_hash="0" * 64,
    )


def add(session: Session) -> None:
    good, bad = Conformity.CONFORMS, Conformity.DOES_NOT_CONFORM
    session.add_all(
        [
            certificate("L1", 1, bad, 2),  # does not conform
            certificate("L2", 1, bad, 3),  # amended: now conforms
            certificate("L2", 2, good, 20),
            certificate("L3", 1, good, 4),  # amended: now does not conform
            certificate("L3", 2, bad, 21),
            certificate("L4", 1, good, 5),
            certificate("L5", 1, bad, 31),  # first issued after the period
        ]
    )


async def test_non_conforming_lab_numbers_follow_the_current_version(database_url: str) -> None:
    db = Database(database_url)
    await main.setup(db, SETTINGS)
    try:
        await db.write_call(add)
        async with serving(main.register(db, SETTINGS), main.SERVICE_NAMES) as channel:
            stub = kpi_pb2_grpc.ReportingKpiStub(channel)
            found = await stub.ListNonConforming(
                kpi_pb2.ListNonConformingRequest(
                    since="2026-03-01T00:00:00Z", until="2026-03-31T00:00:00Z"
                )
            )
            message = await refused(
                stub.ListNonConforming(kpi_pb2.ListNonConformingRequest(since="yesterday")),
                grpc.StatusCode.INVALID_ARGUMENT,
            )
    finally:
        await db.dispose()
    assert list(found.lab_numbers) == ["L1", "L3"]
    assert message.startswith("since:")
