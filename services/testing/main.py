"""The testing service process: migrate, seed the demo catalogue, serve gRPC until stopped."""

import asyncio
from collections.abc import Callable

import grpc

from kernel import audit_service, migrations
from kernel.db import Database
from kernel.grpc_server import configure_logging, exit_after_shutdown, serve
from kernel.settings import Settings, get_settings
from lims.testing.v1 import (
    catalogue_pb2,
    catalogue_pb2_grpc,
    investigation_pb2,
    investigation_pb2_grpc,
    kpi_pb2,
    kpi_pb2_grpc,
    resources_pb2,
    resources_pb2_grpc,
    testing_pb2,
    testing_pb2_grpc,
)
from services.testing import demo
from services.testing.catalogue_grpc import CatalogueServicer
from services.testing.grpc_server import TestingServicer
from services.testing.investigation_grpc import InvestigationServicer
from services.testing.kpi_grpc import TestingKpiServicer
from services.testing.models import AuditEntry, AuditHead
from services.testing.resources_grpc import ResourcesServicer

SERVICE_NAMES: list[str] = [
    testing_pb2.DESCRIPTOR.services_by_name["TestingService"].full_name,
    investigation_pb2.DESCRIPTOR.services_by_name["InvestigationService"].full_name,
    resources_pb2.DESCRIPTOR.services_by_name["Resources"].full_name,
    catalogue_pb2.DESCRIPTOR.services_by_name["Catalogue"].full_name,
    kpi_pb2.DESCRIPTOR.services_by_name["TestingKpi"].full_name,
    audit_service.SERVICE_NAME,
]


def register(db: Database, settings: Settings) -> Callable[[grpc.aio.Server], None]:
    """Adds the TestingService, Catalogue, Resources and Investigation servicers and their chain's AuditTrail, backed by
    `db`, to a server."""

    def add(server: grpc.aio.Server) -> None:
        testing_pb2_grpc.add_TestingServiceServicer_to_server(
            TestingServicer(db, settings.timezone), server
        )
        resources_pb2_grpc.add_ResourcesServicer_to_server(
            ResourcesServicer(db, settings.timezone), server
        )
        investigation_pb2_grpc.add_InvestigationServiceServicer_to_server(
            InvestigationServicer(db, settings.timezone), server
        )
        catalogue_pb2_grpc.add_CatalogueServicer_to_server(CatalogueServicer(db), server)
        kpi_pb2_grpc.add_TestingKpiServicer_to_server(TestingKpiServicer(db), server)
        audit_service.add_to_server(server, db, AuditEntry, AuditHead)

    return add


async def setup(db: Database, settings: Settings) -> None:
    """Brings the schema to the newest revision, then seeds the demo catalogue if asked (idempotent)."""
    await asyncio.to_thread(migrations.upgrade, "testing", db.url)
    if settings.demo:
        await db.write_call(demo.seed)


async def run(settings: Settings) -> None:
    """Serves the testing service until SIGINT/SIGTERM."""
    db = Database(settings.database_url("testing"))
    await setup(db, settings)
    await serve(
        address=settings.address("testing"),
        register=register(db, settings),
        service_names=SERVICE_NAMES,
        on_stop=db.dispose,
    )


def main() -> None:
    """Entry point: `python -m services.testing.main`."""
    configure_logging()
    asyncio.run(run(get_settings()))
    exit_after_shutdown()


if __name__ == "__main__":
    main()
