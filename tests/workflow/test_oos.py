"""Out-of-specification results under the time-skipping server: the child investigation, its
durable phase deadlines with escalation, the signed findings, invalidation with a retest by
another analyst, and a confirmed OOS that goes on to review and release."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import cast

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from lims.testing.v1 import investigation_pb2, investigation_pb2_grpc, testing_pb2
from services.testing.investigation import CHECKLIST
from tests.workflow.helpers import (
    ANALYST,
    ANALYST2,
    APPROVER,
    REVIEWER,
    Lifecycle,
    Stack,
    accept_all,
    assign_all,
    eventually,
    receive,
    refusal,
    start_lifecycle,
    submit,
)
from workflows.contracts import (
    ActorRef,
    ApprovalInput,
    ConclusionInput,
    InvestigationStatus,
    PhaseOneInput,
    ResultInput,
    ReviewInput,
    investigation_workflow_id,
)
from workflows.oos_investigation import OosInvestigation
from workflows.sample_lifecycle import SampleLifecycle

QUALITY = ActorRef("quality", "Qamar Quality", "quality")
ALL_YES = dict.fromkeys(CHECKLIST, True)
Investigation = WorkflowHandle[OosInvestigation, InvestigationStatus]


@pytest.fixture
async def investigations(stack: Stack) -> AsyncIterator[list[Investigation]]:
    """Investigations the test opened; terminated after it (they outlive their sample)."""
    opened: list[Investigation] = []
    yield opened
    for handle in opened:
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("test finished")


async def oos_in_review(
    stack: Stack, opened: list[Investigation]
) -> tuple[str, Lifecycle, str, Investigation]:
    """A sample whose tests conform except the assay (94.0 % for 95.0-105.0): in review, with
    the assay's investigation open."""
    lab, handle = await start_lifecycle(stack)
    await receive(handle)
    await assign_all(handle)
    assay = f"{lab}-03"
    for n in (1, 2, 4, 5):
        await submit(stack, handle, f"{lab}-0{n}")
    status = await handle.execute_update(
        SampleLifecycle.submit_result, ResultInput(ANALYST, assay, ["94.0", "94.0"])
    )
    assert status.status == "in_review"
    [test] = [t for t in status.tests if t.test_id == assay]
    assert (test.conformity, test.investigation) == ("does_not_conform", f"{assay}-OOS1")
    investigation: Investigation = stack.client.get_workflow_handle_for(
        OosInvestigation.run, investigation_workflow_id(test.investigation)
    )
    opened.append(investigation)
    return lab, handle, assay, investigation


async def read(stack: Stack, ident: str) -> investigation_pb2.Investigation:
    """The investigation's record in testing."""
    stub = cast(
        "investigation_pb2_grpc.InvestigationServiceAsyncStub",
        investigation_pb2_grpc.InvestigationServiceStub(stack.channels.testing),
    )
    record: investigation_pb2.Investigation = await stub.GetInvestigation(
        investigation_pb2.GetInvestigationRequest(investigation_id=ident)
    )
    return record


