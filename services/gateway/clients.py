"""Everything a request handler reaches beyond the gateway, built once per process (lifespan)."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import grpc
from temporalio.client import Client

from kernel.db import Database
from kernel.settings import ServiceName, Settings
from lims.intake.v1 import intake_pb2_grpc
from lims.reporting.v1 import reporting_pb2_grpc
from lims.review.v1 import review_pb2_grpc
from lims.testing.v1 import testing_pb2_grpc
from services.gateway.auth import derive_key, load_secret
from services.gateway.signatures import SignerSessions

if TYPE_CHECKING:
    from lims.intake.v1.intake_pb2_grpc import IntakeServiceAsyncStub
    from lims.reporting.v1.reporting_pb2_grpc import ReportingServiceAsyncStub
    from lims.review.v1.review_pb2_grpc import ReviewServiceAsyncStub
    from lims.testing.v1.testing_pb2_grpc import TestingServiceAsyncStub

# A service that does not answer within this time is treated as unavailable (503), never a hang.
CALL_TIMEOUT_SECONDS = 15.0


class _DefaultTimeout(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Gives every call a deadline unless it brings its own."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def intercept_unary_unary(
        self,
        continuation: Callable[[Any, Any], Awaitable[Any]],
        client_call_details: Any,
        request: Any,
    ) -> Any:
        if client_call_details.timeout is None:
            client_call_details = client_call_details._replace(timeout=self.seconds)
        return await continuation(client_call_details, request)


@dataclass
class Connections:
    """The gateway's connections: its own database, the four services, Temporal, the secret."""

    settings: Settings
    db: Database
    secret: bytes
    signers: SignerSessions
    intake: "IntakeServiceAsyncStub"
    testing: "TestingServiceAsyncStub"
    review: "ReviewServiceAsyncStub"
    reporting: "ReportingServiceAsyncStub"
    temporal: Client
    channels: list[grpc.aio.Channel] = field(default_factory=list)

    async def close(self) -> None:
        """Closes the channels and the database pool."""
        for channel in self.channels:
            await channel.close()
        await self.db.dispose()


def _channel(address: str) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(address, interceptors=[_DefaultTimeout(CALL_TIMEOUT_SECONDS)])


async def connect(settings: Settings) -> Connections:
    """Opens every connection (gRPC channels and Temporal connect lazily, on first use)."""
    secret = await asyncio.to_thread(load_secret, settings)
    names: tuple[ServiceName, ...] = ("intake", "testing", "review", "reporting")
    channels = {name: _channel(settings.address(name)) for name in names}
    # Lazy: the gateway starts (and /healthz answers) even before Temporal is up; calls made
    # while it is down fail with 503.
    temporal = await Client.connect(
        settings.temporal_address, namespace=settings.temporal_namespace, lazy=True
    )
    return Connections(
        settings=settings,
        db=Database(settings.database_url("gateway")),
        secret=secret,
        signers=SignerSessions(derive_key(secret, "signature-verifiers")),
        intake=cast(
            "IntakeServiceAsyncStub", intake_pb2_grpc.IntakeServiceStub(channels["intake"])
        ),
        testing=cast(
            "TestingServiceAsyncStub", testing_pb2_grpc.TestingServiceStub(channels["testing"])
        ),
        review=cast(
            "ReviewServiceAsyncStub", review_pb2_grpc.ReviewServiceStub(channels["review"])
        ),
        reporting=cast(
            "ReportingServiceAsyncStub",
            reporting_pb2_grpc.ReportingServiceStub(channels["reporting"]),
        ),
        temporal=temporal,
        channels=list(channels.values()),
    )
