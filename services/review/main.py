"""The review service process: migrations, gRPC server, health, graceful shutdown."""

import asyncio
from collections.abc import Callable

import grpc

from kernel import audit_service, migrations
from kernel.db import Database
from kernel.grpc_server import configure_logging, exit_after_shutdown, serve
from kernel.settings import Settings, get_settings
from lims.review.v1 import review_pb2, review_pb2_grpc
from services.review.grpc_server import ReviewServicer
from services.review.models import AuditEntry, AuditHead

SERVICE_NAMES: list[str] = [
    review_pb2.DESCRIPTOR.services_by_name["ReviewService"].full_name,
    audit_service.SERVICE_NAME,
]


def register(db: Database, settings: Settings) -> Callable[[grpc.aio.Server], None]:
    """A function adding the ReviewService servicer and its chain's AuditTrail to a server."""

    def add(server: grpc.aio.Server) -> None:
        review_pb2_grpc.add_ReviewServiceServicer_to_server(ReviewServicer(db, settings), server)
        audit_service.add_to_server(server, db, AuditEntry, AuditHead)

    return add


async def setup(db: Database, settings: Settings) -> None:
    """Brings the database to the newest schema (the review service has no demo data)."""
    await asyncio.to_thread(migrations.upgrade, "review", db.url)


async def run(settings: Settings) -> None:
    """Serves the review service until SIGINT/SIGTERM."""
    db = Database(settings.database_url("review"))
    await setup(db, settings)
    await serve(
        address=settings.address("review"),
        register=register(db, settings),
        service_names=SERVICE_NAMES,
        on_stop=db.dispose,
    )


def main() -> None:
    """Entry point: python -m services.review.main."""
    configure_logging()
    asyncio.run(run(get_settings()))
    exit_after_shutdown()


if __name__ == "__main__":
    main()
