"""Small factories for workflow tests: people, a registered sample, its lifecycle, results."""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ApplicationError

from kernel.proto_enums import str_to_enum
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2, intake_pb2_grpc
from lims.testing.v1 import testing_pb2, testing_pb2_grpc
from tests.support.resources import instrument_for_code
from workflows.contracts import (
    LAB_NUMBER,
    REQUEST_TYPE,
    SAMPLE_STATUS,
    ActorRef,
    AssignmentInput,
    LifecycleInput,
    LifecycleStatus,
    ReceiptInput,
    ResultInput,
    ReviewInput,
    TestState,
    sample_workflow_id,
)
from workflows.sample_lifecycle import SampleLifecycle
from workflows.worker import Channels

T = TypeVar("T")

Lifecycle = WorkflowHandle[SampleLifecycle, LifecycleStatus]

RECEPTION = ActorRef("reception", "Rania Reception", "reception")
ANALYST = ActorRef("analyst", "Amina Analyst", "analyst")
ANALYST2 = ActorRef("analyst2", "Omar Analyst", "analyst")
REVIEWER = ActorRef("reviewer", "Rachid Reviewer", "reviewer")
APPROVER = ActorRef("approver", "Aicha Approver", "approver")

# Five tests (appearance, identification, assay, dissolution, uniformity): the shortest plan.
PRODUCT = "METF-850-TAB"


@dataclass(frozen=True)
class Stack:
    """What a workflow test drives: a Temporal client with the worker on `task_queue`, and
    channels to the real services."""

    client: Client
    task_queue: str
    channels: Channels
    # Lifecycles started by the test, ended after it so their timers do not fire in later tests.
    started: list[Lifecycle] = field(default_factory=list)

    @property
    def intake(self) -> "intake_pb2_grpc.IntakeServiceAsyncStub":
        """A stub of the intake service."""
        return intake_pb2_grpc.IntakeServiceStub(self.channels.intake)  # type: ignore[return-value]

    @property
    def testing(self) -> "testing_pb2_grpc.TestingServiceAsyncStub":
        """A stub of the testing service."""
        return testing_pb2_grpc.TestingServiceStub(self.channels.testing)  # type: ignore[return-value]


async def register_sample(
    stack: Stack, *, purpose: str = "market_surveillance", priority: str = "routine"
) -> str:
    """Logs a one-sample request in intake (as the gateway does) and returns its lab number."""
    created = await stack.intake.CreateRequest(
        intake_pb2.CreateRequestRequest(
            request_key=str(uuid.uuid4()),
            actor=common_pb2.Actor(username="reception", full_name="Rania Reception"),
            purpose=str_to_enum(common_pb2.Purpose, purpose),
            priority=str_to_enum(common_pb2.Priority, priority),
            requester="requester",
            requester_organisation="Direction du Médicament",
            samples=[
                intake_pb2.NewSample(
                    product_code=PRODUCT,
                    product_name="Metformin hydrochloride 850 mg tablets",
                    batch_number=f"B{uuid.uuid4().hex[:6].upper()}",
                    manufacturer="Pharma Maroc",
                    quantity="60",
                    quantity_unit="tablets",
                )
            ],
        )
    )
    lab_number: str = created.samples[0].lab_number
    return lab_number


async def start_lifecycle(
    stack: Stack, *, purpose: str = "market_surveillance", priority: str = "routine"
) -> tuple[str, Lifecycle]:
    """Registers a sample and starts its lifecycle the way the gateway does."""
    lab = await register_sample(stack, purpose=purpose, priority=priority)
    handle = await stack.client.start_workflow(
        SampleLifecycle.run,
        LifecycleInput(
            lab_number=lab,
            purpose=purpose,
            priority=priority,
            product_code=PRODUCT,
            requester="requester",
            registered_by=RECEPTION,
        ),
        id=sample_workflow_id(lab),
        task_queue=stack.task_queue,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(LAB_NUMBER, lab),
                SearchAttributePair(REQUEST_TYPE, purpose),
                SearchAttributePair(SAMPLE_STATUS, "registered"),
            ]
        ),
    )
    stack.started.append(handle)
    return lab, handle


