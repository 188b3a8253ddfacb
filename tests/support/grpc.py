"""Running a real gRPC service inside the test's event loop, on a free port."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import grpc

from kernel.grpc_server import start_server


@asynccontextmanager
async def serving(
    register: Callable[[grpc.aio.Server], None], service_names: list[str]
) -> AsyncIterator[grpc.aio.Channel]:
    """Starts the server the way production does and yields a channel connected to it."""
    server, _, port = await start_server(
        address="127.0.0.1:0", register=register, service_names=service_names
    )
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel
    finally:
        await server.stop(grace=None)
