"""The machinery under SampleLifecycle: its state, how a change is recorded in the services'
read models and published to operators, and the turnaround clock's durable timers.

Workflow code: deterministic, no I/O; services are reached only through activities, called by
name so this module never imports the gRPC side."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    # `import a.b`, not `from a import b`: the sandbox passes a.b through only in this form.
    import workflows.activity_contracts as ac
    from kernel.lifecycle import SampleStatus, TestStatus
    from kernel.timefmt import from_rfc3339, to_rfc3339
    from workflows.contracts import (
        ASSIGNEES,
        SAMPLE_STATUS,
        SLA_DUE,
        ActorRef,
        ErrorType,
        LifecycleInput,
        LifecycleStatus,
        SlaState,
    )
    from workflows.lifecycle_rules import Progress, refusal
    from workflows.sla import Mark, SlaClock, mark_label

Result = TypeVar("Result")

_REFUSALS = {kind.value for kind in ErrorType}
# Steps a person waits for: a few quick retries, then the update fails and the person may try
# again (every call is idempotent, so a second try never duplicates a record).
INTERACTIVE = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=5,
    non_retryable_error_types=sorted(_REFUSALS),
)
# SLA marks nobody waits for: retried until the service is back.
BACKGROUND = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=sorted(_REFUSALS),
)
TIMEOUT = timedelta(seconds=30)


class LifecycleBase:
    """State and mechanics of a sample's lifecycle; SampleLifecycle adds the updates."""

    def __init__(self, request: LifecycleInput) -> None:
        self._input = request
        self._lab = request.lab_number
        self._progress = Progress(
            request.lab_number, allow_reviewer_as_approver=request.allow_reviewer_as_approver
        )
        self._lock = asyncio.Lock()
        self._clock: SlaClock | None = None
        self._target_days = 0
        self._working_days = False
        self._started_at = ""
        self._fired: dict[Mark, str] = {}  # mark -> when it fell (RFC 3339)
        self._clock_changes = 0  # bumped on hold, resume and end: the SLA timer re-plans
        self._due_sets = 0
        self._status_changes = 0
        self._report_number = ""
        self._ended = False
        self._published: dict[str, object] = {}

    # --- the turnaround clock

    def _start_clock(self, receipt: ac.ReceiptRecorded) -> None:
        """Starts the turnaround clock at the receipt time; `run` then watches it."""
        if receipt.sla_target_days <= 0:
            workflow.logger.warning("%s has no turnaround target: no SLA timers", self._lab)
            return
        started = from_rfc3339(receipt.received_at) or workflow.now()
        self._target_days = receipt.sla_target_days
        self._working_days = receipt.sla_basis == "working_days"
        self._started_at = to_rfc3339(started)
        # Intake fixes the target as calendar time at receipt (working days skip weekends and
        # holidays); a history recorded before that gives only the days, so they stay the rule.
        if receipt.sla_target_seconds > 0:
            target = timedelta(seconds=receipt.sla_target_seconds)
        else:
            target = timedelta(days=self._target_days)
        self._clock = SlaClock(started_at=started, target=target)

    async def _record_due(self, at: datetime) -> None:
        """Records the due time in force (at receipt, and on each resume) in intake."""
        assert self._clock is not None
        n = self._due_sets + 1
        await self._activity(
            ac.RECORD_SLA_EVENT,
            ac.RecordSlaEvent(
                self._lab,
                "due_set",
                to_rfc3339(at),
                to_rfc3339(self._clock.due_at(at)),
                f"{self._lab}:sla:due_set:{n}",
            ),
            ac.SlaEventRecorded,
        )
        self._due_sets = n

    async def _watch_sla(self) -> None:
        """Waits for the next mark, or for the clock to change, until the lifecycle ends."""
        while not self._ended:
            assert self._clock is not None
            seen = self._clock_changes

            def changed(seen: int = seen) -> bool:
                return self._ended or self._clock_changes != seen

            upcoming = self._clock.next_mark(frozenset(self._fired))
            if upcoming is None:  # on hold before the next mark, or every mark fired
                await workflow.wait_condition(changed)
                continue
            mark, at = upcoming
            wait = at - workflow.now()
            if wait > timedelta(0):  # a zero timeout would time out at once: fire instead
                try:
                    await workflow.wait_condition(
                        changed,
                        timeout=wait,
                        timeout_summary=(
                            f"{mark_label(mark, self._target_days, self._working_days)}"
                            f" for {self._lab}"
                        ),
                    )
                except TimeoutError:
                    pass
                if changed():
                    continue  # re-plan: a hold may have moved the mark
            await self._fire(mark, at)

    async def _fire(self, mark: Mark, at: datetime) -> None:
        assert self._clock is not None
        self._fired[mark] = to_rfc3339(at)
        self._publish()
        event = ac.RecordSlaEvent(
            self._lab,
            mark.value,
            to_rfc3339(at),
            to_rfc3339(self._clock.due_at(workflow.now())),
            f"{self._lab}:sla:{mark.value}",
        )
        try:
            await self._activity(ac.RECORD_SLA_EVENT, event, ac.SlaEventRecorded, background=True)
        except ApplicationError as error:
            # The mark stays in the workflow's state; a refusal must not fail the lifecycle.
            workflow.logger.warning("intake refused the %s mark of %s: %s", mark, self._lab, error)

    # --- state changes and their read models

    @asynccontextmanager
    async def _step(self) -> AsyncIterator[None]:
        """One human step: serialised on the lock, and published once when it ends (also when
        it fails part-way), so that each step upserts its search attributes in one call."""
        async with self._lock:
            try:
                yield
            finally:
                self._publish()

    async def _change_status(self, status: SampleStatus, actor: ActorRef, reason: str = "") -> None:
        """Records the new status in intake's read model, then moves to it."""
        n = self._status_changes + 1
        await self._activity(
            ac.RECORD_STATUS,
            ac.RecordStatus(
                lab_number=self._lab,
                actor=actor,
                status=status.value,
                event_key=f"{self._lab}:status:{n}:{status.value}",
                at=to_rfc3339(workflow.now()),
                reason=reason,
            ),
            ac.StatusRecorded,
        )
        self._status_changes = n
        self._move(status)

    def _move(self, status: SampleStatus) -> None:
        self._progress.status = status

    def _end(self) -> None:
        self._ended = True
        self._clock_changes += 1

    def _published_at_start(self) -> None:
        """What the starter already set (the gateway sets the status): not upserted again."""
        given = workflow.info().typed_search_attributes
        for key in (SAMPLE_STATUS, ASSIGNEES, SLA_DUE):
            value = given.get(key)
            if value is not None:
                self._published[key.name] = value

    def _publish(self) -> None:
        """Search attributes (only those that changed, in one upsert: each is a visibility write)
        and current details for operators. The due time is not re-published while the clock is
        stopped (on hold) nor once the lifecycle has ended."""
        wanted: dict[str, tuple[object, SearchAttributeUpdate[Any]]] = {}
        status = self._progress.status.value
        wanted[SAMPLE_STATUS.name] = (status, SAMPLE_STATUS.value_set(status))
        analysts = sorted({t.analyst for t in self._progress.tests.values() if t.analyst})
        if analysts:
            wanted[ASSIGNEES.name] = (analysts, ASSIGNEES.value_set(analysts))
        due = self._clock.due_at(workflow.now()) if self._clock is not None else None
        if due is not None and not (self._ended or (self._clock and self._clock.on_hold)):
            wanted[SLA_DUE.name] = (due, SLA_DUE.value_set(due))
        updates = [u for name, (v, u) in wanted.items() if self._published.get(name) != v]
        if updates:
            workflow.upsert_search_attributes(updates)
            self._published.update({name: v for name, (v, _) in wanted.items()})
        workflow.set_current_details(self._details(due))

    def _details(self, due: datetime | None) -> str:
        tests = list(self._progress.tests.values())
        accepted = sum(t.status == TestStatus.ACCEPTED for t in tests)
        parts = [f"{self._lab}: {self._progress.status.value}"]
        if tests:
            parts.append(f"{accepted}/{len(tests)} tests accepted")
        if due is not None:
            unit = "working days" if self._working_days else "days"
            parts.append(f"SLA due {due:%Y-%m-%d %H:%M} UTC ({self._target_days} {unit})")
        if self._fired:
            parts.append("SLA " + " and ".join(m.value for m in self._fired))
        if self._report_number:
            parts.append(f"certificate {self._report_number}")
        return " · ".join(parts)

    def _snapshot(self) -> LifecycleStatus:
        sla = SlaState()
        if self._clock is not None:
            now = workflow.now()
            sla = SlaState(
                target_days=self._target_days,
                target_basis="working_days" if self._working_days else "calendar_days",
                target_seconds=self._clock.target.total_seconds(),
                started_at=self._started_at,
                due_at=to_rfc3339(self._clock.due_at(now)),
                warning_at=self._fired.get(Mark.WARNING, ""),
                breached_at=self._fired.get(Mark.BREACH, ""),
                on_hold=self._clock.on_hold,
                held_seconds=self._clock.held(now).total_seconds(),
            )
        return LifecycleStatus(
            lab_number=self._lab,
            status=self._progress.status.value,
            tests=[replace(t) for t in self._progress.tests.values()],
            sla=sla,
            report_number=self._report_number,
        )

    async def _activity(
        self,
        name: str,
        arg: object,
        result_type: type[Result],
        *,
        background: bool = False,
        start_to_close: timedelta = TIMEOUT,
    ) -> Result:
        return await run_activity(
            name, arg, result_type, background=background, start_to_close=start_to_close
        )


async def run_activity(
    name: str,
    arg: object,
    result_type: type[Result],
    *,
    background: bool = False,
    start_to_close: timedelta = TIMEOUT,
) -> Result:
    """Runs an activity; a service's refusal comes back as the same ApplicationError."""
    try:
        result: Result = await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=start_to_close,
            retry_policy=BACKGROUND if background else INTERACTIVE,
        )
    except ActivityError as error:
        cause = error.cause
        if isinstance(cause, ApplicationError) and cause.type in _REFUSALS:
            raise refusal(ErrorType(cause.type), cause.message) from None
        raise
    return result
