"""The intake service process: migrations, gRPC server, health, graceful shutdown."""

import asyncio
from collections.abc import Callable
from zoneinfo import ZoneInfo

import grpc

from kernel import audit_service, migrations
from kernel.db import Database
from kernel.grpc_server import configure_logging, exit_after_shutdown, serve
from kernel.settings import Settings, get_settings
from lims.intake.v1 import (
    corrections_pb2,
    corrections_pb2_grpc,
    intake_pb2,
    intake_pb2_grpc,
    kpi_pb2,
    kpi_pb2_grpc,
)
from services.intake import demo
from services.intake.corrections_grpc import SampleCorrectionsServicer
from services.intake.grpc_server import IntakeServicer
from services.intake.kpi_grpc import IntakeKpiServicer
from services.intake.models import AuditEntry, AuditHead
from services.intake.service import Numbering

SERVICE_NAMES: list[str] = [
    intake_pb2.DESCRIPTOR.services_by_name["IntakeService"].full_name,
    kpi_pb2.DESCRIPTOR.services_by_name["IntakeKpi"].full_name,
    corrections_pb2.DESCRIPTOR.services_by_name["SampleCorrections"].full_name,
    audit_service.SERVICE_NAME,
]


def register(db: Database, settings: Settings) -> Callable[[grpc.aio.Server], None]:
    """A function adding the IntakeService servicer and its chain's AuditTrail to a server."""
    numbering = Numbering(settings.lab_number_prefix, ZoneInfo(settings.timezone))

    def add(server: grpc.aio.Server) -> None:
        intake_pb2_grpc.add_IntakeServiceServicer_to_server(
            IntakeServicer(db, numbering, settings.retention_days), server
        )
        kpi_pb2_grpc.add_IntakeKpiServicer_to_server(IntakeKpiServicer(db), server)
        corrections_pb2_grpc.add_SampleCorrectionsServicer_to_server(
            SampleCorrectionsServicer(db), server
        )
        audit_service.add_to_server(server, db, AuditEntry, AuditHead)

    return add


async def setup(db: Database, settings: Settings) -> None:
    """Brings the database to the newest schema, then adds the demo storage locations if asked
    (idempotent; samples are the users' to create)."""
    await asyncio.to_thread(migrations.upgrade, "intake", db.url)
    if settings.demo:
        await db.write_call(demo.seed)


async def run(settings: Settings) -> None:
    """Serves the intake service until SIGINT/SIGTERM."""
    db = Database(settings.database_url("intake"))
    await setup(db, settings)
    await serve(
        address=settings.address("intake"),
        register=register(db, settings),
        service_names=SERVICE_NAMES,
        on_stop=db.dispose,
    )


def main() -> None:
    """Entry point: python -m services.intake.main."""
    configure_logging()
    asyncio.run(run(get_settings()))
    exit_after_shutdown()


if __name__ == "__main__":
    main()
