"""The four real gRPC services, started in the test's event loop, each on its own SQLite file."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc

from kernel.db import Database
from kernel.grpc_server import start_server
from kernel.settings import ServiceName, Settings
from services.intake import main as intake_main
from services.reporting import main as reporting_main
from services.review import main as review_main
from services.testing import main as testing_main
from tests.support.databases import sqlite_url
from workflows.worker import Channels, open_channels

SERVICES: dict[ServiceName, ModuleType] = {
    "intake": intake_main,
    "testing": testing_main,
    "review": review_main,
    "reporting": reporting_main,
}


@dataclass(frozen=True)
class RunningServices:
    """Settings that point at the running services, and a channel to each."""

    settings: Settings
    channels: Channels


@asynccontextmanager
async def running_services(directory: Path, **settings: Any) -> AsyncIterator[RunningServices]:
    """Starts intake, testing, review and reporting the way production does (setup: migrations
    and demo data; register; start_server) on free ports; stops them on exit."""
    databases = {f"{name}_database_url": sqlite_url(directory, name) for name in SERVICES}
    base = Settings(var_dir=directory, demo=True).model_copy(update={**databases, **settings})
    addresses: dict[str, str] = {}
    async with AsyncExitStack() as stack:
        for name, module in SERVICES.items():
            db = Database(base.database_url(name))
            stack.push_async_callback(db.dispose)
            await module.setup(db, base)
            server, _, port = await start_server(
                address="127.0.0.1:0",
                register=module.register(db, base),
                service_names=module.SERVICE_NAMES,
            )
            stack.push_async_callback(_stop, server)
            addresses[f"{name}_address"] = f"127.0.0.1:{port}"
        running = base.model_copy(update=addresses)
        channels = await stack.enter_async_context(open_channels(running))
        yield RunningServices(settings=running, channels=channels)


async def _stop(server: grpc.aio.Server) -> None:
    await server.stop(grace=None)
