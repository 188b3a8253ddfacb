"""The gateway process: migrations, demo users, and the HTTP server.

python -m services.gateway.main
"""

import asyncio
import logging

import uvicorn

from kernel import migrations
from kernel.db import Database
from kernel.grpc_server import configure_logging, exit_after_shutdown
from kernel.settings import Settings, get_settings
from services.gateway import service
from services.gateway.app import create_app
from services.gateway.auth import hash_password_blocking

log = logging.getLogger(__name__)


async def setup(db: Database, settings: Settings) -> None:
    """Brings the database to the newest schema, then seeds the demo users if settings.demo."""
    await asyncio.to_thread(migrations.upgrade, "gateway", db.url)
    if settings.demo:
        created = await db.write_call(service.seed_demo_users, hash_password_blocking)
        if created:
            log.info("demo users created: %s", ", ".join(created))


async def run(settings: Settings) -> None:
    """Serves the gateway until SIGINT/SIGTERM."""
    db = Database(settings.database_url("gateway"))
    try:
        await setup(db, settings)
    finally:
        await db.dispose()
    config = uvicorn.Config(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,  # keep the house log format (configure_logging)
    )
    await uvicorn.Server(config).serve()


def main() -> None:
    """Entry point: python -m services.gateway.main."""
    configure_logging()
    asyncio.run(run(get_settings()))
    exit_after_shutdown()


if __name__ == "__main__":
    main()
