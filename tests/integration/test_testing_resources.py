"""The Resources service and gating, over a real gRPC server and a real database (SQLite and
PostgreSQL): records kept and audited, assignments and results refused with the reason and
nothing changed, the instrument and lots recorded with the result, attachments."""

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import grpc
import pytest
from sqlalchemy import select

from kernel.audit import verify_chain
from kernel.db import Database
from kernel.settings import Settings
from lims.common.v1 import common_pb2
from lims.testing.v1 import resources_pb2, resources_pb2_grpc, testing_pb2, testing_pb2_grpc
from services.testing import main
from services.testing.demo_resources import EXPIRED_STANDARD, OVERDUE_INSTRUMENT
from services.testing.models import AuditEntry
from tests.support.grpc import serving

SETTINGS = Settings(demo=True)
QUALITY = common_pb2.Actor(username="quality", full_name="Q. Manager", role="quality")
RECEPTION = common_pb2.Actor(username="reception", full_name="Rania Reception", role="reception")
REVIEWER = common_pb2.Actor(username="reviewer", full_name="Rachid Reviewer", role="reviewer")
ANALYST = common_pb2.Actor(username="analyst", full_name="Amina Analyst", role="analyst")
LAB = "LNCM-2026-00001"
APPEARANCE, ASSAY = f"{LAB}-01", f"{LAB}-03"
TODAY = date.today()


@dataclass
class Lab:
    """The testing process: its two services and its database."""

    testing: "testing_pb2_grpc.TestingServiceAsyncStub"
    resources: "resources_pb2_grpc.ResourcesAsyncStub"
    db: Database

    async def assign(self, test_id: str, analyst: str = "analyst", **kw: Any) -> testing_pb2.Test:
        request = testing_pb2.AssignTestRequest(
            test_id=test_id, analyst=analyst, actor=REVIEWER, **kw
        )
        test: testing_pb2.Test = await self.testing.AssignTest(request)
        return test

    async def refusal(self, test_id: str, analyst: str = "analyst", **kw: Any) -> str:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await self.assign(test_id, analyst, **kw)
        assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        return error.value.details() or ""


@asynccontextmanager
async def running_lab(database_url: str) -> AsyncIterator[Lab]:
    """Testing migrated and seeded with the demo catalogue and resources, behind a real server."""
    db = Database(database_url)
    try:
        await main.setup(db, SETTINGS)
        async with serving(main.register(db, SETTINGS), main.SERVICE_NAMES) as channel:
            lab = Lab(
                cast(
                    "testing_pb2_grpc.TestingServiceAsyncStub",
                    testing_pb2_grpc.TestingServiceStub(channel),
                ),
                cast(
                    "resources_pb2_grpc.ResourcesAsyncStub",
                    resources_pb2_grpc.ResourcesStub(channel),
                ),
                db,
            )
            await lab.testing.CreateTestPlan(
                testing_pb2.CreateTestPlanRequest(
                    lab_number=LAB, product_code="PARA-500-TAB", actor=RECEPTION
                )
            )
            yield lab
    finally:
        await db.dispose()


def _instrument(code: str, due: date, **kw: Any) -> resources_pb2.SaveInstrumentRequest:
    return resources_pb2.SaveInstrumentRequest(
        instrument=resources_pb2.Instrument(
            code=code,
            name="Agilent 1290",
            techniques=["HPLC"],
            calibration_due=due.isoformat(),
            **kw,
        ),
        actor=QUALITY,
    )


