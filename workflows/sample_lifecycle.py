"""SampleLifecycle: one workflow per sample, from registration to release (DESIGN §5).

Human steps are updates: a validator refuses before anything enters history, and the handler,
serialised on a lock, checks again (the state may have moved since), calls the services
through activities, then changes the state, which it publishes to operators once as it ends.
The turnaround clock runs in `run` from receipt to the end, on durable timers that operators
read in the Temporal UI (workflows.lifecycle_base)."""

import asyncio
from dataclasses import replace
from datetime import timedelta

from temporalio import workflow
from temporalio.workflow import ChildWorkflowHandle, ParentClosePolicy

from workflows.lifecycle_base import LifecycleBase

with workflow.unsafe.imports_passed_through():
    import workflows.activity_contracts as ac
    from kernel.lifecycle import SampleStatus, TestStatus
    from kernel.timefmt import to_rfc3339
    from workflows.contracts import (
        SAMPLE_WORKFLOW,
        SYSTEM_ACTOR,
        ApprovalInput,
        AssignmentInput,
        HoldInput,
        InvestigationInput,
        InvestigationStatus,
        LifecycleInput,
        LifecycleStatus,
        ReceiptInput,
        ResultInput,
        ReviewInput,
        TestState,
        investigation_id,
        investigation_workflow_id,
    )
    from workflows.oos_investigation import OosInvestigation

# The patch id of the rejection's notification (workflow.patched).
NOTIFY_REJECTION = "notify-rejection"
# The patch id of the rejection's e-mail to the request's contact.
EMAIL_REJECTION = "email-rejection"
# Issuing gathers three services' records and may render the certificate.
_ISSUE_TIMEOUT = timedelta(seconds=120)