async def receive(handle: Lifecycle) -> LifecycleStatus:
    """Accepts the sample at receipt."""
    return await handle.execute_update(
        SampleLifecycle.receive,
        ReceiptInput(
            actor=RECEPTION, accepted=True, condition="intact, sealed", quantity_received="60"
        ),
    )


def conforming_values(spec: testing_pb2.SpecificationTest) -> list[str]:
    """Replicate values that meet the specification test's criterion."""
    criterion = spec.criterion
    if criterion.kind == testing_pb2.CRITERION_KIND_TEXT:
        value = criterion.expected_text
    elif spec.calculation == testing_pb2.CALCULATION_ACCEPTANCE_VALUE:
        value = "100.0"  # every unit at label claim: acceptance value 0
    elif criterion.kind == testing_pb2.CRITERION_KIND_RANGE:
        value = str((Decimal(criterion.low) + Decimal(criterion.high)) / 2)
    elif criterion.kind == testing_pb2.CRITERION_KIND_NOT_LESS_THAN:
        value = str(Decimal(criterion.low) + 5)
    else:
        value = str(Decimal(criterion.high) / 2)
    return [value] * spec.replicates


async def values_for(stack: Stack, test_id: str) -> list[str]:
    """Conforming values for one test of a plan, read from the testing service."""
    test = await stack.testing.GetTest(testing_pb2.GetTestRequest(test_id=test_id))
    return conforming_values(test.spec)


def assignment(test: TestState, analyst: ActorRef = ANALYST) -> AssignmentInput:
    """The reviewer's assignment of a test to an analyst, with the demo instrument its
    technique needs (assignment is gated by the testing resources)."""
    instrument = instrument_for_code(test.code, PRODUCT)
    return AssignmentInput(REVIEWER, test.test_id, analyst.username, instrument=instrument)


async def assign_all(handle: Lifecycle, analyst: ActorRef = ANALYST) -> LifecycleStatus:
    """Assigns every test to one analyst (the reviewer assigns)."""
    status = await handle.query(SampleLifecycle.status)
    for test in status.tests:
        status = await handle.execute_update(SampleLifecycle.assign, assignment(test, analyst))
    return status


async def submit(
    stack: Stack, handle: Lifecycle, test_id: str, analyst: ActorRef = ANALYST
) -> LifecycleStatus:
    """The analyst's conforming result for one test."""
    values = await values_for(stack, test_id)
    return await handle.execute_update(
        SampleLifecycle.submit_result, ResultInput(analyst, test_id, values)
    )


async def submit_all(stack: Stack, handle: Lifecycle) -> LifecycleStatus:
    """Conforming results for every assigned test, by its analyst."""
    status = await handle.query(SampleLifecycle.status)
    analysts = {a.username: a for a in (ANALYST, ANALYST2)}
    for test in status.tests:
        if test.status == "assigned":
            status = await submit(stack, handle, test.test_id, analysts[test.analyst])
    return status


async def accept_all(handle: Lifecycle, reviewer: ActorRef = REVIEWER) -> LifecycleStatus:
    """The reviewer accepts every submitted test."""
    status = await handle.query(SampleLifecycle.status)
    for test in status.tests:
        if test.status == "submitted":
            status = await handle.execute_update(
                SampleLifecycle.review, ReviewInput(reviewer, test.test_id, accepted=True)
            )
    return status


async def to_review(stack: Stack) -> tuple[str, Lifecycle]:
    """A sample received, assigned and with every result submitted: in review."""
    lab, handle = await start_lifecycle(stack)
    await receive(handle)
    await assign_all(handle)
    await submit_all(stack, handle)
    return lab, handle


async def refusal(update: Awaitable[object]) -> ApplicationError:
    """The ApplicationError an update was refused with."""
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await update
    assert isinstance(failed.value.cause, ApplicationError)
    return failed.value.cause


async def eventually(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], seconds: float = 10.0
) -> T:
    """Polls `probe` until `done` holds (wall-clock), for effects of activities still running."""
    deadline = time.monotonic() + seconds
    while True:
        value = await probe()
        if done(value) or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.05)
