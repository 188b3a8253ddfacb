"""The gateway's side of the SampleLifecycle workflow: starting it, and sending it human steps."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from kernel.lifecycle import SampleStatus
from kernel.proto_enums import enum_to_str
from kernel.settings import Settings
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from services.gateway.clients import Connections
from services.gateway.problems import Conflict, Unavailable
from workflows.contracts import (
    LAB_NUMBER,
    REQUEST_TYPE,
    SAMPLE_STATUS,
    ActorRef,
    LifecycleInput,
    LifecycleStatus,
    SlaState,
    TestState,
    sample_workflow_id,
)
from workflows.sample_lifecycle import SampleLifecycle

Input = TypeVar("Input")


@contextmanager
def _reachable() -> Iterator[None]:
    """A lazily connected client that cannot connect raises RuntimeError: that is a 503."""
    try:
        yield
    except RuntimeError as error:
        if not str(error).startswith("Failed client connect"):
            raise
        raise Unavailable(
            "the workflow engine is not reachable right now; try again shortly"
        ) from error


def lifecycle_input(
    sample: intake_pb2.Sample, registered_by: ActorRef, settings: Settings
) -> LifecycleInput:
    """The workflow input of a sample intake has registered."""
    return LifecycleInput(
        lab_number=sample.lab_number,
        purpose=enum_to_str(common_pb2.Purpose, sample.purpose),
        priority=enum_to_str(common_pb2.Priority, sample.priority) or "routine",
        product_code=sample.product_code,
        requester=sample.requester,
        registered_by=registered_by,
        allow_reviewer_as_approver=settings.allow_reviewer_as_approver,
        oos_phase_1_days=settings.oos_phase_1_days,
        oos_phase_2_days=settings.oos_phase_2_days,
    )


async def start(clients: Connections, sample: intake_pb2.Sample, registered_by: ActorRef) -> None:
    """Starts a sample's lifecycle; a second start for the same sample changes nothing."""
    data = lifecycle_input(sample, registered_by, clients.settings)
    try:
        with _reachable():
            await _start(clients, sample, data)
    except WorkflowAlreadyStartedError:
        pass


async def _start(clients: Connections, sample: intake_pb2.Sample, data: LifecycleInput) -> None:
    await clients.temporal.start_workflow(
        SampleLifecycle.run,
        data,
        id=sample_workflow_id(sample.lab_number),
        task_queue=clients.settings.task_queue,
        # Running already: attach to it. Ended already (e.g. rejected): never start again.
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(LAB_NUMBER, sample.lab_number),
                SearchAttributePair(REQUEST_TYPE, data.purpose),
                SearchAttributePair(SAMPLE_STATUS, SampleStatus.REGISTERED.value),
            ]
        ),
        static_summary=f"{sample.lab_number}: {sample.product_name}, batch {sample.batch_number}",
    )


async def start_all(clients: Connections, request: intake_pb2.Request, actor: ActorRef) -> None:
    """Starts the lifecycle of every sample of a request, concurrently."""
    await asyncio.gather(*(start(clients, sample, actor) for sample in request.samples))


async def update(
    clients: Connections,
    lab_number: str,
    actor: ActorRef,
    step: UpdateMethodMultiParam[[SampleLifecycle, Input], LifecycleStatus],
    data: Input,
) -> LifecycleStatus:
    """Sends a human step to the sample's workflow and returns where the sample then stands;
    a workflow that has ended answers 409.

    A registered sample whose workflow is missing (the gateway stopped between registering it and
    starting its lifecycle) gets its lifecycle started here, then the step is sent."""
    handle = clients.temporal.get_workflow_handle(sample_workflow_id(lab_number))
    # Sent by name and answered as plain JSON: the SDK's typed decoding walks the dataclasses'
    # type hints on every call, ten times the cost of reading the answer here.
    name = step._defn.name or ""
    try:
        with _reachable():
            return status_from_json(await handle.execute_update(name, data, result_type=dict))
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
    sample = await clients.intake.GetSample(intake_pb2.GetSampleRequest(lab_number=lab_number))
    status = enum_to_str(common_pb2.SampleStatus, sample.status)
    if status != SampleStatus.REGISTERED:
        raise Conflict(f"sample {lab_number} is {status}; no further action is possible")
    await start(clients, sample, _registered_by(sample, actor))
    with _reachable():
        return status_from_json(await handle.execute_update(name, data, result_type=dict))


def status_from_json(value: dict[str, Any]) -> LifecycleStatus:
    """A LifecycleStatus from its JSON form (the workflow's answer to every update)."""
    return LifecycleStatus(
        lab_number=value["lab_number"],
        status=value["status"],
        tests=[TestState(**test) for test in value.get("tests", [])],
        sla=SlaState(**value.get("sla", {})),
        report_number=value.get("report_number", ""),
        test_json=value.get("test_json", ""),
        test_proto=value.get("test_proto", ""),
    )


def _registered_by(sample: intake_pb2.Sample, fallback: ActorRef) -> ActorRef:
    for event in sample.timeline:
        if event.actor.username:
            return ActorRef(event.actor.username, event.actor.full_name, event.actor.role)
    return fallback
