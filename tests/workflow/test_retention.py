"""The disposal reminder on a durable timer (a year and more in milliseconds on the time-skipping
server), and the notification of a rejection at receipt."""

import time
from datetime import date, timedelta

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from kernel.timefmt import from_rfc3339, to_rfc3339
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from services.gateway.retention import due_at
from tests.workflow.helpers import RECEPTION, Stack, eventually, receive, start_lifecycle
from workflows.contracts import (
    DisposalInput,
    ReceiptInput,
    RetentionInput,
    retention_workflow_id,
)
from workflows.retention import SampleRetention
from workflows.sample_lifecycle import SampleLifecycle


def _actor() -> common_pb2.Actor:
    return common_pb2.Actor(
        username=RECEPTION.username, full_name=RECEPTION.full_name, role=RECEPTION.role
    )


async def test_reception_is_reminded_once_the_retention_period_has_passed(
    stack: Stack, time_skipping_env: WorkflowEnvironment
) -> None:
    lab, _ = await start_lifecycle(stack)
    await receive(_)
    now = await time_skipping_env.get_current_time()
    trail = await stack.intake.RecordCustody(
        intake_pb2.RecordCustodyRequest(
            lab_number=lab,
            actor=_actor(),
            kind=intake_pb2.CUSTODY_KIND_RETAINED,
            location_code="RET-1",
            event_key="retain",
            at=to_rfc3339(now),
        )
    )
    # No expiry date on this sample: kept a year from the day retained.
    assert trail.retain_until == (now.date() + timedelta(days=365)).isoformat()
    due = due_at(date.fromisoformat(trail.retain_until), "UTC")
    handle = await stack.client.start_workflow(
        SampleRetention.run,
        RetentionInput(lab, trail.retain_until, to_rfc3339(due)),
        id=retention_workflow_id(lab),
        task_queue=stack.task_queue,
    )
    try:
        wall = time.monotonic()
        await time_skipping_env.sleep(due - timedelta(hours=1) - now)
        sample = await stack.intake.GetSample(intake_pb2.GetSampleRequest(lab_number=lab))
        assert sample.disposal_due_at == ""
        assert (await handle.query(SampleRetention.status)).disposal_due_at == ""

        await time_skipping_env.sleep(timedelta(hours=2))
        status = await eventually(
            lambda: handle.query(SampleRetention.status), lambda s: bool(s.disposal_due_at)
        )
        assert time.monotonic() - wall < 10, "a year of retention took too long"
        fell = from_rfc3339(status.disposal_due_at)
        assert fell is not None and due <= fell < due + timedelta(minutes=1)
        due_list = await stack.intake.ListDisposalDue(intake_pb2.ListDisposalDueRequest())
        assert lab in [s.lab_number for s in due_list.samples]
        inbox = await stack.intake.ListNotifications(
            intake_pb2.ListNotificationsRequest(username="reception", roles=["reception"])
        )
        assert f"{lab}: disposal due" in [n.subject for n in inbox.notifications]

        await handle.signal(SampleRetention.disposed, DisposalInput(RECEPTION))
        ended = await handle.result()
        assert ended.disposed
    finally:
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("test finished")


async def test_an_early_disposal_ends_the_reminder_before_its_timer(stack: Stack) -> None:
    lab, _ = await start_lifecycle(stack)
    handle = await stack.client.start_workflow(
        SampleRetention.run,
        RetentionInput(lab, "2099-01-01", "2099-01-02T00:00:00Z"),
        id=retention_workflow_id(lab),
        task_queue=stack.task_queue,
    )
    await handle.signal(SampleRetention.disposed, DisposalInput(RECEPTION))
    ended = await handle.result()
    assert (ended.disposed, ended.disposal_due_at) == (True, "")
    sample = await stack.intake.GetSample(intake_pb2.GetSampleRequest(lab_number=lab))
    assert sample.disposal_due_at == ""


async def test_a_rejection_at_receipt_notifies_the_requester(stack: Stack) -> None:
    lab, handle = await start_lifecycle(stack)
    await handle.execute_update(
        SampleLifecycle.receive,
        ReceiptInput(actor=RECEPTION, accepted=False, reason="seal broken"),
    )
    await handle.result()
    for user in ("requester", "reception"):  # the requester, and who logged the request
        inbox = await stack.intake.ListNotifications(
            intake_pb2.ListNotificationsRequest(username=user)
        )
        mine = [n for n in inbox.notifications if n.lab_number == lab]
        assert [n.subject for n in mine] == [f"{lab} rejected at receipt"]
        assert mine[0].text.endswith("seal broken")
