"""TestingService over a real gRPC server and a real database (SQLite and PostgreSQL): test plans,
assignment, results, review, the worklist, idempotency and the audit chain."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

import grpc
import pytest
from sqlalchemy import func, select

from kernel.audit import verify_chain
from kernel.db import Database
from kernel.settings import Settings
from lims.common.v1 import common_pb2
from lims.testing.v1 import testing_pb2, testing_pb2_grpc
from services.testing import main
from services.testing.models import AuditEntry
from tests.support.grpc import serving
from tests.support.resources import demo_instrument

SETTINGS = Settings(demo=True)
RECEPTION = common_pb2.Actor(username="reception", full_name="Rania Reception", role="reception")
REVIEWER = common_pb2.Actor(username="reviewer", full_name="Rachid Reviewer", role="reviewer")
ANALYST = common_pb2.Actor(username="analyst", full_name="Amina Analyst", role="analyst")
ANALYST2 = common_pb2.Actor(username="analyst2", full_name="Omar Analyst", role="analyst")
LAB1, LAB2 = "LNCM-2026-00001", "LNCM-2026-00002"
ASSAY = f"{LAB1}-03"
CONFORMS, FAILS = common_pb2.CONFORMITY_CONFORMS, common_pb2.CONFORMITY_DOES_NOT_CONFORM
ASSIGNED, SUBMITTED = testing_pb2.TEST_STATUS_ASSIGNED, testing_pb2.TEST_STATUS_SUBMITTED


@dataclass
class Lab:
    """A running testing service and its database."""

    stub: "testing_pb2_grpc.TestingServiceAsyncStub"
    db: Database
    channel: grpc.aio.Channel  # for the testing process's other services

    async def plan(
        self, lab_number: str = LAB1, product: str = "PARA-500-TAB"
    ) -> testing_pb2.TestPlan:
        """Plans a sample (the receiving clerk acts)."""
        plan: testing_pb2.TestPlan = await self.stub.CreateTestPlan(
            testing_pb2.CreateTestPlanRequest(
                lab_number=lab_number, product_code=product, actor=RECEPTION
            )
        )
        return plan

    async def assign(self, test_id: str, analyst: str = "analyst") -> testing_pb2.Test:
        """Assigns a test (the reviewer acts) with the demo instrument of its technique."""
        planned = await self.stub.GetTest(testing_pb2.GetTestRequest(test_id=test_id))
        test: testing_pb2.Test = await self.stub.AssignTest(
            testing_pb2.AssignTestRequest(
                test_id=test_id,
                analyst=analyst,
                actor=REVIEWER,
                instrument_code=demo_instrument(planned.spec.technique),
            )
        )
        return test

    async def submit(
        self,
        test_id: str,
        values: list[str],
        actor: common_pb2.Actor = ANALYST,
        key: str = "",
        remarks: str = "",
    ) -> testing_pb2.Test:
        """Submits raw values, with a fresh submission key unless given."""
        test: testing_pb2.Test = await self.stub.SubmitResult(
            testing_pb2.SubmitResultRequest(
                test_id=test_id,
                values=values,
                remarks=remarks,
                actor=actor,
                submission_key=key or uuid.uuid4().hex,
            )
        )
        return test

    async def review(
        self,
        test_id: str,
        accepted: bool,
        reason: str = "",
        actor: common_pb2.Actor = REVIEWER,
        key: str = "",
    ) -> testing_pb2.Test:
        """Records a review outcome, with a fresh review key unless given."""
        test: testing_pb2.Test = await self.stub.RecordReviewOutcome(
            testing_pb2.RecordReviewOutcomeRequest(
                test_id=test_id,
                accepted=accepted,
                reason=reason,
                actor=actor,
                review_key=key or uuid.uuid4().hex,
            )
        )
        return test

    async def get(self, test_id: str) -> testing_pb2.Test:
        """One test, as GetTest returns it."""
        test: testing_pb2.Test = await self.stub.GetTest(
            testing_pb2.GetTestRequest(test_id=test_id)
        )
        return test

    def audit_count(self) -> int:
        """How many entries the audit chain holds."""
        with self.db.read() as session:
            return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


@asynccontextmanager
async def running_lab(database_url: str) -> AsyncIterator[Lab]:
    """The testing service, migrated and seeded with the demo catalogue, behind a real server."""
    db = Database(database_url)
    try:
        await main.setup(db, SETTINGS)
        async with serving(main.register(db, SETTINGS), main.SERVICE_NAMES) as channel:
            stub = testing_pb2_grpc.TestingServiceStub(channel)
            yield Lab(cast("testing_pb2_grpc.TestingServiceAsyncStub", stub), db, channel)
    finally:
        await db.dispose()


async def refused(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    """The error a call fails with (the test fails if it succeeds)."""
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    return error.value


async def test_test_plan_copies_the_current_specification_with_sequenced_ids(
    database_url: str,
) -> None:
    async with running_lab(database_url) as lab:
        plan = await lab.plan()
    assert (plan.lab_number, plan.product_code) == (LAB1, "PARA-500-TAB")
    assert (plan.specification_id, plan.specification_version) == ("SPEC-PARA-500-TAB", 1)
    assert plan.specification_reference == "Ph. Eur. 0049 / BP Paracetamol Tablets"
    assert [t.test_id for t in plan.tests] == [f"{LAB1}-{n:02d}" for n in range(1, 7)]
    assert [t.sequence for t in plan.tests] == list(range(1, 7))
    assert [t.spec.code for t in plan.tests] == [
        "APPEARANCE",
        "IDENTIFICATION",
        "ASSAY",
        "DISSOLUTION",
        "UNIFORMITY",
        "RELATED",
    ]
    assert {t.status for t in plan.tests} == {testing_pb2.TEST_STATUS_PENDING}
    assert {(t.analyst, t.product_code, len(t.results)) for t in plan.tests} == {
        ("", "PARA-500-TAB", 0)
    }
    assert plan.tests[2].spec.criterion.display == "95.0 – 105.0 % of label claim"


async def test_test_plan_is_idempotent_on_lab_number(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        first = await lab.plan()
        entries = lab.audit_count()
        again = await lab.plan()
        fetched = await lab.stub.GetTestPlan(testing_pb2.GetTestPlanRequest(lab_number=LAB1))
        assert lab.audit_count() == entries
        other_product = await refused(lab.plan(product="AMOX-500-CAP"))
    assert again == first == fetched
    assert other_product.code() is grpc.StatusCode.ALREADY_EXISTS


async def test_concurrent_first_plans_of_a_sample_make_one_plan(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        plans = await asyncio.gather(*(lab.plan() for _ in range(4)))
        listed = await lab.stub.ListTests(testing_pb2.ListTestsRequest(lab_number=LAB1))
    assert all(p == plans[0] for p in plans)
    assert listed.total == 6


async def test_test_plan_refusals_name_the_problem(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        unknown = await refused(lab.plan(product="NOPE-1"))
        bad_number = await refused(lab.plan(lab_number="LNCM 2026/1"))
        no_plan = await refused(
            lab.stub.GetTestPlan(testing_pb2.GetTestPlanRequest(lab_number=LAB2))
        )
        no_test = await refused(lab.get(f"{LAB2}-01"))
    assert (unknown.code(), unknown.details()) == (
        grpc.StatusCode.NOT_FOUND,
        "unknown product 'NOPE-1'",
    )
    assert bad_number.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "lab_number" in (bad_number.details() or "")
    assert no_plan.code() is grpc.StatusCode.NOT_FOUND
    assert (no_test.code(), no_test.details()) == (
        grpc.StatusCode.NOT_FOUND,
        f"unknown test '{LAB2}-01'",
    )


async def test_assign_then_reassign_before_a_result(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        await lab.plan()
        first = await lab.assign(ASSAY, "analyst")
        second = await lab.assign(ASSAY, "analyst2")
    assert (first.status, first.analyst) == (ASSIGNED, "analyst")
    assert first.assigned_by == REVIEWER and first.assigned_at
    assert (second.status, second.analyst) == (ASSIGNED, "analyst2")


async def test_assigning_the_same_analyst_again_changes_nothing(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        await lab.plan()
        first = await lab.assign(ASSAY)
        entries = lab.audit_count()
        again = await lab.assign(ASSAY)
        assert lab.audit_count() == entries
    assert again == first


async def test_assignment_refusals(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        await lab.plan()
        no_analyst = await refused(lab.assign(ASSAY, "  "))
        await lab.assign(ASSAY)
        await lab.submit(ASSAY, ["99.6", "100.1"])
        too_late = await refused(lab.assign(ASSAY, "analyst2"))
    assert (no_analyst.code(), no_analyst.details()) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "analyst is required",
    )
    assert too_late.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert f"test {ASSAY} is submitted" in (too_late.details() or "")


async def test_only_the_assigned_analyst_can_submit(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        await lab.plan()
        pending = await refused(lab.submit(ASSAY, ["99.6", "100.1"]))
        await lab.assign(ASSAY, "analyst")
        other = await refused(lab.submit(ASSAY, ["99.6", "100.1"], actor=ANALYST2))
        test = await lab.get(ASSAY)
    assert pending.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "is pending" in (pending.details() or "")
    assert (other.code(), other.details()) == (
        grpc.StatusCode.PERMISSION_DENIED,
        f"test {ASSAY} is assigned to 'analyst', not 'analyst2'",
    )
    assert (test.status, list(test.results)) == (ASSIGNED, [])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["92", "88", "95", "90", "91"], "values: expected 6 values, got 5"),
        (["92", "88", "9x.1", "90", "91", "93"], "values[2]: '9x.1' is not a number"),
    ],
)
async def test_bad_values_are_refused_and_nothing_is_recorded(
    database_url: str, values: list[str], message: str
) -> None:
    dissolution = f"{LAB1}-04"
    async with running_lab(database_url) as lab:
        await lab.plan()
        await lab.assign(dissolution)
        entries = lab.audit_count()
        error = await refused(lab.submit(dissolution, values))
        test = await lab.get(dissolution)
        assert lab.audit_count() == entries
    assert (error.code(), error.details()) == (grpc.StatusCode.INVALID_ARGUMENT, message)
    assert (test.status, len(test.results)) == (ASSIGNED, 0)


PARACETAMOL_RESULTS = [
    # (sequence, values, reportable value, unrounded value, verdict)
    (1, ["Conforms"], "Conforms", "", CONFORMS),
    (2, ["positive"], "positive", "", CONFORMS),
    (3, ["94.94", "94.94"], "94.9", "94.94", FAILS),
    (4, ["92", "88.4", "95", "90", "91", "93"], "88", "88.4", CONFORMS),
    (
        5,
        "98.0 99.0 100.0 101.0 102.0 98.0 99.0 100.0 101.0 102.0".split(),
        "3.6",
        "3.577708764000",
        CONFORMS,
    ),
    (6, ["0.104"], "0.10", "0.104", CONFORMS),
]


async def test_paracetamol_results_are_calculated_rounded_and_judged(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        await lab.plan(LAB1)
        await lab.plan(LAB2)
        submitted = []
        for sequence, values, *_ in PARACETAMOL_RESULTS:
            await lab.assign(f"{LAB1}-{sequence:02d}")
            submitted.append(await lab.submit(f"{LAB1}-{sequence:02d}", values, remarks="run 1"))
        await lab.assign(f"{LAB2}-03")
        in_spec = await lab.submit(f"{LAB2}-03", ["94.95", "94.95"])
    for test, (_, values, reportable, unrounded, verdict) in zip(
        submitted, PARACETAMOL_RESULTS, strict=True
    ):
        result = test.results[0]
        assert (test.status, len(test.results), result.attempt) == (SUBMITTED, 1, 1)
        assert (list(result.values), result.reportable_value) == (values, reportable)
        assert (result.unrounded_value, result.conformity) == (unrounded, verdict), test.test_id
        assert (result.submitted_by, result.remarks) == (ANALYST, "run 1")
        assert result.submitted_at.endswith("Z") and result.review_outcome == ""
    assert (in_spec.results[0].reportable_value, in_spec.results[0].conformity) == (
        "95.0",
        CONFORMS,
    )


async def test_send_back_then_resubmit_keeps_both_results(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        await lab.plan()
        await lab.assign(ASSAY)
        await lab.submit(ASSAY, ["94.94", "94.94"])
        sent_back = await lab.review(ASSAY, False, "integration of the impurity peak is wrong")
        await lab.submit(ASSAY, ["99.6", "100.1"])
        accepted = await lab.review(ASSAY, True)
    assert (sent_back.status, sent_back.analyst) == (ASSIGNED, "analyst")
    first, second = accepted.results
    assert accepted.status == testing_pb2.TEST_STATUS_ACCEPTED
    assert (first.attempt, first.reportable_value, first.conformity) == (1, "94.9", FAILS)
    assert (first.review_outcome, first.review_reason) == (
        "sent_back",
        "integration of the impurity peak is wrong",
    )
    assert first.reviewed_by == REVIEWER
    assert (second.attempt, second.reportable_value, second.conformity) == (2, "99.9", CONFORMS)
    assert (second.review_outcome, second.review_reason, second.reviewed_by) == (
        "accepted",
        "",
        REVIEWER,
    )


async def test_review_refusals(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        await lab.plan()
        await lab.assign(ASSAY)
        not_submitted = await refused(lab.review(ASSAY, True))
        await lab.submit(ASSAY, ["99.6", "100.1"])
        no_reason = await refused(lab.review(ASSAY, False, "  "))
        own_work = await refused(lab.review(ASSAY, True, actor=ANALYST))
        no_key = await refused(
            lab.stub.RecordReviewOutcome(
                testing_pb2.RecordReviewOutcomeRequest(test_id=ASSAY, accepted=True, actor=REVIEWER)
            )
        )
        test = await lab.get(ASSAY)
    assert not_submitted.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert (no_reason.code(), no_reason.details()) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "reason is required when a result is sent back",
    )
    assert own_work.code() is grpc.StatusCode.PERMISSION_DENIED
    assert no_key.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "review_key" in (no_key.details() or "")
    assert (test.status, test.results[0].review_outcome) == (SUBMITTED, "")


async def test_every_mutating_call_is_idempotent(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        await lab.plan()
        await lab.assign(ASSAY)
        submitted = await lab.submit(ASSAY, ["94.94", "94.94"], key="submit-1")
        entries = lab.audit_count()
        # A retry carries the same key; even with other values it changes nothing.
        assert await lab.submit(ASSAY, ["99.0", "99.0"], key="submit-1") == submitted
        assert lab.audit_count() == entries

        sent_back = await lab.review(ASSAY, False, "recalculate", key="review-1")
        entries = lab.audit_count()
        assert await lab.review(ASSAY, False, "recalculate", key="review-1") == sent_back
        assert lab.audit_count() == entries

        resubmitted = await lab.submit(ASSAY, ["99.6", "100.1"], key="submit-2")
        entries = lab.audit_count()
        # A late retry of an earlier step answers with the test as it is now, unchanged.
        assert await lab.review(ASSAY, False, "recalculate", key="review-1") == resubmitted
        assert await lab.submit(ASSAY, ["94.94", "94.94"], key="submit-1") == resubmitted
        assert lab.audit_count() == entries

        accepted = await lab.review(ASSAY, True, key="review-2")
        assert await lab.review(ASSAY, True, key="review-2") == accepted
    assert len(accepted.results) == 2


async def test_worklist_filters_orders_and_pages(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        await lab.plan(LAB2, "AMOX-500-CAP")  # planned first, listed second
        await lab.plan(LAB1, "PARA-500-TAB")
        await lab.assign(f"{LAB1}-03", "analyst")
        await lab.assign(f"{LAB2}-01", "analyst2")
        await lab.assign(f"{LAB2}-02", "analyst")

        async def ids(**filters: Any) -> tuple[list[str], int]:
            page = await lab.stub.ListTests(testing_pb2.ListTestsRequest(**filters))
            return [t.test_id for t in page.tests], page.total

        everything = await ids()
        mine = await ids(analyst="analyst")
        assigned = await ids(statuses=[ASSIGNED])
        pending_lab2 = await ids(statuses=[testing_pb2.TEST_STATUS_PENDING], lab_number=LAB2)
        page = await ids(page_size=4, offset=4)
        too_big = await refused(lab.stub.ListTests(testing_pb2.ListTestsRequest(page_size=501)))
        unspecified = await refused(
            lab.stub.ListTests(
                testing_pb2.ListTestsRequest(statuses=[testing_pb2.TEST_STATUS_UNSPECIFIED])
            )
        )
    assert everything == (
        [f"{LAB1}-{n:02d}" for n in range(1, 7)] + [f"{LAB2}-{n:02d}" for n in range(1, 6)],
        11,
    )
    assert mine == ([f"{LAB1}-03", f"{LAB2}-02"], 2)
    assert assigned == ([f"{LAB1}-03", f"{LAB2}-01", f"{LAB2}-02"], 3)
    assert pending_lab2 == ([f"{LAB2}-03", f"{LAB2}-04", f"{LAB2}-05"], 3)
    assert page == ([f"{LAB1}-05", f"{LAB1}-06", f"{LAB2}-01", f"{LAB2}-02"], 11)
    assert too_big.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "page_size" in (too_big.details() or "")
    assert unspecified.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_audit_chain_records_a_tests_history_and_verifies(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        await lab.plan()
        await lab.assign(ASSAY, "analyst2")
        await lab.assign(ASSAY, "analyst")
        await lab.submit(ASSAY, ["94.94", "94.94"])
        await lab.review(ASSAY, False, "recalculate")
        await lab.submit(ASSAY, ["99.6", "100.1"])
        await lab.review(ASSAY, True)
        with lab.db.read() as session:
            check = verify_chain(session, AuditEntry)
            entries = session.scalars(
                select(AuditEntry).where(AuditEntry.entity_id == ASSAY).order_by(AuditEntry.seq)
            ).all()
    assert check.broken_at is None and check.entries > len(entries)
    assert [e.action for e in entries] == [
        "test_planned",
        "test_assigned",
        "test_reassigned",
        "result_submitted",
        "result_sent_back",
        "result_submitted",
        "result_accepted",
    ]
    assert [e.username for e in entries] == [
        "reception",
        "reviewer",
        "reviewer",
        "analyst",
        "reviewer",
        "analyst",
        "reviewer",
    ]
    first_submission = json.loads(entries[3].new_value)
    assert (first_submission["values"], first_submission["reportable_value"]) == (
        ["94.94", "94.94"],
        "94.9",
    )
    assert first_submission["conformity"] == "does_not_conform"
    assert entries[4].reason == "recalculate"
    assert json.loads(entries[2].old_value) == {
        "status": "assigned",
        "analyst": "analyst2",
        "instrument_code": "HPLC-01",
        "reference_standard_lots": [],
        "reagent_lots": [],
    }


async def test_preview_answers_what_a_later_submit_records_and_changes_nothing(
    database_url: str,
) -> None:
    async with running_lab(database_url) as lab:
        await lab.plan()
        for sequence, *_ in PARACETAMOL_RESULTS:
            await lab.assign(f"{LAB1}-{sequence:02d}")
        entries, before = lab.audit_count(), await lab.get(ASSAY)
        previews = [
            await lab.stub.PreviewResult(
                testing_pb2.PreviewResultRequest(test_id=f"{LAB1}-{sequence:02d}", values=values)
            )
            for sequence, values, *_ in PARACETAMOL_RESULTS
        ]
        assert lab.audit_count() == entries
        assert await lab.get(ASSAY) == before
        submitted = [
            await lab.submit(f"{LAB1}-{sequence:02d}", values)
            for sequence, values, *_ in PARACETAMOL_RESULTS
        ]
    for preview, test, (_, _, reportable, unrounded, verdict) in zip(
        previews, submitted, PARACETAMOL_RESULTS, strict=True
    ):
        result = test.results[0]
        assert (preview.reportable_value, preview.unrounded_value, preview.conformity) == (
            reportable,
            unrounded,
            verdict,
        )
        assert (preview.reportable_value, preview.unrounded_value, preview.conformity) == (
            result.reportable_value,
            result.unrounded_value,
            result.conformity,
        )
        assert (preview.test_id, list(preview.values)) == (test.test_id, list(result.values))
        assert (preview.unit, preview.criterion) == (test.spec.unit, test.spec.criterion)
    assert (previews[2].unit, previews[2].criterion.display) == (
        "%",
        "95.0 – 105.0 % of label claim",
    )


async def test_preview_refuses_what_submit_refuses_and_writes_nothing(database_url: str) -> None:
    dissolution = f"{LAB1}-04"
    async with running_lab(database_url) as lab:
        await lab.plan()
        entries = lab.audit_count()

        async def preview(test_id: str, values: list[str]) -> grpc.aio.AioRpcError:
            return await refused(
                lab.stub.PreviewResult(
                    testing_pb2.PreviewResultRequest(test_id=test_id, values=values)
                )
            )

        short = await preview(dissolution, ["92", "88", "95", "90", "91"])
        not_a_number = await preview(dissolution, ["92", "88", "9x.1", "90", "91", "93"])
        comma = await preview(ASSAY, ["99,6", "100.1"])
        unknown = await preview(f"{LAB2}-01", ["99.6"])
        assert lab.audit_count() == entries
        test = await lab.get(dissolution)
    assert (short.code(), short.details()) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "values: expected 6 values, got 5",
    )
    assert (not_a_number.code(), not_a_number.details()) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "values[2]: '9x.1' is not a number",
    )
    assert (comma.code(), comma.details()) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "values[0]: '99,6' is not a number (use a point as the decimal separator)",
    )
    assert (unknown.code(), unknown.details()) == (
        grpc.StatusCode.NOT_FOUND,
        f"unknown test '{LAB2}-01'",
    )
    assert (test.status, len(test.results)) == (testing_pb2.TEST_STATUS_PENDING, 0)
