"""The worker: runs SampleLifecycle, OosInvestigation, SampleRetention and their activities on the
task queue.

python -m workflows.worker   connects to Temporal and the four services (settings), runs until
SIGINT/SIGTERM, then lets running activities finish before it exits."""

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, cast

import grpc
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from kernel.grpc_client import open_channel
from kernel.grpc_server import configure_logging, exit_after_shutdown
from kernel.settings import Settings, get_settings
from lims.intake.v1 import intake_pb2_grpc
from lims.reporting.v1 import reporting_pb2_grpc
from lims.review.v1 import review_pb2_grpc
from lims.testing.v1 import investigation_pb2_grpc, testing_pb2_grpc
from workflows.activities import LifecycleActivities
from workflows.email_activities import EmailActivities
from workflows.investigation_activities import InvestigationActivities
from workflows.mailer import mailer_from
from workflows.oos_investigation import OosInvestigation
from workflows.retention import SampleRetention
from workflows.retention_activities import RetentionActivities
from workflows.sample_lifecycle import SampleLifecycle

if TYPE_CHECKING:
    from lims.intake.v1.intake_pb2_grpc import IntakeServiceAsyncStub
    from lims.reporting.v1.reporting_pb2_grpc import ReportingServiceAsyncStub
    from lims.review.v1.review_pb2_grpc import ReviewServiceAsyncStub
    from lims.testing.v1.investigation_pb2_grpc import InvestigationServiceAsyncStub
    from lims.testing.v1.testing_pb2_grpc import TestingServiceAsyncStub

log = logging.getLogger(__name__)

# How long a stopping worker lets running activities finish (they are idempotent anyway).
GRACEFUL_SHUTDOWN = timedelta(seconds=10)


@dataclass(frozen=True)
class Channels:
    """One gRPC channel per service the activities call."""

    intake: grpc.aio.Channel
    testing: grpc.aio.Channel
    review: grpc.aio.Channel
    reporting: grpc.aio.Channel

    async def close(self) -> None:
        """Closes every channel."""
        for channel in (self.intake, self.testing, self.review, self.reporting):
            await channel.close()


@asynccontextmanager
async def open_channels(settings: Settings) -> AsyncIterator[Channels]:
    """Channels to the four services at their configured addresses, closed on exit."""
    channels = Channels(
        intake=open_channel(settings.address("intake")),
        testing=open_channel(settings.address("testing")),
        review=open_channel(settings.address("review")),
        reporting=open_channel(settings.address("reporting")),
    )
    try:
        yield channels
    finally:
        await channels.close()


def build_activities(channels: Channels) -> LifecycleActivities:
    """The activities, with a stub per service."""
    # grpc ships no type hints, so mypy cannot pick the stubs' grpc.aio overload by itself.
    return LifecycleActivities(
        intake=cast("IntakeServiceAsyncStub", intake_pb2_grpc.IntakeServiceStub(channels.intake)),
        testing=cast(
            "TestingServiceAsyncStub", testing_pb2_grpc.TestingServiceStub(channels.testing)
        ),
        review=cast("ReviewServiceAsyncStub", review_pb2_grpc.ReviewServiceStub(channels.review)),
        reporting=cast(
            "ReportingServiceAsyncStub",
            reporting_pb2_grpc.ReportingServiceStub(channels.reporting),
        ),
        investigations=cast(
            "InvestigationServiceAsyncStub",
            investigation_pb2_grpc.InvestigationServiceStub(channels.testing),
        ),
    )


def build_investigation_activities(channels: Channels) -> InvestigationActivities:
    """The OOS investigation's activities, with testing's InvestigationService stub."""
    stub = investigation_pb2_grpc.InvestigationServiceStub(channels.testing)
    return InvestigationActivities(cast("InvestigationServiceAsyncStub", stub))


def build_retention_activities(channels: Channels) -> RetentionActivities:
    """The retention and notification activities, with intake's stub."""
    return RetentionActivities(
        cast("IntakeServiceAsyncStub", intake_pb2_grpc.IntakeServiceStub(channels.intake))
    )


def build_email_activities(channels: Channels, settings: Settings) -> EmailActivities:
    """The e-mail activity, with intake's stub and the configured mail server (if any)."""
    return EmailActivities(
        cast("IntakeServiceAsyncStub", intake_pb2_grpc.IntakeServiceStub(channels.intake)),
        mailer_from(settings),
        settings.lab_name,
    )


def workflow_runner(*, sandboxed: bool) -> WorkflowRunner:
    """How workflow code runs: in the SDK's sandbox, or straight in the worker's interpreter.

    The sandbox catches non-deterministic calls (clock, randomness, I/O) and keeps module state
    apart between runs, at a price paid on every workflow task: it re-imports the workflow
    modules for each run and swaps import hooks and `exec`s code for each activation and each
    payload (about a quarter of the worker's CPU on a lifecycle). Our workflow code calls only
    workflow.* and pure modules and keeps no module state, so the worker runs it unsandboxed;
    the workflow tests and the replay tests run it sandboxed, so a forbidden call still fails
    there before it ships."""
    if sandboxed:
        return SandboxedWorkflowRunner()
    return UnsandboxedWorkflowRunner()


def build_worker(
    client: Client, settings: Settings, channels: Channels, *, sandboxed: bool = False
) -> Worker:
    """The worker the process runs; tests start the same one in-process (sandboxed)."""
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[SampleLifecycle, OosInvestigation, SampleRetention],
        activities=[
            *build_activities(channels).all(),
            *build_investigation_activities(channels).all(),
            *build_retention_activities(channels).all(),
            *build_email_activities(channels, settings).all(),
        ],
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        workflow_runner=workflow_runner(sandboxed=sandboxed),
    )


async def run(settings: Settings) -> None:
    """Runs the worker until SIGINT/SIGTERM."""
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    async with open_channels(settings) as channels:
        worker = build_worker(client, settings, channels)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        log.info(
            "worker on task queue %s at %s (namespace %s)",
            settings.task_queue,
            settings.temporal_address,
            settings.temporal_namespace,
        )
        running = asyncio.create_task(worker.run())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not running.done():
            log.info("stopping")
            await worker.shutdown()
        await running  # raises if the worker failed


def main() -> None:
    """Entry point of `python -m workflows.worker`."""
    configure_logging()
    asyncio.run(run(get_settings()))
    exit_after_shutdown()


if __name__ == "__main__":
    main()
