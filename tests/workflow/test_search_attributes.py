"""On the real (dev) server: operators find samples by lab number, status and SLA due time."""

from datetime import timedelta

from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import WorkflowExecution

from kernel.timefmt import from_rfc3339
from tests.workflow.helpers import (
    APPROVER,
    Stack,
    accept_all,
    assign_all,
    eventually,
    receive,
    start_lifecycle,
    submit_all,
)
from workflows.contracts import (
    ASSIGNEES,
    LAB_NUMBER,
    REQUEST_TYPE,
    SAMPLE_STATUS,
    SLA_DUE,
    ApprovalInput,
)
from workflows.sample_lifecycle import SampleLifecycle


async def listed(stack: Stack, query: str) -> list[WorkflowExecution]:
    """The executions a visibility query finds (visibility is eventually consistent)."""
    return await eventually(lambda: _list(stack, query), lambda found: bool(found), seconds=15.0)


async def _list(stack: Stack, query: str) -> list[WorkflowExecution]:
    return [execution async for execution in stack.client.list_workflows(query)]


async def test_search_attributes_follow_the_lifecycle_and_are_queryable(dev_stack: Stack) -> None:
    lab, handle = await start_lifecycle(dev_stack, purpose="batch_release")
    received = await receive(handle)
    await assign_all(handle)

    in_testing = await listed(dev_stack, f"LabNumber = '{lab}' AND SampleStatus = 'in_testing'")
    assert [e.id for e in in_testing] == [handle.id]
    assert in_testing[0].typed_search_attributes[ASSIGNEES] == ["analyst"]
    assert in_testing[0].typed_search_attributes[REQUEST_TYPE] == "batch_release"
    due = from_rfc3339(received.sla.due_at)
    assert due is not None
    assert abs(in_testing[0].typed_search_attributes[SLA_DUE] - due) < timedelta(seconds=1)
    later = due + timedelta(days=1)
    overdue_by_then = await listed(
        dev_stack, f"SlaDue < '{later.isoformat()}' AND RequestType = 'batch_release'"
    )
    assert handle.id in [e.id for e in overdue_by_then]

    await submit_all(dev_stack, handle)
    await accept_all(handle)
    await handle.execute_update(SampleLifecycle.approve, ApprovalInput(APPROVER))
    await handle.result()

    released = await listed(dev_stack, f"SampleStatus = 'released' AND LabNumber = '{lab}'")
    attributes = released[0].typed_search_attributes
    assert attributes[LAB_NUMBER] == lab
    assert attributes[SAMPLE_STATUS] == "released"
    description = await handle.describe()
    assert description.typed_search_attributes[SAMPLE_STATUS] == "released"
    # What the Temporal UI shows as the workflow's current details.
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    assert metadata.current_details.startswith(f"{lab}: released · 5/5 tests accepted")
    assert "certificate " in metadata.current_details
