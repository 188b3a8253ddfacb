"""`python -m workflows.worker` runs lifecycles from its settings and stops cleanly on SIGTERM."""

import asyncio
import os
import signal
import sys

from temporalio.testing import WorkflowEnvironment

from kernel.settings import ROOT
from tests.support.services import RunningServices
from tests.workflow.helpers import Stack, receive, start_lifecycle

TASK_QUEUE = "sample-lifecycle-process"


async def test_the_worker_process_serves_its_task_queue_and_stops_on_sigterm(
    dev_env: WorkflowEnvironment, services: RunningServices
) -> None:
    settings = services.settings
    environment = {
        **os.environ,
        "LIMS_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "LIMS_TASK_QUEUE": TASK_QUEUE,
        "LIMS_INTAKE_ADDRESS": settings.intake_address,
        "LIMS_TESTING_ADDRESS": settings.testing_address,
        "LIMS_REVIEW_ADDRESS": settings.review_address,
        "LIMS_REPORTING_ADDRESS": settings.reporting_address,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "workflows.worker",
        cwd=ROOT,
        env=environment,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, handle = await start_lifecycle(Stack(dev_env.client, TASK_QUEUE, services.channels))
        received = await asyncio.wait_for(receive(handle), timeout=60)
        assert received.status == "received"
        assert len(received.tests) == 5
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert f"worker on task queue {TASK_QUEUE}" in stderr.decode()
    assert "stopping" in stderr.decode()
