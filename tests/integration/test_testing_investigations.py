"""InvestigationService over a real gRPC server and database (SQLite and PostgreSQL): opening an
OOS investigation, the signed Phase I finding and Phase II conclusion, invalidation that keeps
the original result, the retest's assignment, escalation, signature checks and the audit."""

import json
from typing import cast

import grpc
from sqlalchemy import select, update

from kernel.audit import verify_chain
from lims.common.v1 import common_pb2
from lims.testing.v1 import investigation_pb2 as pb
from lims.testing.v1 import investigation_pb2_grpc, testing_pb2
from services.testing.investigation import CHECKLIST
from services.testing.models import AuditEntry, AuditHead, Investigation
from tests.integration.test_testing_service import (
    ANALYST,
    ASSAY,
    FAILS,
    LAB1,
    REVIEWER,
    Lab,
    refused,
    running_lab,
)

SYSTEM_ACTOR = common_pb2.Actor(username="system", full_name="LIMS", role="system")
DEADLINES = pb.Deadlines(phase_1_seconds=5 * 86400, phase_2_seconds=30 * 86400)
OPENED = "2026-11-02T09:00:00Z"
ALL_YES = dict.fromkeys(CHECKLIST, True)


def stub_of(lab: Lab) -> "investigation_pb2_grpc.InvestigationServiceAsyncStub":
    return cast(
        "investigation_pb2_grpc.InvestigationServiceAsyncStub",
        investigation_pb2_grpc.InvestigationServiceStub(lab.channel),
    )


async def oos_result(lab: Lab) -> pb.Investigation:
    """An assay result of 94.9 % (limits 95.0-105.0) and its investigation, opened."""
    await lab.plan()
    await lab.assign(ASSAY)
    test = await lab.submit(ASSAY, ["94.94", "94.94"])
    assert test.results[-1].conformity == FAILS
    opened: pb.Investigation = await stub_of(lab).OpenInvestigation(
        pb.OpenInvestigationRequest(
            test_id=ASSAY, attempt=1, at=OPENED, deadlines=DEADLINES, actor=SYSTEM_ACTOR
        )
    )
    return opened


