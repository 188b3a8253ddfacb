"""Operators find samples by lab number, status and SLA due time (on the real dev server); each
step publishes what it changed in one upsert, since each upsert is a visibility write."""

from datetime import timedelta

from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import WorkflowExecution
from temporalio.testing import WorkflowEnvironment

from kernel.timefmt import from_rfc3339
from tests.workflow.helpers import (
    APPROVER,
    REVIEWER,
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
    HoldInput,
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


async def test_each_step_publishes_its_changes_in_one_upsert(
    stack: Stack, time_skipping_env: WorkflowEnvironment
) -> None:
    _, handle = await start_lifecycle(stack)
    await receive(handle)
    await handle.execute_update(SampleLifecycle.hold, HoldInput(REVIEWER, "waiting for a standard"))
    await time_skipping_env.sleep(timedelta(hours=5))
    await handle.execute_update(SampleLifecycle.resume, HoldInput(REVIEWER, "standard received"))
    await assign_all(handle)
    await submit_all(stack, handle)
    await accept_all(handle)
    await handle.execute_update(SampleLifecycle.approve, ApprovalInput(APPROVER))
    await handle.result()

    upserts = [
        sorted(
            event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
        )
        async for event in handle.fetch_history_events()
        if event.HasField("upsert_workflow_search_attributes_event_attributes")
    ]
    assert upserts == [
        ["SampleStatus", "SlaDue"],  # received: the clock starts
        ["SampleStatus"],  # on_hold: the due time waits for the resume
        ["SampleStatus", "SlaDue"],  # received again, due later by the hold
        ["Assignees", "SampleStatus"],  # in_testing (one analyst for every test)
        ["SampleStatus"],  # in_review
        ["SampleStatus"],  # awaiting_approval
        ["SampleStatus"],  # released
    ]