async def test_a_confirmed_oos_is_escalated_when_late_then_reviewed_and_released(
    stack: Stack, time_skipping_env: WorkflowEnvironment, investigations: list[Investigation]
) -> None:
    _, handle, assay, investigation = await oos_in_review(stack, investigations)
    ident = f"{assay}-OOS1"
    opened = await eventually(lambda: read(stack, ident), lambda r: r.phase == "phase_1")

    # The review waits for the investigation.
    waiting = await refusal(
        handle.execute_update(SampleLifecycle.review, ReviewInput(REVIEWER, assay, True))
    )
    assert "under investigation" in waiting.message

    # Phase I's five days pass: the durable timer escalates it, once.
    await time_skipping_env.sleep(timedelta(days=5, hours=1))
    late = await eventually(lambda: read(stack, ident), lambda r: bool(r.escalations))
    assert [e.phase for e in late.escalations] == ["phase_1"]
    assert late.phase_1_due == opened.phase_1_due

    # The analyst may not sign; the reviewer finds no laboratory cause: Phase II.
    by_analyst = await refusal(
        investigation.execute_update(
            OosInvestigation.phase_one, PhaseOneInput(ANALYST, ALL_YES, False, "nothing found")
        )
    )
    assert "separation of duties" in by_analyst.message
    phase_two = await investigation.execute_update(
        OosInvestigation.phase_one,
        PhaseOneInput(REVIEWER, ALL_YES, False, "No laboratory error found"),
    )
    assert phase_two.phase == "phase_2"
    concluded = await investigation.execute_update(
        OosInvestigation.conclude,
        ConclusionInput(QUALITY, "confirmed", "Batch does not meet the assay limit"),
    )
    assert (concluded.phase, concluded.outcome) == ("concluded", "confirmed")
    assert await investigation.result() == InvestigationStatus(
        ident, assay, "concluded", "confirmed"
    )

    # The OOS result stands: it is reviewed and the sample released as not conforming.
    status = await eventually(
        lambda: handle.query(SampleLifecycle.status),
        lambda s: not [t for t in s.tests if t.investigation],
    )
    assert status.status == "in_review"
    await accept_all(handle)
    released = await handle.execute_update(SampleLifecycle.approve, ApprovalInput(APPROVER))
    assert released.status == "released"
    record = await read(stack, ident)
    assert [(s.step, s.signer.username, s.intact) for s in record.signatures] == [
        ("phase_1", "reviewer", True),
        ("concluded", "quality", True),
    ]


async def test_an_assignable_cause_invalidates_the_result_and_the_retest_goes_to_another_analyst(
    stack: Stack, investigations: list[Investigation]
) -> None:
    _, handle, assay, investigation = await oos_in_review(stack, investigations)
    await eventually(lambda: read(stack, f"{assay}-OOS1"), lambda r: r.phase == "phase_1")
    answer = await investigation.execute_update(
        OosInvestigation.phase_one,
        PhaseOneInput(
            REVIEWER,
            {**ALL_YES, "sample_preparation": False},
            True,
            "Sample solution diluted twice",
            retest_analyst="analyst2",
        ),
    )
    assert (answer.phase, answer.outcome, answer.retest_analyst) == (
        "concluded",
        "invalidated",
        "analyst2",
    )
    assert f"{assay}-OOS1" in answer.investigation_json

    status = await eventually(
        lambda: handle.query(SampleLifecycle.status), lambda s: s.status == "in_testing"
    )
    [test] = [t for t in status.tests if t.test_id == assay]
    assert (test.status, test.analyst, test.investigation) == ("assigned", "analyst2", "")
    # The first analyst can no longer enter the result; the retest's analyst can.
    original_analyst = await refusal(submit(stack, handle, assay, ANALYST))
    assert "assigned to analyst2" in original_analyst.message
    retest = await submit(stack, handle, assay, ANALYST2)
    assert retest.status == "in_review"
    stored = await stack.testing.GetTest(testing_pb2.GetTestRequest(test_id=assay))
    assert [
        (r.attempt, r.reportable_value, bool(r.invalidated_reason)) for r in stored.results
    ] == [
        (1, "94.0", True),
        (2, "100.0", False),
    ]
    await accept_all(handle)
    released = await handle.execute_update(SampleLifecycle.approve, ApprovalInput(APPROVER))
    assert released.status == "released"


async def test_conclusion_is_refused_before_phase_two(
    stack: Stack, investigations: list[Investigation]
) -> None:
    _, _, assay, investigation = await oos_in_review(stack, investigations)
    await eventually(lambda: read(stack, f"{assay}-OOS1"), lambda r: r.phase == "phase_1")
    early = await refusal(
        investigation.execute_update(
            OosInvestigation.conclude, ConclusionInput(QUALITY, "confirmed", "early")
        )
    )
    assert "needs phase_2" in early.message
