"""The reporting service process: migrations, gRPC server, health, graceful shutdown."""

import asyncio
from collections.abc import Callable

import grpc

from kernel import audit_service, migrations
from kernel.db import Database
from kernel.grpc_server import configure_logging, exit_after_shutdown, serve
from kernel.settings import Settings, get_settings
from lims.reporting.v1 import (
    amendments_pb2,
    amendments_pb2_grpc,
    kpi_pb2,
    kpi_pb2_grpc,
    reporting_pb2,
    reporting_pb2_grpc,
)
from services.reporting.grpc_server import ReportingServicer
from services.reporting.kpi_grpc import ReportingKpiServicer
from services.reporting.models import AuditEntry, AuditHead
from services.reporting.versions_grpc import CertificateVersionsServicer

SERVICE_NAMES: list[str] = [
    reporting_pb2.DESCRIPTOR.services_by_name["ReportingService"].full_name,
    kpi_pb2.DESCRIPTOR.services_by_name["ReportingKpi"].full_name,
    amendments_pb2.DESCRIPTOR.services_by_name["CertificateVersions"].full_name,
    audit_service.SERVICE_NAME,
]


def register(db: Database, settings: Settings) -> Callable[[grpc.aio.Server], None]:
    """A function adding the ReportingService servicer and its chain's AuditTrail to a server."""

    def add(server: grpc.aio.Server) -> None:
        reporting_pb2_grpc.add_ReportingServiceServicer_to_server(
            ReportingServicer(db, settings), server
        )
        kpi_pb2_grpc.add_ReportingKpiServicer_to_server(ReportingKpiServicer(db), server)
        amendments_pb2_grpc.add_CertificateVersionsServicer_to_server(
            CertificateVersionsServicer(db), server
        )
        audit_service.add_to_server(server, db, AuditEntry, AuditHead)

    return add


async def setup(db: Database, settings: Settings) -> None:
    """Brings the database to the newest schema (the reporting service has no demo data)."""
    await asyncio.to_thread(migrations.upgrade, "reporting", db.url)


async def run(settings: Settings) -> None:
    """Serves the reporting service until SIGINT/SIGTERM."""
    db = Database(settings.database_url("reporting"))
    await setup(db, settings)
    await serve(
        address=settings.address("reporting"),
        register=register(db, settings),
        service_names=SERVICE_NAMES,
        on_stop=db.dispose,
    )


def main() -> None:
    """Entry point: python -m services.reporting.main."""
    configure_logging()
    asyncio.run(run(get_settings()))
    exit_after_shutdown()


if __name__ == "__main__":
    main()