@workflow.defn(name=SAMPLE_WORKFLOW)
class SampleLifecycle(LifecycleBase):
    """The lifecycle of one sample; its id is contracts.sample_workflow_id(lab_number)."""

    @workflow.init
    def __init__(self, request: LifecycleInput) -> None:
        super().__init__(request)
        self._followed: list[asyncio.Task[None]] = []
        self._rejection_reason = ""

    @workflow.run
    async def run(self, request: LifecycleInput) -> LifecycleStatus:
        """Waits for the updates to drive the sample to its end; watches the SLA meanwhile."""
        self._published_at_start()
        self._publish()
        await workflow.wait_condition(lambda: self._clock is not None or self._ended)
        if self._clock is not None:
            await self._watch_sla()
        await workflow.wait_condition(lambda: self._ended)
        await workflow.wait_condition(workflow.all_handlers_finished)
        # Patched: lifecycles rejected before notifications existed replay without it.
        if self._progress.status is SampleStatus.REJECTED and workflow.patched(NOTIFY_REJECTION):
            await self._notify_rejection()
            # Patched: lifecycles rejected before the outbox existed replay without it.
            if workflow.patched(EMAIL_REJECTION):
                await self._email_rejection()
        return self._snapshot()

    async def _email_rejection(self) -> None:
        """Writes the rejection notice for the request's contact e-mail and sends it when a mail
        server is configured; retried until the server takes it (it may stay pending)."""
        await self._activity(
            ac.EMAIL_REJECTION,
            ac.EmailRejection(lab_number=self._lab, notification_key=f"{self._lab}:rejected"),
            ac.EmailOutcome,
            background=True,
        )

    async def _notify_rejection(self) -> None:
        """Tells the requester (and who logged the request) that the sample was rejected.
        Here rather than in the update: the person receiving is not kept waiting, and the
        notification is retried until intake takes it."""
        recipients = sorted({self._input.requester, self._input.registered_by.username} - {""})
        if not recipients:
            return
        await self._activity(
            ac.NOTIFY,
            ac.Notify(
                notification_key=f"{self._lab}:rejected",
                usernames=recipients,
                subject=f"{self._lab} rejected at receipt",
                text=f"Sample {self._lab} was rejected at receipt: {self._rejection_reason}",
                lab_number=self._lab,
            ),
            ac.Notified,
            background=True,
        )

    @workflow.query
    def status(self) -> LifecycleStatus:
        """Where the sample stands: status, tests, SLA, report number."""
        return self._snapshot()

    # --- updates: each validator refuses before history; each handler re-checks under the lock

    @workflow.update
    async def receive(self, request: ReceiptInput) -> LifecycleStatus:
        """Receipt check: accepted (test plan, clock starts) or rejected (the lifecycle ends)."""
        async with self._step():
            self._progress.check_receive(request)
            if self._progress.status is SampleStatus.REGISTERED:
                receipt = await self._activity(
                    ac.RECORD_RECEIPT,
                    ac.RecordReceipt(
                        lab_number=self._lab,
                        actor=request.actor,
                        accepted=request.accepted,
                        at=to_rfc3339(workflow.now()),
                        condition=request.condition,
                        quantity_received=request.quantity_received,
                        reason=request.reason,
                        seals_intact=request.seals_intact,
                        labelling_legible=request.labelling_legible,
                        temperature_on_arrival=request.temperature_on_arrival,
                        accept_insufficient_quantity=request.accept_insufficient_quantity,
                        product_code=self._input.product_code,
                    ),
                    ac.ReceiptRecorded,
                )
                if not request.accepted:
                    self._rejection_reason = request.reason
                    self._move(SampleStatus.REJECTED)
                    self._end()
                    return self._snapshot()
                self._move(SampleStatus.RECEIVED)
                self._start_clock(receipt)
            # A receipt that failed part-way (intake or testing down) is completed by a second one.
            if self._clock is not None and self._due_sets == 0:
                await self._record_due(workflow.now())
            plan = await self._activity(
                ac.CREATE_TEST_PLAN,
                ac.CreateTestPlan(self._lab, self._input.product_code, request.actor),
                ac.TestPlanCreated,
            )
            self._progress.tests = {t.test_id: t for t in plan.tests}
            return self._snapshot()

    @receive.validator
    def _validate_receive(self, request: ReceiptInput) -> None:
        self._progress.check_receive(request)

    @workflow.update
    async def assign(self, request: AssignmentInput) -> LifecycleStatus:
        """Assigns (or reassigns) a test; the first assignment starts testing."""
        async with self._step():
            self._progress.check_assign(request)
            test = await self._activity(
                ac.ASSIGN_TEST,
                ac.AssignTest(
                    request.test_id,
                    request.analyst,
                    request.actor,
                    instrument=request.instrument,
                    reference_standard_lots=request.reference_standard_lots,
                    reagent_lots=request.reagent_lots,
                ),
                TestState,
            )
            self._progress.tests[test.test_id] = replace(test, test_json="", test_proto="")
            if self._progress.status is SampleStatus.RECEIVED:
                await self._change_status(SampleStatus.IN_TESTING, request.actor)
            return replace(self._snapshot(), test_json=test.test_json, test_proto=test.test_proto)

    @assign.validator
    def _validate_assign(self, request: AssignmentInput) -> None:
        self._progress.check_assign(request)

    @workflow.update
    async def submit_result(self, request: ResultInput) -> LifecycleStatus:
        """The assigned analyst's result; once every test has one, the sample goes to review."""
        async with self._step():
            self._progress.check_result(request)
            test = self._progress.tests[request.test_id]
            result = await self._activity(
                ac.SUBMIT_RESULT,
                ac.SubmitResult(
                    test_id=test.test_id,
                    values=request.values,
                    actor=request.actor,
                    # One key per attempt: a retry, even by a second update, records it once.
                    submission_key=f"{self._lab}:{test.test_id}:result:{test.attempt + 1}",
                    remarks=request.remarks,
                    instrument=request.instrument,
                    reference_standard_lots=request.reference_standard_lots,
                    reagent_lots=request.reagent_lots,
                ),
                ac.ResultSubmitted,
            )
            test.status = TestStatus.SUBMITTED.value
            test.attempt = result.attempt
            test.conformity = result.conformity
            self._progress.authors.add(request.actor.username)
            if result.conformity == "does_not_conform":
                await self._open_investigation(test)
            if self._progress.all_submitted():
                await self._change_status(SampleStatus.IN_REVIEW, request.actor)
            return replace(
                self._snapshot(), test_json=result.test_json, test_proto=result.test_proto
            )

    async def _open_investigation(self, test: TestState) -> None:
        """An OOS result cannot be accepted as is: its investigation runs as a child workflow,
        which outlives the sample's lifecycle if that ends first (a cancelled sample's OOS is
        still concluded). The test waits for its outcome."""
        ident = investigation_id(test.test_id, test.attempt)
        handle = await workflow.start_child_workflow(
            OosInvestigation.run,
            InvestigationInput(
                lab_number=self._lab,
                test_id=test.test_id,
                attempt=test.attempt,
                analyst=test.analyst,
                phase_1_days=self._input.oos_phase_1_days,
                phase_2_days=self._input.oos_phase_2_days,
            ),
            id=investigation_workflow_id(ident),
            parent_close_policy=ParentClosePolicy.ABANDON,
            static_summary=f"OOS investigation of {test.test_id} (result {test.attempt})",
        )
        test.investigation = ident
        self._followed.append(asyncio.create_task(self._follow(handle, test.test_id)))

    async def _follow(
        self, handle: ChildWorkflowHandle[OosInvestigation, InvestigationStatus], test_id: str
    ) -> None:
        """Applies an investigation's outcome to its test once it is concluded."""
        outcome = await handle
        async with self._step():
            test = self._progress.tests[test_id]
            test.investigation = ""
            if outcome.outcome != "invalidated":
                return  # confirmed: the OOS result stands and goes to review
            # Testing invalidated the result and assigned the retest in the same transaction.
            test.status = TestStatus.ASSIGNED.value
            test.analyst = outcome.retest_analyst
            reason = (
                f"{test_id}: result {test.attempt} invalidated by {outcome.investigation_id}; "
                f"retest assigned to {outcome.retest_analyst}"
            )
            if self._progress.status is SampleStatus.IN_REVIEW:
                await self._change_status(SampleStatus.IN_TESTING, SYSTEM_ACTOR, reason)
            elif self._progress.before_hold is SampleStatus.IN_REVIEW:
                self._progress.before_hold = SampleStatus.IN_TESTING

    @submit_result.validator
    def _validate_submit_result(self, request: ResultInput) -> None:
        self._progress.check_result(request)

    @workflow.update
    async def review(self, request: ReviewInput) -> LifecycleStatus:
        """A signed review: accepted, or sent back to the analyst (the sample returns to testing)."""
        async with self._step():
            self._progress.check_review(request)
            test = self._progress.tests[request.test_id]
            reviewed = await self._activity(
                ac.REVIEW_TEST,
                ac.ReviewTest(
                    lab_number=self._lab,
                    test_id=test.test_id,
                    attempt=test.attempt,
                    reviewer=request.actor,
                    accepted=request.accepted,
                    review_key=f"{self._lab}:{test.test_id}:review:{test.attempt}",
                    reason=request.reason,
                ),
                ac.TestReviewed,
            )
            self._progress.reviewers.add(request.actor.username)
            if request.accepted:
                test.status = TestStatus.ACCEPTED.value
                if self._progress.all_accepted():
                    await self._change_status(SampleStatus.AWAITING_APPROVAL, request.actor)
            else:
                test.status = TestStatus.ASSIGNED.value
                reason = f"{test.test_id} sent back: {request.reason}"
                await self._change_status(SampleStatus.IN_TESTING, request.actor, reason)
            return replace(
                self._snapshot(), test_json=reviewed.test_json, test_proto=reviewed.test_proto
            )

    @review.validator
    def _validate_review(self, request: ReviewInput) -> None:
        self._progress.check_review(request)

    @workflow.update
    async def approve(self, request: ApprovalInput) -> LifecycleStatus:
        """The approver signs; the certificate is issued and the sample released."""
        async with self._step():
            self._progress.check_approve(request)
            await self._activity(
                ac.RECORD_APPROVAL,
                ac.RecordApproval(
                    lab_number=self._lab,
                    approver=request.actor,
                    analysts=sorted(self._progress.authors),
                    reviewers=sorted(self._progress.reviewers),
                ),
                ac.ApprovalRecorded,
            )
            issued = await self._activity(
                ac.ISSUE_CERTIFICATE,
                ac.IssueCertificate(self._lab, request.actor),
                ac.CertificateIssued,
                start_to_close=_ISSUE_TIMEOUT,
            )
            self._report_number = issued.report_number
            await self._change_status(SampleStatus.RELEASED, request.actor)
            self._end()
            return self._snapshot()

    @approve.validator
    def _validate_approve(self, request: ApprovalInput) -> None:
        self._progress.check_approve(request)

    @workflow.update
    async def hold(self, request: HoldInput) -> LifecycleStatus:
        """Puts the sample on hold: the turnaround clock stops."""
        async with self._step():
            self._progress.check_hold(request)
            before = self._progress.status
            await self._change_status(SampleStatus.ON_HOLD, request.actor, request.reason)
            self._progress.before_hold = before
            if self._clock is not None:
                # The clock stops when the hold takes effect, after intake recorded it: a mark
                # that fell while the activity ran was due before the hold.
                self._clock = self._clock.hold(workflow.now())
                self._clock_changes += 1
            return self._snapshot()

    @hold.validator
    def _validate_hold(self, request: HoldInput) -> None:
        self._progress.check_hold(request)

    @workflow.update
    async def resume(self, request: HoldInput) -> LifecycleStatus:
        """Back to the state before the hold; the clock runs again and the new due time is set."""
        async with self._step():
            self._progress.check_resume(request)
            back = self._progress.before_hold or SampleStatus.REGISTERED
            await self._change_status(back, request.actor, request.reason)
            self._progress.before_hold = None
            if self._clock is not None:
                at = workflow.now()
                self._clock = self._clock.resume(at)
                self._clock_changes += 1
                await self._record_due(at)
            return self._snapshot()

    @resume.validator
    def _validate_resume(self, request: HoldInput) -> None:
        self._progress.check_resume(request)

    @workflow.update
    async def cancel(self, request: HoldInput) -> LifecycleStatus:
        """Cancels the sample (active or on hold); the lifecycle ends."""
        async with self._step():
            self._progress.check_cancel(request)
            await self._change_status(SampleStatus.CANCELLED, request.actor, request.reason)
            if self._clock is not None and self._clock.on_hold:
                # Closes the hold, so the held time in the final status stops growing.
                self._clock = self._clock.resume(workflow.now())
            self._end()
            return self._snapshot()

    @cancel.validator
    def _validate_cancel(self, request: HoldInput) -> None:
        self._progress.check_cancel(request)
