"""Everything a request handler reaches beyond the gateway, built once per process (lifespan)."""

import asyncio
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar, cast

import grpc
from temporalio.client import Client

from kernel.db import Database
from kernel.grpc_client import open_channel
from kernel.settings import ServiceName, Settings
from lims.intake.v1 import corrections_pb2_grpc, intake_pb2_grpc
from lims.intake.v1 import kpi_pb2_grpc as intake_kpi_pb2_grpc
from lims.reporting.v1 import amendments_pb2_grpc, reporting_pb2_grpc
from lims.reporting.v1 import kpi_pb2_grpc as reporting_kpi_pb2_grpc
from lims.review.v1 import review_pb2_grpc
from lims.testing.v1 import (
    catalogue_pb2_grpc,
    investigation_pb2_grpc,
    resources_pb2_grpc,
    testing_pb2_grpc,
)
from lims.testing.v1 import kpi_pb2_grpc as testing_kpi_pb2_grpc
from services.gateway.auth import Tokens, derive_key, load_secret
from services.gateway.signatures import SignerSessions

if TYPE_CHECKING:
    from lims.intake.v1.corrections_pb2_grpc import SampleCorrectionsAsyncStub
    from lims.intake.v1.intake_pb2_grpc import IntakeServiceAsyncStub
    from lims.intake.v1.kpi_pb2_grpc import IntakeKpiAsyncStub
    from lims.reporting.v1.amendments_pb2_grpc import CertificateVersionsAsyncStub
    from lims.reporting.v1.kpi_pb2_grpc import ReportingKpiAsyncStub
    from lims.reporting.v1.reporting_pb2_grpc import ReportingServiceAsyncStub
    from lims.review.v1.review_pb2_grpc import ReviewServiceAsyncStub
    from lims.testing.v1.catalogue_pb2_grpc import CatalogueAsyncStub
    from lims.testing.v1.investigation_pb2_grpc import InvestigationServiceAsyncStub
    from lims.testing.v1.kpi_pb2_grpc import TestingKpiAsyncStub
    from lims.testing.v1.resources_pb2_grpc import ResourcesAsyncStub
    from lims.testing.v1.testing_pb2_grpc import TestingServiceAsyncStub

Stub = TypeVar("Stub")

# A service that does not answer within this time is treated as unavailable (503), never a hang.
CALL_TIMEOUT_SECONDS = 15.0


@dataclass
class Connections:
    """The gateway's connections: its own database, the four services, Temporal, the secret."""

    settings: Settings
    db: Database
    secret: bytes
    tokens: Tokens
    signers: SignerSessions
    intake: "IntakeServiceAsyncStub"
    testing: "TestingServiceAsyncStub"
    review: "ReviewServiceAsyncStub"
    reporting: "ReportingServiceAsyncStub"
    investigations: "InvestigationServiceAsyncStub"  # testing's OOS investigations
    temporal: Client
    # Served by the testing process, on the testing channel.
    resources: "ResourcesAsyncStub"
    # The testing service's catalogue administration, on the testing channel.
    catalogue: "CatalogueAsyncStub"
    # The KPI figures, each asked of the service that owns the data (on its channel).
    intake_kpi: "IntakeKpiAsyncStub"
    testing_kpi: "TestingKpiAsyncStub"
    reporting_kpi: "ReportingKpiAsyncStub"
    # Reporting's amended certificates and public verification, on the reporting channel.
    certificate_versions: "CertificateVersionsAsyncStub"
    # Intake's corrections of a sample's details, on the intake channel.
    sample_corrections: "SampleCorrectionsAsyncStub"
    channels: list[grpc.aio.Channel] = field(default_factory=list)

    async def close(self) -> None:
        """Closes the channels and the database pool."""
        for channel in self.channels:
            await channel.close()
        await self.db.dispose()


def with_deadline(stub: Stub, seconds: float = CALL_TIMEOUT_SECONDS) -> Stub:
    """The stub, each of its methods given a deadline of `seconds` unless a call brings its own.

    A keyword default costs nothing per call, where a channel interceptor wraps every call in
    more Python objects and tasks (~50 µs each). A service-config timeout would be free too,
    but grpc.aio 1.85 fails such calls at once with DEADLINE_EXCEEDED."""
    for name, method in list(vars(stub).items()):
        if isinstance(method, grpc.aio.UnaryUnaryMultiCallable):
            setattr(stub, name, functools.partial(method, timeout=seconds))
    return stub


async def connect(settings: Settings) -> Connections:
    """Opens every connection (gRPC channels and Temporal connect lazily, on first use)."""
    secret = await asyncio.to_thread(load_secret, settings)
    names: tuple[ServiceName, ...] = ("intake", "testing", "review", "reporting")
    channels = {name: open_channel(settings.address(name)) for name in names}
    # Lazy: the gateway starts (and /healthz answers) even before Temporal is up; calls made
    # while it is down fail with 503.
    temporal = await Client.connect(
        settings.temporal_address, namespace=settings.temporal_namespace, lazy=True
    )
    return Connections(
        settings=settings,
        db=Database(settings.database_url("gateway")),
        secret=secret,
        tokens=Tokens(secret),
        signers=SignerSessions(derive_key(secret, "signature-verifiers")),
        intake=cast(
            "IntakeServiceAsyncStub",
            with_deadline(intake_pb2_grpc.IntakeServiceStub(channels["intake"])),
        ),
        testing=cast(
            "TestingServiceAsyncStub",
            with_deadline(testing_pb2_grpc.TestingServiceStub(channels["testing"])),
        ),
        review=cast(
            "ReviewServiceAsyncStub",
            with_deadline(review_pb2_grpc.ReviewServiceStub(channels["review"])),
        ),
        investigations=cast(
            "InvestigationServiceAsyncStub",
            with_deadline(investigation_pb2_grpc.InvestigationServiceStub(channels["testing"])),
        ),
        reporting=cast(
            "ReportingServiceAsyncStub",
            with_deadline(reporting_pb2_grpc.ReportingServiceStub(channels["reporting"])),
        ),
        temporal=temporal,
        resources=cast(
            "ResourcesAsyncStub",
            with_deadline(resources_pb2_grpc.ResourcesStub(channels["testing"])),
        ),
        catalogue=cast(
            "CatalogueAsyncStub",
            with_deadline(catalogue_pb2_grpc.CatalogueStub(channels["testing"])),
        ),
        intake_kpi=cast(
            "IntakeKpiAsyncStub",
            with_deadline(intake_kpi_pb2_grpc.IntakeKpiStub(channels["intake"])),
        ),
        testing_kpi=cast(
            "TestingKpiAsyncStub",
            with_deadline(testing_kpi_pb2_grpc.TestingKpiStub(channels["testing"])),
        ),
        reporting_kpi=cast(
            "ReportingKpiAsyncStub",
            with_deadline(reporting_kpi_pb2_grpc.ReportingKpiStub(channels["reporting"])),
        ),
        certificate_versions=cast(
            "CertificateVersionsAsyncStub",
            with_deadline(amendments_pb2_grpc.CertificateVersionsStub(channels["reporting"])),
        ),
        sample_corrections=cast(
            "SampleCorrectionsAsyncStub",
            with_deadline(corrections_pb2_grpc.SampleCorrectionsStub(channels["intake"])),
        ),
        channels=list(channels.values()),
    )
