"""Turnaround targets and the lab calendar over IntakeService's real gRPC server and a real
database (SQLite and PostgreSQL): the seeded defaults, audited edits, refusals, and the target a
sample gets at receipt (working days from the calendar)."""

import json
from datetime import timedelta
from typing import Any

import grpc
from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel.timefmt import from_rfc3339
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from services.intake.models import AuditEntry
from tests.integration.test_intake_service import (
    assert_chain_verifies,
    create,
    intake_service,
    receipt,
    refused,
)

ADMIN = common_pb2.Actor(username="admin", full_name="Admin LIMS", role="admin")
BATCH = common_pb2.PURPOSE_BATCH_RELEASE
ROUTINE = common_pb2.PRIORITY_ROUTINE
WORKING = intake_pb2.TURNAROUND_BASIS_WORKING_DAYS
CALENDAR = intake_pb2.TURNAROUND_BASIS_CALENDAR_DAYS


def set_target(
    days: int, basis: int = CALENDAR, reason: str = "new SOP", **fields: object
) -> intake_pb2.SetTurnaroundTargetRequest:
    values: dict[str, object] = {
        "actor": ADMIN,
        "purpose": BATCH,
        "priority": ROUTINE,
        "days": days,
        "basis": basis,
        "reason": reason,
    }
    values.update(fields)
    return intake_pb2.SetTurnaroundTargetRequest(**values)  # type: ignore[arg-type]


def target_of(
    settings: intake_pb2.TurnaroundSettings, purpose: int, priority: int
) -> intake_pb2.TurnaroundTarget:
    return next(t for t in settings.targets if (t.purpose, t.priority) == (purpose, priority))


def _json(text: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(text) if text else {}
    return found


Entry = tuple[str, str, dict[str, Any], dict[str, Any], str]


def entries(session: Session, entity_type: str) -> list[Entry]:
    found = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == entity_type).order_by(AuditEntry.seq)
    )
    return [
        (e.action, e.entity_id, _json(e.old_value), _json(e.new_value), e.reason) for e in found
    ]


