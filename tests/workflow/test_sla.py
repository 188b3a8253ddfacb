"""The turnaround clock on durable timers: 30 simulated days on the time-skipping server."""

import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from temporalio.testing import WorkflowEnvironment

from kernel.settings import Settings
from kernel.timefmt import from_rfc3339
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from services.intake.turnaround import Basis, Target, WorkingCalendar, target_duration
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


def registration_urgent(
    days: int, basis: int, reason: str
) -> intake_pb2.SetTurnaroundTargetRequest:
    """The admin's change of the registration/urgent target (no other test uses it)."""
    return intake_pb2.SetTurnaroundTargetRequest(
        actor=common_pb2.Actor(username="admin", full_name="Admin LIMS", role="admin"),
        purpose=common_pb2.PURPOSE_REGISTRATION,
        priority=common_pb2.PRIORITY_URGENT,
        days=days,
        basis=basis,  # type: ignore[arg-type]
        reason=reason,
    )


async def test_a_target_in_working_days_times_the_marks_on_the_calendar_time_intake_fixed(
    stack: Stack, time_skipping_env: WorkflowEnvironment
) -> None:
    working = intake_pb2.TURNAROUND_BASIS_WORKING_DAYS
    await stack.intake.SetTurnaroundTarget(registration_urgent(5, working, "new SOP"))
    try:
        lab, handle = await start_lifecycle(stack, purpose="registration", priority="urgent")
        received = await receive(handle)
    finally:
        calendar_days = intake_pb2.TURNAROUND_BASIS_CALENDAR_DAYS
        await stack.intake.SetTurnaroundTarget(registration_urgent(30, calendar_days, "restore"))
    started = from_rfc3339(received.sla.started_at)
    assert started is not None
    # Monday to Friday, no holiday: 5 to 7 calendar days, by the weekday of the receipt.
    expected = target_duration(
        started,
        Target(5, Basis.WORKING_DAYS),
        WorkingCalendar(),
        ZoneInfo(Settings().timezone),
    )
    assert timedelta(days=5) <= expected <= timedelta(days=7)
    days = expected / timedelta(days=1)
    assert (received.sla.target_days, received.sla.target_basis) == (5, "working_days")
    assert received.sla.target_seconds == expected.total_seconds()
    assert at(received.sla.due_at) == started + expected

    await skip_to(time_skipping_env, handle, days * 0.8 - 0.1)
    assert (await handle.query(SampleLifecycle.status)).sla.warning_at == ""
    await skip_to(time_skipping_env, handle, days * 0.8 + 0.1)
    warned = await fired(handle, "warning_at")
    assert at(warned.sla.warning_at) == started + expected * 4 / 5
    await skip_to(time_skipping_env, handle, days + 0.1)
    breached = await fired(handle, "breached_at")
    assert at(breached.sla.breached_at) == started + expected

    sample = await eventually(
        lambda: stack.intake.GetSample(intake_pb2.GetSampleRequest(lab_number=lab)),
        lambda s: bool(s.sla_breached_at),
    )
    assert at(sample.sla_due_at) == started + expected
    breach = next(e for e in sample.timeline if e.action == "sla_breach")
    assert breach.detail.startswith("turnaround target (5 working days) breached")
