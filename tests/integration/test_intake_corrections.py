"""Corrections of a sample's details over intake's real gRPC server and a real database
(SQLite and PostgreSQL): applied with the reason, audited old/new, refused naming the field."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import grpc
import pytest
from sqlalchemy import select

from kernel.audit import verify_chain
from kernel.db import Database
from lims.common.v1 import common_pb2
from lims.intake.v1 import corrections_pb2, corrections_pb2_grpc, intake_pb2, intake_pb2_grpc
from services.intake import main
from services.intake.models import AuditEntry
from tests.integration.test_intake_service import SETTINGS, create, lab, receipt, status
from tests.support.grpc import serving

if TYPE_CHECKING:
    from lims.intake.v1.corrections_pb2_grpc import SampleCorrectionsAsyncStub
    from lims.intake.v1.intake_pb2_grpc import IntakeServiceAsyncStub

QUALITY = common_pb2.Actor(username="quality", full_name="Qamar Quality", role="quality")
REASON = "batch misread at receipt; label photo in the file"


@asynccontextmanager
async def intake_service(
    database_url: str,
) -> AsyncIterator[tuple["IntakeServiceAsyncStub", "SampleCorrectionsAsyncStub", Database]]:
    """The service, migrated and served on a free port: both its stubs and its database."""
    db = Database(database_url)
    await main.setup(db, SETTINGS)
    try:
        async with serving(main.register(db, SETTINGS), main.SERVICE_NAMES) as channel:
            yield (
                intake_pb2_grpc.IntakeServiceStub(channel),  # type: ignore[misc]
                corrections_pb2_grpc.SampleCorrectionsStub(channel),
                db,
            )
    finally:
        await db.dispose()


def correction(
    lab_number: str, reason: str = REASON, **details: str
) -> corrections_pb2.CorrectSampleDetailsRequest:
    return corrections_pb2.CorrectSampleDetailsRequest(
        lab_number=lab_number,
        details=corrections_pb2.SampleDetailsCorrection(**details),
        reason=reason,
        actor=QUALITY,
    )


async def refused(call: Any, code: grpc.StatusCode) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == code, caught.value.details()
    return str(caught.value.details())


async def test_a_correction_changes_the_fields_asked_and_audits_old_and_new(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, corrections, db):
        await stub.CreateRequest(create("k1"))
        await stub.RecordReceipt(receipt(lab(1)))
        corrected = await corrections.CorrectSampleDetails(
            correction(lab(1), batch_number="B2410", expiry_date="2028-02-29", manufacturer="")
        )
        again = await corrections.CorrectSampleDetails(
            correction(lab(1), batch_number="B2410", expiry_date="2028-02-29")
        )
        entries = await db.read_call(
            lambda s: list(
                s.scalars(select(AuditEntry).where(AuditEntry.action == "sample_details_corrected"))
            )
        )
        rows = [(e.username, e.reason, e.old_value, e.new_value) for e in entries]
        check = await db.read_call(verify_chain, AuditEntry)
    assert (corrected.batch_number, corrected.expiry_date, corrected.manufacturer) == (
        "B2410",
        "2028-02-29",
        "",
    )
    assert corrected.product_name == "Paracetamol 500 mg tablets"  # not asked: unchanged
    assert corrected.timeline[-1].action == "details_corrected"
    assert "B2401" in corrected.timeline[-1].detail and REASON in corrected.timeline[-1].detail
    assert again.timeline[-1].action == "details_corrected"  # a retry records nothing more
    assert len(rows) == 1
    username, reason, old, new = rows[0]
    assert (username, reason) == ("quality", REASON)
    assert '"batch_number":"B2401"' in old and '"manufacturer":"Pharma Atlas"' in old
    assert '"batch_number":"B2410"' in new and '"expiry_date":"2028-02-29"' in new
    assert check.intact


async def test_a_bad_correction_is_refused_naming_the_field_and_changes_nothing(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, corrections, _):
        await stub.CreateRequest(create("k1"))
        no_reason = await refused(
            corrections.CorrectSampleDetails(correction(lab(1), reason=" ", batch_number="X")),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        bad_date = await refused(
            corrections.CorrectSampleDetails(correction(lab(1), expiry_date="31/12/2028")),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        before_made = await refused(
            corrections.CorrectSampleDetails(correction(lab(1), expiry_date="2024-01-01")),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        no_name = await refused(
            corrections.CorrectSampleDetails(correction(lab(1), product_name="")),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        nothing = await refused(
            corrections.CorrectSampleDetails(correction(lab(1))),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        missing = await refused(
            corrections.CorrectSampleDetails(correction(lab(9), batch_number="X")),
            grpc.StatusCode.NOT_FOUND,
        )
        await stub.RecordStatus(status(lab(1), common_pb2.SAMPLE_STATUS_CANCELLED, "c", "gone"))
        cancelled = await refused(
            corrections.CorrectSampleDetails(correction(lab(1), batch_number="X")),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        unchanged = await stub.GetSample(intake_pb2.GetSampleRequest(lab_number=lab(1)))
    assert "reason" in no_reason
    assert "details.expiry_date" in bad_date and "details.expiry_date" in before_made
    assert "details.product_name" in no_name
    assert "details" in nothing
    assert lab(9) in missing
    assert "cancelled" in cancelled
    assert (unchanged.batch_number, unchanged.expiry_date) == ("B2401", "2028-01-09")
