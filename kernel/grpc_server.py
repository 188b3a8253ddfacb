"""Running a gRPC service the same way everywhere: errors mapped to status codes, health,
reflection, graceful shutdown on SIGINT/SIGTERM."""

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from kernel.errors import DomainError

log = logging.getLogger(__name__)


class DomainErrorInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Turns DomainError into its status code, and any other error into INTERNAL (never UNKNOWN)."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner = handler.unary_unary
        method = handler_call_details.method

        async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            try:
                return await inner(request, context)
            except DomainError as error:
                await context.abort(error.code, error.message)
            except Exception:
                log.exception("unexpected error in %s", method)
                await context.abort(grpc.StatusCode.INTERNAL, f"internal error in {method}")

        return grpc.unary_unary_rpc_method_handler(
            unary_unary,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


async def start_server(
    *, address: str, register: Callable[[grpc.aio.Server], None], service_names: list[str]
) -> tuple[grpc.aio.Server, health.aio.HealthServicer, int]:
    """Starts a server with the error interceptor, health (SERVING) and reflection; returns its port.

    An address ending in ":0" picks a free port (tests)."""
    server = grpc.aio.server(interceptors=[DomainErrorInterceptor()])
    register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    health_name = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
    reflection.enable_server_reflection(
        [*service_names, health_name, reflection.SERVICE_NAME], server
    )
    port = server.add_insecure_port(address)
    if port == 0:
        raise RuntimeError(f"cannot listen on {address}")
    await server.start()
    for name in ("", *service_names):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, health_servicer, port


async def serve(
    *,
    address: str,
    register: Callable[[grpc.aio.Server], None],
    service_names: list[str],
    on_stop: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Serves until SIGINT/SIGTERM, then drains in-flight calls for up to 5 s and calls on_stop."""
    server, health_servicer, _ = await start_server(
        address=address, register=register, service_names=service_names
    )
    log.info("serving %s on %s", ", ".join(service_names), address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping")
    await health_servicer.enter_graceful_shutdown()
    await server.stop(grace=5)
    if on_stop is not None:
        await on_stop()


def exit_after_shutdown(code: int = 0) -> NoReturn:
    """Ends a process whose shutdown has closed everything (servers, channels, databases)
    without Python's interpreter finalization: grpc.aio's poller thread can race it and abort
    the process with "PyGILState_Release" (grpc/grpc#40447), which turns a clean stop into
    SIGABRT. Nothing is left to release by then, so nothing is lost by skipping it."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def configure_logging() -> None:
    """One log format for every process (the launcher prefixes each line with the process name)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
