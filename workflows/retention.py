"""SampleRetention: one workflow per retained sample, from the day its retained part is put away
until it is disposed of (issue 4). A durable timer sleeps until the retention ends (a year and
more: the worker may restart any number of times meanwhile), then an activity marks the
disposal due in intake, which notifies reception; the workflow then waits for the `disposed`
signal the gateway sends once the signed disposal is recorded. An early disposal (with a
reason) sends the same signal and ends it before the timer falls.

Workflow code: deterministic, no I/O; intake is reached only through activities, by name."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.activity_contracts as ac
    from kernel.timefmt import from_rfc3339, to_rfc3339
    from workflows.contracts import (
        RETENTION_WORKFLOW,
        DisposalInput,
        RetentionInput,
        RetentionStatus,
    )
    from workflows.lifecycle_base import BACKGROUND, TIMEOUT


@workflow.defn(name=RETENTION_WORKFLOW)
class SampleRetention:
    """The disposal reminder of one sample; its id is contracts.retention_workflow_id."""

    @workflow.init
    def __init__(self, request: RetentionInput) -> None:
        self._input = request
        self._disposed = False
        self._due_marked_at = ""

    @workflow.run
    async def run(self, request: RetentionInput) -> RetentionStatus:
        """Sleeps until the retention ends (or the sample is disposed of earlier), reminds
        reception, then waits for the disposal."""
        due = from_rfc3339(request.due_at) or workflow.now()
        wait = due - workflow.now()
        workflow.set_current_details(f"{request.lab_number}: retained until {request.retain_until}")
        if wait > timedelta(0):  # a zero timeout would time out at once: remind now instead
            try:
                await workflow.wait_condition(
                    lambda: self._disposed,
                    timeout=wait,
                    timeout_summary=f"retention of {request.lab_number} ends",
                )
            except TimeoutError:
                pass
        if not self._disposed:
            marked = await workflow.execute_activity(
                ac.MARK_DISPOSAL_DUE,
                ac.MarkDisposalDue(request.lab_number, to_rfc3339(workflow.now())),
                result_type=ac.DisposalDueMarked,
                start_to_close_timeout=TIMEOUT,
                retry_policy=BACKGROUND,
            )
            self._due_marked_at = marked.disposal_due_at
            # Disposed of meanwhile (the signal may have been lost while the worker was down):
            # intake's record is the truth.
            self._disposed = self._disposed or bool(marked.disposed_at)
            workflow.set_current_details(f"{request.lab_number}: disposal due, awaiting it")
            await workflow.wait_condition(lambda: self._disposed)
        workflow.set_current_details(f"{request.lab_number}: disposed of")
        return self.status()

    @workflow.signal
    def disposed(self, request: DisposalInput) -> None:
        """The signed disposal was recorded in intake: the reminder ends."""
        self._disposed = True

    @workflow.query
    def status(self) -> RetentionStatus:
        """When the retention ends, whether the reminder fell, whether the sample is disposed."""
        return RetentionStatus(
            lab_number=self._input.lab_number,
            due_at=self._input.due_at,
            disposal_due_at=self._due_marked_at,
            disposed=self._disposed,
        )