async def test_records_are_kept_validated_and_audited(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        created = await lab.resources.SaveInstrument(
            _instrument("HPLC-09", TODAY + timedelta(days=90))
        )
        assert (created.code, created.status) == (
            "HPLC-09",
            resources_pb2.INSTRUMENT_STATUS_IN_SERVICE,
        )
        with pytest.raises(grpc.aio.AioRpcError) as no_reason:
            await lab.resources.SaveInstrument(_instrument("HPLC-09", TODAY + timedelta(days=400)))
        assert no_reason.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert no_reason.value.details() == "reason: required to change instrument HPLC-09"
        out = _instrument(
            "HPLC-09",
            TODAY + timedelta(days=90),
            status=resources_pb2.INSTRUMENT_STATUS_OUT_OF_SERVICE,
            out_of_service_reason="pump leak",
        )
        out.reason = "pump leaks under pressure"
        changed = await lab.resources.SaveInstrument(out)
        assert changed.out_of_service_reason == "pump leak"
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await lab.resources.SaveReferenceStandard(
                resources_pb2.SaveReferenceStandardRequest(
                    reference_standard=resources_pb2.ReferenceStandard(
                        lot="L1",
                        name="",
                        source=resources_pb2.STANDARD_SOURCE_USP_RS,
                        expires_on="2027-02-30",
                        quantity="5",
                        quantity_unit="mg",
                    ),
                    actor=QUALITY,
                )
            )
        assert bad.value.details() == "expires_on: '2027-02-30' is not a date (YYYY-MM-DD)"
        listed = await lab.resources.ListInstruments(resources_pb2.ListInstrumentsRequest())
        assert "HPLC-09" in [i.code for i in listed.instruments]
        with lab.db.read() as session:
            assert verify_chain(session, AuditEntry).broken_at is None
            entries = session.scalars(
                select(AuditEntry).where(AuditEntry.entity_id == "HPLC-09").order_by(AuditEntry.seq)
            ).all()
        assert [e.action for e in entries] == ["instrument_created", "instrument_changed"]
        assert entries[1].reason == "pump leaks under pressure"
        assert json.loads(entries[1].old_value)["status"] == "in_service"
        assert json.loads(entries[1].new_value)["status"] == "out_of_service"


async def test_each_gating_refusal_says_why_and_changes_nothing(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        await lab.resources.SaveInstrument(
            _instrument(
                "HPLC-OUT",
                TODAY + timedelta(days=90),
                status=resources_pb2.INSTRUMENT_STATUS_OUT_OF_SERVICE,
                out_of_service_reason="lamp failure",
            )
        )
        assert await lab.refusal(ASSAY, "approver", instrument_code="HPLC-01") == (
            "analyst: approver has no qualification for HPLC"
        )
        assert await lab.refusal(ASSAY) == "instrument: an instrument is required for HPLC"
        assert await lab.refusal(ASSAY, instrument_code="NOPE") == (
            "instrument: unknown instrument 'NOPE'"
        )
        assert await lab.refusal(ASSAY, instrument_code="HPLC-OUT") == (
            "instrument: HPLC-OUT is out of service (lamp failure)"
        )
        assert await lab.refusal(ASSAY, instrument_code="UV-01") == (
            "instrument: UV-01 is not used for HPLC (it serves UV)"
        )
        dissolution = f"{LAB}-04"
        assert (await lab.refusal(dissolution, instrument_code=OVERDUE_INSTRUMENT)).startswith(
            f"instrument: {OVERDUE_INSTRUMENT}'s calibration was due on "
        )
        expired = await lab.refusal(
            ASSAY, instrument_code="HPLC-01", reference_standard_lots=[EXPIRED_STANDARD, "ZZZ"]
        )
        assert expired.startswith(
            f"reference_standards: reference standard Paracetamol CRS lot {EXPIRED_STANDARD} expired on"
        )
        assert expired.endswith("; reference_standards: unknown reference standard lot 'ZZZ'")
        assert await lab.refusal(ASSAY, instrument_code="HPLC-01", reagent_lots=["R?"]) == (
            "reagents: unknown reagent lot 'R?'"
        )
        test = await lab.testing.GetTest(testing_pb2.GetTestRequest(test_id=ASSAY))
        assert (test.status, test.analyst) == (testing_pb2.TEST_STATUS_PENDING, "")
        # Visual needs no instrument.
        appearance = await lab.assign(APPEARANCE)
        assert (appearance.status, appearance.instrument_code) == (
            testing_pb2.TEST_STATUS_ASSIGNED,
            "",
        )


async def test_the_result_records_the_instrument_and_lots_used(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        assigned = await lab.assign(
            ASSAY,
            instrument_code="HPLC-01",
            reference_standard_lots=["Y0001015"],
            reagent_lots=["ACN-24-117"],
        )
        assert (assigned.instrument_code, list(assigned.reference_standard_lots)) == (
            "HPLC-01",
            ["Y0001015"],
        )
        # The same assignment again changes nothing; another instrument is a reassignment.
        assert (
            await lab.assign(
                ASSAY,
                instrument_code="HPLC-01",
                reference_standard_lots=["Y0001015"],
                reagent_lots=["ACN-24-117"],
            )
        ).assigned_at == assigned.assigned_at
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await lab.testing.SubmitResult(
                testing_pb2.SubmitResultRequest(
                    test_id=ASSAY,
                    values=["99.5", "100.1"],
                    actor=ANALYST,
                    submission_key="k1",
                    instrument_code=OVERDUE_INSTRUMENT,
                )
            )
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        test = await lab.testing.SubmitResult(
            testing_pb2.SubmitResultRequest(
                test_id=ASSAY,
                values=["99.5", "100.1"],
                actor=ANALYST,
                submission_key="k2",
                instrument_code="HPLC-02",
            )
        )
        result = test.results[-1]
        assert result.instrument_code == "HPLC-02"  # changed by the analyst
        assert list(result.reference_standard_lots) == ["Y0001015"]  # the assignment's
        assert list(result.reagent_lots) == ["ACN-24-117"]


async def test_attachments_are_stored_with_their_hash_once_and_listed(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        pdf = b"%PDF-1.4 chromatogram"
        request = resources_pb2.AddAttachmentRequest(
            test_id=ASSAY,
            filename="C:\\runs\\chrom.pdf",
            content_type="application/pdf",
            content=pdf,
            actor=ANALYST,
        )
        first = await lab.resources.AddAttachment(request)
        again = await lab.resources.AddAttachment(request)
        assert first.id == again.id
        assert (first.filename, first.size, first.sha256) == (
            "chrom.pdf",
            len(pdf),
            hashlib.sha256(pdf).hexdigest(),
        )
        got = await lab.resources.GetAttachment(
            resources_pb2.GetAttachmentRequest(test_id=ASSAY, id=first.id)
        )
        assert got.content == pdf
        test = await lab.testing.GetTest(testing_pb2.GetTestRequest(test_id=ASSAY))
        assert [a.filename for a in test.attachments] == ["chrom.pdf"]
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await lab.resources.AddAttachment(
                resources_pb2.AddAttachmentRequest(
                    test_id=ASSAY,
                    filename="x.exe",
                    content_type="application/x-msdownload",
                    content=b"MZ",
                    actor=ANALYST,
                )
            )
        assert bad.value.details().startswith(
            "content_type: application/x-msdownload is not accepted"
        )


async def test_expiring_items_and_assignment_choices(database_url: str) -> None:
    async with running_lab(database_url) as lab:
        expiring = await lab.resources.ListExpiring(resources_pb2.ListExpiringRequest())
        keys = {(i.kind, i.key) for i in expiring.items}
        assert ("instrument", OVERDUE_INSTRUMENT) in keys and ("instrument", "HPLC-02") in keys
        assert ("reference_standard", EXPIRED_STANDARD) in keys and ("reagent", "KF-24-031") in keys
        assert ("instrument", "HPLC-01") not in keys
        days = [i.days_left for i in expiring.items]
        assert days == sorted(days)
        choices = await lab.resources.ListAssignmentChoices(
            resources_pb2.ListAssignmentChoicesRequest(test_id=f"{LAB}-04")
        )
        assert (choices.technique, choices.instrument_required) == ("UV", True)
        assert [i.code for i in choices.instruments] == ["UV-01"]
        assert set(choices.analysts) == {"analyst", "analyst2", "reviewer"}
        assert EXPIRED_STANDARD not in [s.lot for s in choices.reference_standards]
