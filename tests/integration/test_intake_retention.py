"""Retention, signed disposal and notifications over IntakeService's real gRPC server and a real
database (SQLite and PostgreSQL)."""

import json
from typing import cast

import grpc
from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel.audit import verify_chain
from kernel.signed_content import content_hash, disposal_text
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from services.intake.models import AuditEntry
from tests.integration.test_intake_custody import (
    DISPOSED,
    QUALITY,
    RETAINED,
    STORED,
    move,
    received_sample,
    signed_disposal,
    with_locations,
)
from tests.integration.test_intake_service import (
    RECEPTION,
    create,
    intake_service,
    new_sample,
    receipt,
    refused,
    status,
)

CANCELLED = common_pb2.SAMPLE_STATUS_CANCELLED


def audit_of(session: Session, lab_number: str, action: str) -> dict[str, object]:
    """The new values of the first audit entry of `action` on the sample."""
    entry = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_id == lab_number, AuditEntry.action == action)
        .order_by(AuditEntry.seq)
    ).first()
    assert entry is not None
    return dict(json.loads(entry.new_value))


async def test_retaining_a_part_sets_retain_until_expiry_plus_a_year(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        await with_locations(stub)
        lab = await received_sample(stub, "retain-1")  # expires 2028-01-09; 2028 is a leap year
        at = "2026-04-01T10:00:00Z"
        trail = await stub.RecordCustody(move(lab, RETAINED, "r1", location_code="RET-1", at=at))
        assert trail.retain_until == "2029-01-08"
        moved = await stub.RecordCustody(move(lab, STORED, "r2", location_code="R2"))
        assert moved.retain_until == "2029-01-08"
        again = await stub.RecordCustody(move(lab, RETAINED, "r3", location_code="RET-1"))
        assert again.retain_until == "2029-01-08"  # the first retention sets it, once
        sample = await stub.GetSample(intake_pb2.GetSampleRequest(lab_number=lab))
        assert (sample.retain_until, sample.disposal_due_at) == ("2029-01-08", "")
        audited = await db.read_call(audit_of, lab, "custody_retained")
        assert audited["retain_until"] == "2029-01-08"

        created = await stub.CreateRequest(create("retain-2", new_sample(expiry_date="")))
        undated = created.samples[0].lab_number
        await stub.RecordReceipt(receipt(undated))
        trail = await stub.RecordCustody(
            move(undated, RETAINED, "u1", location_code="RET-1", at=at)
        )
        assert trail.retain_until == "2027-04-01"  # no expiry: a year from the day retained


async def test_a_disposal_is_signed_by_its_author_and_witness(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        await with_locations(stub)
        lab = await received_sample(stub, "dispose-1")
        await stub.RecordCustody(move(lab, RETAINED, "r", location_code="RET-1"))
        await stub.RecordStatus(status(lab, CANCELLED, "c", "withdrawn"))

        unsigned = await refused(
            stub.RecordCustody(move(lab, DISPOSED, "d0", witness="quality", reason="withdrawn")),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert "the person disposing of the sample signs it once (authored)" in unsigned
        assert "the witness signs the disposal once (witnessed)" in unsigned
        early = await refused(
            stub.RecordCustody(signed_disposal(lab, "d1", reason="")),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert early.startswith("reason: required to dispose of the sample before its retention")
        assert "(kept until 2029-01-08)" in early

        at = "2026-05-01T08:30:00Z"
        request = signed_disposal(lab, "d2", remarks="incinerated", reason="withdrawn")
        request.at = at
        trail = await stub.RecordCustody(request)
        event = trail.events[-1]
        assert (event.kind, event.reason, event.witness) == (DISPOSED, "withdrawn", "quality")
        signed = content_hash(
            disposal_text(
                lab_number=lab,
                location_code="RET-1",
                remarks="incinerated",
                reason="withdrawn",
                at=at,
            )
        )
        assert [
            (s.username, s.full_name, s.meaning, s.signed_at, s.content_hash, s.record_kind)
            for s in event.signatures
        ] == [
            (
                "reception",
                RECEPTION.full_name,
                common_pb2.SIGNATURE_MEANING_AUTHORED,
                at,
                signed,
                "sample_disposal",
            ),
            (
                "quality",
                QUALITY.full_name,
                common_pb2.SIGNATURE_MEANING_WITNESSED,
                at,
                signed,
                "sample_disposal",
            ),
        ]
        sample = await stub.GetSample(intake_pb2.GetSampleRequest(lab_number=lab))
        assert sample.disposed_at == at
        audited = await db.read_call(audit_of, lab, "custody_disposed")
        assert audited["reason"] == "withdrawn"
        signatures = cast(list[dict[str, str]], audited["signatures"])
        assert [s["meaning"] for s in signatures] == ["authored", "witnessed"]
        check = await db.read_call(verify_chain, AuditEntry)
        assert check.broken_at is None


async def test_the_disposal_reminder_marks_once_notifies_reception_and_lists_the_sample(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, db):
        await with_locations(stub)
        lab = await received_sample(stub, "due-1")
        await stub.RecordCustody(move(lab, RETAINED, "r", location_code="RET-1"))
        mark = intake_pb2.MarkDisposalDueRequest(lab_number=lab, at="2029-01-10T00:00:00Z")
        first = await stub.MarkDisposalDue(mark)
        second = await stub.MarkDisposalDue(mark)  # the activity's retry
        assert first.disposal_due_at == second.disposal_due_at == "2029-01-10T00:00:00Z"
        assert [e.action for e in second.timeline].count("disposal_due") == 1

        due = await stub.ListDisposalDue(intake_pb2.ListDisposalDueRequest())
        assert [s.lab_number for s in due.samples] == [lab]
        inbox = await stub.ListNotifications(
            intake_pb2.ListNotificationsRequest(username="rania", roles=["reception"])
        )
        assert inbox.unread == 1
        assert inbox.notifications[0].subject == f"{lab}: disposal due"
        assert inbox.notifications[0].recipient.role == "reception"
        nobody = await stub.ListNotifications(
            intake_pb2.ListNotificationsRequest(username="analyst", roles=["analyst"])
        )
        assert (nobody.unread, list(nobody.notifications)) == (0, [])

        await stub.RecordStatus(status(lab, CANCELLED, "c", "withdrawn"))
        await stub.RecordCustody(signed_disposal(lab, "d", reason=""))  # due: no reason needed
        due = await stub.ListDisposalDue(intake_pb2.ListDisposalDueRequest())
        assert list(due.samples) == []
        check = await db.read_call(verify_chain, AuditEntry)
        assert check.broken_at is None


async def test_notifications_are_written_once_and_read_by_their_recipients(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, _):
        create_them = intake_pb2.CreateNotificationsRequest(
            notification_key="LNCM-2026-00009:rejected",
            recipients=[
                intake_pb2.Recipient(username="requester"),
                intake_pb2.Recipient(username="reception"),
            ],
            subject="LNCM-2026-00009 rejected at receipt",
            text="broken seal",
            lab_number="LNCM-2026-00009",
        )
        first = await stub.CreateNotifications(create_them)
        again = await stub.CreateNotifications(create_them)
        assert [n.id for n in first.notifications] == [n.id for n in again.notifications]
        mine = await stub.ListNotifications(
            intake_pb2.ListNotificationsRequest(username="requester", roles=["requester"])
        )
        assert (mine.unread, len(mine.notifications)) == (1, 1)
        note = mine.notifications[0]
        await refused(
            stub.MarkNotificationRead(
                intake_pb2.MarkNotificationReadRequest(id=note.id, username="analyst")
            ),
            grpc.StatusCode.NOT_FOUND,
        )
        read = await stub.MarkNotificationRead(
            intake_pb2.MarkNotificationReadRequest(id=note.id, username="requester")
        )
        assert (bool(read.read_at), read.read_by) == (True, "requester")
        after = await stub.ListNotifications(
            intake_pb2.ListNotificationsRequest(username="requester")
        )
        assert after.unread == 0
        bad = await refused(
            stub.CreateNotifications(intake_pb2.CreateNotificationsRequest(notification_key="k")),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert "subject: required" in bad
