"""OosInvestigation: the child workflow of an out-of-specification result (DESIGN §5).

Opened by the sample's lifecycle when a result does not conform. Phase I (laboratory
investigation) and Phase II (full investigation) each end in a signed human step, an update;
each has a deadline on a durable timer: a phase still open when it falls is escalated (recorded
in testing, shown to the quality manager) and the investigation goes on. The workflow returns
the outcome; the lifecycle then gives the retest to another analyst or lets the review go on."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.activity_contracts as ac
    from kernel.timefmt import from_rfc3339, to_rfc3339
    from workflows.contracts import (
        INVESTIGATION_WORKFLOW,
        ConclusionInput,
        ErrorType,
        InvestigationInput,
        InvestigationStatus,
        PhaseOneInput,
        investigation_id,
    )
    from workflows.lifecycle_base import run_activity
    from workflows.lifecycle_rules import refusal, same_person

PHASE_1, PHASE_2, CONCLUDED = "phase_1", "phase_2", "concluded"


@workflow.defn(name=INVESTIGATION_WORKFLOW)
class OosInvestigation:
    """One investigation; its id is contracts.investigation_workflow_id(investigation id)."""

    @workflow.init
    def __init__(self, request: InvestigationInput) -> None:
        self._input = request
        self._id = investigation_id(request.test_id, request.attempt)
        self._record = ac.InvestigationRecorded(self._id, "", "")
        self._escalated: set[str] = set()

    @workflow.run
    async def run(self, request: InvestigationInput) -> InvestigationStatus:
        """Opens the record, then waits for each phase's signed step, escalating late phases."""
        self._record = await run_activity(
            ac.OPEN_INVESTIGATION,
            ac.OpenInvestigation(
                test_id=request.test_id,
                attempt=request.attempt,
                at=to_rfc3339(workflow.now()),
                phase_1_days=request.phase_1_days,
                phase_2_days=request.phase_2_days,
            ),
            ac.InvestigationRecorded,
            background=True,
        )
        while self._record.phase != CONCLUDED:
            await self._wait_for_phase_end(self._record.phase)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._status()

    async def _wait_for_phase_end(self, phase: str) -> None:
        due = from_rfc3339(
            self._record.phase_2_due if phase == PHASE_2 else self._record.phase_1_due
        )
        remaining = (due - workflow.now()) if due else timedelta(0)
        if phase not in self._escalated and remaining > timedelta(0):
            try:
                await workflow.wait_condition(
                    lambda: self._record.phase != phase,
                    timeout=remaining,
                    timeout_summary=f"{phase} deadline of {self._id}",
                )
                return
            except TimeoutError:
                pass
        if phase not in self._escalated and self._record.phase == phase:
            self._escalated.add(phase)
            await run_activity(
                ac.RECORD_ESCALATION,
                ac.RecordEscalation(self._id, phase, to_rfc3339(workflow.now())),
                ac.InvestigationRecorded,
                background=True,
            )
        await workflow.wait_condition(lambda: self._record.phase != phase)

    def _status(self, with_record: bool = False) -> InvestigationStatus:
        return InvestigationStatus(
            investigation_id=self._id,
            test_id=self._input.test_id,
            phase=self._record.phase,
            outcome=self._record.outcome,
            retest_analyst=self._record.retest_analyst,
            investigation_json=self._record.investigation_json if with_record else "",
        )

    @workflow.query
    def status(self) -> InvestigationStatus:
        """Where the investigation stands."""
        return self._status()

    def _check(self, phase: str, signer: str) -> None:
        if self._record.phase != phase:
            now = self._record.phase or "opening"
            raise refusal(
                ErrorType.FAILED_PRECONDITION,
                f"investigation {self._id} is {now}; this step needs {phase}",
            )
        if same_person(signer, self._input.analyst):
            raise refusal(
                ErrorType.PERMISSION_DENIED,
                f"separation of duties: {signer} obtained the result under investigation "
                "and cannot sign its findings",
            )

    @workflow.update
    async def phase_one(self, request: PhaseOneInput) -> InvestigationStatus:
        """The signed Phase I finding: a cause found ends the investigation, none opens Phase II."""
        self._check(PHASE_1, request.actor.username)
        self._record = await run_activity(
            ac.RECORD_PHASE_ONE,
            ac.RecordPhaseOne(
                investigation_id=self._id,
                actor=request.actor,
                checklist=request.checklist,
                cause_found=request.cause_found,
                summary=request.summary,
                retest_analyst=request.retest_analyst,
                meaning=request.meaning,
                at=to_rfc3339(workflow.now()),
                phase_1_days=self._input.phase_1_days,
                phase_2_days=self._input.phase_2_days,
            ),
            ac.InvestigationRecorded,
        )
        return self._status(with_record=True)

    @phase_one.validator
    def _validate_phase_one(self, request: PhaseOneInput) -> None:
        self._check(PHASE_1, request.actor.username)

    @workflow.update
    async def conclude(self, request: ConclusionInput) -> InvestigationStatus:
        """The signed Phase II conclusion."""
        self._check(PHASE_2, request.actor.username)
        self._record = await run_activity(
            ac.CONCLUDE_INVESTIGATION,
            ac.ConcludeInvestigation(
                investigation_id=self._id,
                actor=request.actor,
                outcome=request.outcome,
                summary=request.summary,
                retest_analyst=request.retest_analyst,
                meaning=request.meaning,
                at=to_rfc3339(workflow.now()),
            ),
            ac.InvestigationRecorded,
        )
        return self._status(with_record=True)

    @conclude.validator
    def _validate_conclude(self, request: ConclusionInput) -> None:
        self._check(PHASE_2, request.actor.username)