async def test_an_oos_result_opens_one_investigation_due_in_phase_one(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        opened = await oos_result(lab)
        again = await stub_of(lab).OpenInvestigation(
            pb.OpenInvestigationRequest(
                test_id=ASSAY, attempt=1, at=OPENED, deadlines=DEADLINES, actor=SYSTEM_ACTOR
            )
        )
        listed = await stub_of(lab).ListInvestigations(
            pb.ListInvestigationsRequest(lab_number=LAB1, open_only=True)
        )
    assert opened.investigation_id == f"{ASSAY}-OOS1" == again.investigation_id
    assert (opened.phase, opened.analyst, opened.reportable_value) == (
        "phase_1",
        "analyst",
        "94.9 %",
    )
    assert opened.phase_1_due == "2026-11-07T09:00:00Z"
    assert [i.investigation_id for i in listed.investigations] == [opened.investigation_id]


async def test_a_conforming_result_is_not_investigated(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        await lab.plan()
        await lab.assign(ASSAY)
        await lab.submit(ASSAY, ["99.8", "99.9"])
        error = await refused(
            stub_of(lab).OpenInvestigation(
                pb.OpenInvestigationRequest(
                    test_id=ASSAY, attempt=1, at=OPENED, deadlines=DEADLINES, actor=SYSTEM_ACTOR
                )
            )
        )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "conforms" in (error.details() or "")


async def test_an_assignable_cause_invalidates_the_result_and_assigns_the_retest(
    database_url: str,
) -> None:
    async with running_lab(database_url) as lab:
        opened = await oos_result(lab)
        finding = pb.RecordPhaseOneRequest(
            investigation_id=opened.investigation_id,
            checklist={**ALL_YES, "calculations_checked": False},
            cause_found=True,
            summary="Dilution factor transcribed as 50 instead of 100",
            retest_analyst="analyst2",
            meaning="reviewed",
            deadlines=DEADLINES,
            at="2026-11-03T10:00:00Z",
            actor=REVIEWER,
        )
        signed = await stub_of(lab).RecordPhaseOne(finding)
        repeat = await stub_of(lab).RecordPhaseOne(finding)
        test = await lab.get(ASSAY)
        with lab.db.read() as session:
            chain = verify_chain(session, AuditEntry, AuditHead)
            actions = [
                e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
            ]
    assert (signed.phase, signed.outcome, signed.retest_analyst) == (
        "concluded",
        "invalidated",
        "analyst2",
    )
    assert repeat == signed
    [signature] = signed.signatures
    assert (signature.signer.full_name, signature.meaning, signature.intact) == (
        "Rachid Reviewer",
        "reviewed",
        True,
    )
    # The original result stays, marked invalid; the test goes to the other analyst.
    [original] = test.results
    assert (original.reportable_value, original.conformity) == ("94.9", FAILS)
    assert original.invalidated_reason == "Dilution factor transcribed as 50 instead of 100"
    assert (test.status, test.analyst) == (testing_pb2.TEST_STATUS_ASSIGNED, "analyst2")
    assert actions[-3:] == [
        "investigation_opened",
        "investigation_phase_1_signed",
        "result_invalidated",
    ]
    assert chain.intact


async def test_phase_one_is_refused_to_the_analyst_and_without_every_answer(
    database_url: str,
) -> None:
    async with running_lab(database_url) as lab:
        opened = await oos_result(lab)
        stub = stub_of(lab)

        def finding(**changes: object) -> pb.RecordPhaseOneRequest:
            fields: dict[str, object] = {
                "investigation_id": opened.investigation_id,
                "checklist": ALL_YES,
                "cause_found": True,
                "summary": "Wrong dilution",
                "retest_analyst": "analyst2",
                "meaning": "reviewed",
                "deadlines": DEADLINES,
                "at": "2026-11-03T10:00:00Z",
                "actor": REVIEWER,
            }
            fields.update(changes)
            return pb.RecordPhaseOneRequest(**fields)  # type: ignore[arg-type]

        by_analyst = await refused(stub.RecordPhaseOne(finding(actor=ANALYST)))
        partial = await refused(stub.RecordPhaseOne(finding(checklist={"method_followed": True})))
        same_analyst = await refused(stub.RecordPhaseOne(finding(retest_analyst="analyst")))
        no_summary = await refused(stub.RecordPhaseOne(finding(summary=" ")))
        still = await stub.GetInvestigation(
            pb.GetInvestigationRequest(investigation_id=opened.investigation_id)
        )
    assert by_analyst.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "separation of duties" in (by_analyst.details() or "")
    assert partial.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "every question must be answered" in (partial.details() or "")
    assert same_analyst.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "another analyst" in (same_analyst.details() or "")
    assert "summary is required" in (no_summary.details() or "")
    assert (still.phase, len(still.signatures)) == ("phase_1", 0)


async def test_no_cause_opens_phase_two_whose_signed_conclusion_confirms_the_oos(
    database_url: str,
) -> None:
    async with running_lab(database_url) as lab:
        opened = await oos_result(lab)
        stub = stub_of(lab)
        phase_two = await stub.RecordPhaseOne(
            pb.RecordPhaseOneRequest(
                investigation_id=opened.investigation_id,
                checklist=ALL_YES,
                cause_found=False,
                summary="No laboratory error found",
                meaning="reviewed",
                deadlines=DEADLINES,
                at="2026-11-03T10:00:00Z",
                actor=REVIEWER,
            )
        )
        escalated = await stub.RecordEscalation(
            pb.RecordEscalationRequest(
                investigation_id=opened.investigation_id,
                phase="phase_2",
                at="2026-12-03T10:00:00Z",
                actor=SYSTEM_ACTOR,
            )
        )
        quality = common_pb2.Actor(username="quality", full_name="Qamar Quality", role="quality")
        concluded = await stub.Conclude(
            pb.ConcludeRequest(
                investigation_id=opened.investigation_id,
                outcome="confirmed",
                summary="Batch fails assay: manufacturing deviation confirmed with the MAH",
                meaning="approved",
                at="2026-12-04T10:00:00Z",
                actor=quality,
            )
        )
        test = await lab.get(ASSAY)
    assert (phase_two.phase, phase_two.phase_2_due) == ("phase_2", "2026-12-03T10:00:00Z")
    assert [(e.phase, e.at) for e in escalated.escalations] == [("phase_2", "2026-12-03T10:00:00Z")]
    assert (concluded.phase, concluded.outcome) == ("concluded", "confirmed")
    assert [(s.step, s.meaning, s.intact) for s in concluded.signatures] == [
        ("phase_1", "reviewed", True),
        ("concluded", "approved", True),
    ]
    # The result stands, still awaiting review.
    assert test.status == testing_pb2.TEST_STATUS_SUBMITTED
    assert not test.results[-1].invalidated_reason


async def test_a_conclusion_changed_behind_the_system_shows_a_broken_signature(
    database_url: str,
) -> None:
    async with running_lab(database_url) as lab:
        opened = await oos_result(lab)
        stub = stub_of(lab)
        await stub.RecordPhaseOne(
            pb.RecordPhaseOneRequest(
                investigation_id=opened.investigation_id,
                checklist=ALL_YES,
                cause_found=True,
                summary="Wrong standard weight used",
                retest_analyst="analyst2",
                meaning="reviewed",
                deadlines=DEADLINES,
                at="2026-11-03T10:00:00Z",
                actor=REVIEWER,
            )
        )
        with lab.db.write() as session:
            session.execute(
                update(Investigation)
                .where(Investigation.investigation_id == opened.investigation_id)
                .values(phase_1_summary="Nothing wrong")
            )
        read = await stub.GetInvestigation(
            pb.GetInvestigationRequest(investigation_id=opened.investigation_id)
        )
    assert [s.intact for s in read.signatures] == [False]
    assert json.loads(json.dumps(dict(read.checklist))) == ALL_YES
