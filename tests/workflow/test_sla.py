"""The turnaround clock on durable timers: 30 simulated days on the time-skipping server."""

import time
from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from kernel.timefmt import from_rfc3339
from lims.intake.v1 import intake_pb2
from tests.workflow.helpers import REVIEWER, Lifecycle, Stack, eventually, receive, start_lifecycle
from workflows.contracts import HoldInput, LifecycleStatus
from workflows.sample_lifecycle import SampleLifecycle


def at(text: str) -> object:
    """An RFC 3339 time as a datetime, for comparisons."""
    return from_rfc3339(text)


async def skip_to(env: WorkflowEnvironment, handle: Lifecycle, days: float) -> LifecycleStatus:
    """Skips simulated time to `days` after the receipt, then reads the workflow's status."""
    status = await handle.query(SampleLifecycle.status)
    started = from_rfc3339(status.sla.started_at)
    assert started is not None
    target = started + timedelta(days=days)
    await env.sleep(target - await env.get_current_time())
    return await handle.query(SampleLifecycle.status)


async def fired(handle: Lifecycle, field: str) -> LifecycleStatus:
    """The status once the mark `field` is set (the timer's workflow task may still be running)."""
    return await eventually(
        lambda: handle.query(SampleLifecycle.status), lambda s: bool(getattr(s.sla, field))
    )


async def test_warning_fires_at_80_and_breach_at_100_percent_of_30_days(
    stack: Stack, time_skipping_env: WorkflowEnvironment
) -> None:
    lab, handle = await start_lifecycle(stack, purpose="market_surveillance")
    received = await receive(handle)
    started = from_rfc3339(received.sla.started_at)
    assert started is not None
    assert received.sla.target_days == 30
    assert at(received.sla.due_at) == started + timedelta(days=30)
    wall = time.monotonic()

    before_warning = await skip_to(time_skipping_env, handle, 23.9)
    assert before_warning.sla.warning_at == ""
    await skip_to(time_skipping_env, handle, 24.1)
    warned = await fired(handle, "warning_at")
    assert at(warned.sla.warning_at) == started + timedelta(days=24)
    assert warned.sla.breached_at == ""

    before_breach = await skip_to(time_skipping_env, handle, 29.9)
    assert before_breach.sla.breached_at == ""
    await skip_to(time_skipping_env, handle, 30.1)
    breached = await fired(handle, "breached_at")
    assert at(breached.sla.breached_at) == started + timedelta(days=30)
    elapsed = time.monotonic() - wall
    assert elapsed < 5, f"30 simulated days took {elapsed:.2f} s of wall time"

    sample = await eventually(
        lambda: stack.intake.GetSample(intake_pb2.GetSampleRequest(lab_number=lab)),
        lambda s: bool(s.sla_breached_at),
    )
    assert at(sample.sla_warning_at) == started + timedelta(days=24)
    assert at(sample.sla_breached_at) == started + timedelta(days=30)
    assert at(sample.sla_due_at) == started + timedelta(days=30)
    actions = [e.action for e in sample.timeline]
    assert actions.count("sla_warning") == 1
    assert actions.count("sla_breach") == 1


async def test_a_hold_of_five_days_pushes_warning_and_breach_by_five_days(
    stack: Stack, time_skipping_env: WorkflowEnvironment
) -> None:
    lab, handle = await start_lifecycle(stack, purpose="market_surveillance")
    received = await receive(handle)
    started = from_rfc3339(received.sla.started_at)
    assert started is not None

    await skip_to(time_skipping_env, handle, 10)
    held = await handle.execute_update(
        SampleLifecycle.hold, HoldInput(REVIEWER, "awaiting reference standard")
    )
    assert held.sla.on_hold
    await skip_to(time_skipping_env, handle, 15)
    resumed = await handle.execute_update(
        SampleLifecycle.resume, HoldInput(REVIEWER, "reference standard received")
    )
    assert not resumed.sla.on_hold
    # Five simulated days, give or take the wall-clock instants the updates took.
    hold = timedelta(seconds=resumed.sla.held_seconds)
    assert abs(hold - timedelta(days=5)) < timedelta(minutes=1)
    assert at(resumed.sla.due_at) == started + timedelta(days=30) + hold

    intake = await stack.intake.GetSample(intake_pb2.GetSampleRequest(lab_number=lab))
    assert at(intake.sla_due_at) == started + timedelta(days=30) + hold
    assert [e.action for e in intake.timeline].count("sla_due_set") == 2

    not_yet = await skip_to(time_skipping_env, handle, 28.9)
    assert not_yet.sla.warning_at == ""
    await skip_to(time_skipping_env, handle, 29.1)
    warned = await fired(handle, "warning_at")
    assert at(warned.sla.warning_at) == started + timedelta(days=24) + hold

    not_yet = await skip_to(time_skipping_env, handle, 34.9)
    assert not_yet.sla.breached_at == ""
    await skip_to(time_skipping_env, handle, 35.1)
    breached = await fired(handle, "breached_at")
    assert at(breached.sla.breached_at) == started + timedelta(days=30) + hold


async def test_a_hold_straddling_the_warning_fires_it_only_after_the_resume(
    stack: Stack, time_skipping_env: WorkflowEnvironment
) -> None:
    _, handle = await start_lifecycle(stack, purpose="complaint")  # 10 days: warning at day 8
    received = await receive(handle)
    started = from_rfc3339(received.sla.started_at)
    assert started is not None

    await skip_to(time_skipping_env, handle, 7)
    await handle.execute_update(SampleLifecycle.hold, HoldInput(REVIEWER, "instrument down"))
    while_held = await skip_to(time_skipping_env, handle, 12)
    assert while_held.sla.warning_at == ""
    resumed = await handle.execute_update(
        SampleLifecycle.resume, HoldInput(REVIEWER, "instrument repaired")
    )
    hold = timedelta(seconds=resumed.sla.held_seconds)

    await skip_to(time_skipping_env, handle, 13.1)
    warned = await fired(handle, "warning_at")
    assert at(warned.sla.warning_at) == started + timedelta(days=8) + hold