async def test_the_defaults_are_seeded_and_an_edit_is_audited(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        settings = await stub.GetTurnaroundSettings(intake_pb2.GetTurnaroundSettingsRequest())
        assert len(settings.targets) == 10
        batch = target_of(settings, BATCH, ROUTINE)
        assert (batch.days, batch.basis, batch.updated_by) == (15, CALENDAR, "")
        assert list(settings.working_weekdays) == [1, 2, 3, 4, 5]
        assert list(settings.holidays) == []

        changed = await stub.SetTurnaroundTarget(set_target(10, WORKING, "SOP-QA-012 rev 3"))
        batch = target_of(changed, BATCH, ROUTINE)
        assert (batch.days, batch.basis, batch.updated_by) == (10, WORKING, "admin")
        assert batch.updated_at
        # The same values again record nothing.
        await stub.SetTurnaroundTarget(set_target(10, WORKING, "again"))

        audit = await db.read_call(entries, "turnaround_target")
        assert audit == [
            (
                "turnaround_target_changed",
                "batch_release/routine",
                {"days": 15, "basis": "calendar_days"},
                {"days": 10, "basis": "working_days"},
                "SOP-QA-012 rev 3",
            )
        ]
        await assert_chain_verifies(db, 1)


async def test_bad_edits_are_refused_and_change_nothing(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        invalid = grpc.StatusCode.INVALID_ARGUMENT
        message = await refused(stub.SetTurnaroundTarget(set_target(0)), invalid)
        assert message == "days: must be a whole number of days from 1 to 365 (got 0)"
        message = await refused(stub.SetTurnaroundTarget(set_target(366, reason="")), invalid)
        assert message == (
            "days: must be a whole number of days from 1 to 365 (got 366); "
            "reason: required (why the target changes)"
        )
        message = await refused(stub.SetTurnaroundTarget(set_target(5, purpose=0)), invalid)
        assert message.startswith("purpose: required (one of registration, ")
        unknown = await refused(stub.SetTurnaroundTarget(set_target(5, purpose=99)), invalid)
        assert unknown == "purpose: unknown value 99"
        nobody = await refused(
            stub.SetWorkingWeekdays(intake_pb2.SetWorkingWeekdaysRequest(weekdays=[1], reason="x")),
            invalid,
        )
        assert nobody == "actor.username: required (who makes the change)"

        holiday = intake_pb2.AddHolidayRequest(
            actor=ADMIN, date="2026-05-01", name="Fête du Travail", reason="national calendar"
        )
        await stub.AddHoliday(holiday)
        twice = await refused(stub.AddHoliday(holiday), grpc.StatusCode.ALREADY_EXISTS)
        assert twice == "date: 2026-05-01 is already listed (Fête du Travail)"
        missing = intake_pb2.RemoveHolidayRequest(actor=ADMIN, date="2026-05-02", reason="x")
        gone = await refused(stub.RemoveHoliday(missing), grpc.StatusCode.NOT_FOUND)
        assert gone == "date: 2026-05-02 is not a listed non-working date"

        settings = await stub.GetTurnaroundSettings(intake_pb2.GetTurnaroundSettingsRequest())
        assert target_of(settings, BATCH, ROUTINE).days == 15
        assert [(h.date, h.name) for h in settings.holidays] == [("2026-05-01", "Fête du Travail")]
        await assert_chain_verifies(db, 1)  # the holiday only


async def test_the_calendar_edits_are_audited_with_old_and_new_values(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        await stub.SetWorkingWeekdays(
            intake_pb2.SetWorkingWeekdaysRequest(
                actor=ADMIN, weekdays=[6, 1, 2, 3, 4, 5], reason="Saturday shift"
            )
        )
        await stub.AddHoliday(
            intake_pb2.AddHolidayRequest(
                actor=ADMIN, date="2026-07-30", name="Fête du Trône", reason="national calendar"
            )
        )
        after = await stub.RemoveHoliday(
            intake_pb2.RemoveHolidayRequest(actor=ADMIN, date="2026-07-30", reason="entered twice")
        )
        assert list(after.working_weekdays) == [1, 2, 3, 4, 5, 6]
        assert list(after.holidays) == []

        weekdays = await db.read_call(entries, "lab_calendar")
        assert weekdays == [
            (
                "working_weekdays_changed",
                "working_weekdays",
                {"working_weekdays": [1, 2, 3, 4, 5]},
                {"working_weekdays": [1, 2, 3, 4, 5, 6]},
                "Saturday shift",
            )
        ]
        holidays = await db.read_call(entries, "holiday")
        day = {"date": "2026-07-30", "name": "Fête du Trône"}
        assert holidays == [
            ("holiday_added", "2026-07-30", {}, day, "national calendar"),
            ("holiday_removed", "2026-07-30", day, {}, "entered twice"),
        ]
        await assert_chain_verifies(db, 3)


async def test_a_sample_received_after_an_edit_gets_the_new_target_in_working_days(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, db):
        before = (await stub.CreateRequest(create("before"))).samples[0]
        await stub.RecordReceipt(receipt(before.lab_number))  # Monday 2 March 2026, 09:00 UTC
        registered = (await stub.CreateRequest(create("registered"))).samples[0]
        assert (registered.sla_target_days, registered.sla_target_seconds) == (15, 0)

        await stub.SetTurnaroundTarget(set_target(10, WORKING))
        await stub.AddHoliday(
            intake_pb2.AddHolidayRequest(
                actor=ADMIN, date="2026-03-05", name="Jour férié", reason="test calendar"
            )
        )
        # Received on Monday 2 March: 10 working days, Thursday 5 March off -> Tuesday 17 March.
        after = await stub.RecordReceipt(receipt(registered.lab_number))

        assert (after.sla_target_days, after.sla_basis) == (10, WORKING)
        assert after.sla_target_seconds == timedelta(days=15).total_seconds()
        received_at = from_rfc3339(after.received_at)
        assert received_at is not None
        assert received_at + timedelta(seconds=after.sla_target_seconds) == from_rfc3339(
            "2026-03-17T09:00:00Z"
        )
        # The sample received before the edit keeps its target.
        kept = await stub.GetSample(intake_pb2.GetSampleRequest(lab_number=before.lab_number))
        assert (kept.sla_target_days, kept.sla_basis) == (15, CALENDAR)
        assert kept.sla_target_seconds == timedelta(days=15).total_seconds()
        # A sample registered after the edit shows the new target before receipt.
        new = (await stub.CreateRequest(create("new"))).samples[0]
        assert (new.sla_target_days, new.sla_basis) == (10, WORKING)

        received = await db.read_call(_received_entry, registered.lab_number)
        assert received["sla_target_days"] == 10
        assert received["sla_basis"] == "working_days"
        assert received["sla_target_seconds"] == 15 * 86400


def _received_entry(session: Session, lab_number: str) -> dict[str, Any]:
    entry = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_id == lab_number, AuditEntry.action == "sample_received"
        )
    ).one()
    return _json(entry.new_value)
