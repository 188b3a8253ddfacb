"""Determinism: the history of a whole lifecycle (holds, SLA timers, send-back) replays cleanly,
and so do the histories stored in histories/, recorded by earlier versions of the workflow: a
change that would break running lifecycles fails here (then use workflow.patched).

LIMS_RECORD_HISTORY=1 pytest tests/workflow/test_replay.py   stores the history of a fresh run."""

import asyncio
import os
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from tests.workflow.helpers import (
    APPROVER,
    REVIEWER,
    Stack,
    accept_all,
    assign_all,
    receive,
    start_lifecycle,
    submit,
    submit_all,
)
from workflows.contracts import ApprovalInput, HoldInput, ReviewInput
from workflows.sample_lifecycle import SampleLifecycle

HISTORIES = Path(__file__).parent / "histories"
STORED = {path.stem: path.read_text() for path in sorted(HISTORIES.glob("*.json"))}


async def test_a_completed_lifecycle_replays_without_nondeterminism(
    stack: Stack, time_skipping_env: WorkflowEnvironment
) -> None:
    lab, handle = await start_lifecycle(stack, purpose="suspected_falsified")  # 3-day target
    await receive(handle)
    await time_skipping_env.sleep(timedelta(days=1))
    await handle.execute_update(SampleLifecycle.hold, HoldInput(REVIEWER, "waiting for a standard"))
    await time_skipping_env.sleep(timedelta(days=2))
    await handle.execute_update(SampleLifecycle.resume, HoldInput(REVIEWER, "standard received"))
    await assign_all(handle)
    await submit_all(stack, handle)
    first = (await handle.query(SampleLifecycle.status)).tests[0].test_id
    await handle.execute_update(
        SampleLifecycle.review, ReviewInput(REVIEWER, first, accepted=False, reason="redo")
    )
    await submit(stack, handle, first)
    await time_skipping_env.sleep(timedelta(days=3))  # past the warning and the breach
    await accept_all(handle)
    await handle.execute_update(SampleLifecycle.approve, ApprovalInput(APPROVER))
    result = await handle.result()
    assert result.sla.warning_at and result.sla.breached_at

    history = await handle.fetch_history()
    events = history.to_json()
    assert "EVENT_TYPE_TIMER_FIRED" in events
    # Operators read each SLA timer by its summary in the Temporal UI.
    starts = [e for e in history.events if e.HasField("timer_started_event_attributes")]
    summaries = [e.user_metadata.summary.data.decode() for e in starts]
    assert f'"SLA warning (80 % of 3 days) for {lab}"' in summaries

    replayed = await Replayer(workflows=[SampleLifecycle]).replay_workflow(
        WorkflowHistory.from_json(handle.id, events)
    )
    assert replayed.replay_failure is None
    if os.environ.get("LIMS_RECORD_HISTORY"):
        path = HISTORIES / "released_after_hold_send_back_and_breach.json"
        await asyncio.to_thread(path.write_text, events)


@pytest.mark.parametrize("name", sorted(STORED))
async def test_a_stored_history_replays_with_the_current_workflow(name: str) -> None:
    history = WorkflowHistory.from_json(name, STORED[name])
    await Replayer(workflows=[SampleLifecycle]).replay_workflow(history)
