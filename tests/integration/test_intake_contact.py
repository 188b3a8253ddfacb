"""The requester's contact on requests and the e-mail outbox, over IntakeService's real gRPC
server and a real database (SQLite and PostgreSQL)."""

import grpc

from lims.intake.v1 import intake_pb2
from tests.integration.test_intake_retention import audit_of
from tests.integration.test_intake_service import create, intake_service, receipt, refused

CONTACT = {
    "contact_name": "Dr Amina Idrissi",
    "contact_email": "amina.idrissi@example.org",
    "contact_phone": "+212 5 37 00 00 00",
}
LAB = "Laboratoire National de Contrôle des Médicaments"


async def test_a_request_keeps_its_contact_on_itself_its_samples_and_its_audit(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, db):
        created = await stub.CreateRequest(create("contact-1", **CONTACT))
        assert (created.contact_name, created.contact_email, created.contact_phone) == tuple(
            CONTACT.values()
        )
        sample = await stub.GetSample(
            intake_pb2.GetSampleRequest(lab_number=created.samples[0].lab_number)
        )
        assert (sample.contact_name, sample.contact_email, sample.contact_phone) == tuple(
            CONTACT.values()
        )
        audited = await db.read_call(audit_of, created.request_id, "request_created")
        assert {k: audited[k] for k in CONTACT} == CONTACT


async def test_a_bad_contact_is_refused_naming_each_field_and_nothing_is_logged(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, _):
        message = await refused(
            stub.CreateRequest(
                create(
                    "contact-bad",
                    contact_name="x" * 201,
                    contact_email="amina at example",
                    contact_phone="0" * 51,
                )
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert "contact_name: at most 200 characters (got 201)" in message
        assert "contact_email: 'amina at example' is not an e-mail address" in message
        assert "contact_phone: at most 50 characters (got 51)" in message
        outbox = await stub.ListOutbox(intake_pb2.ListOutboxRequest())
        assert outbox.total == 0


async def test_the_rejection_notice_is_queued_once_and_its_delivery_recorded(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, _):
        created = await stub.CreateRequest(create("contact-2", **CONTACT))
        lab_number = created.samples[0].lab_number
        queue = intake_pb2.QueueRejectionNoticeRequest(
            lab_number=lab_number, notification_key=f"{lab_number}:rejected", lab_name=LAB
        )
        await refused(stub.QueueRejectionNotice(queue), grpc.StatusCode.FAILED_PRECONDITION)
        await stub.RecordReceipt(
            receipt(lab_number, accepted=False, reason="seal broken on arrival")
        )
        first = await stub.QueueRejectionNotice(queue)
        again = await stub.QueueRejectionNotice(queue)
        assert [e.id for e in first.emails] == [e.id for e in again.emails]
        email = first.emails[0]
        assert (email.recipient, email.status, email.attempts) == (
            CONTACT["contact_email"],
            "pending",
            0,
        )
        for words in (lab_number, "Paracetamol 500 mg tablets", "B2401", "seal broken", LAB):
            assert words in email.text
        key = email.notification_key
        failed = await stub.RecordEmailDelivery(
            intake_pb2.RecordEmailDeliveryRequest(
                notification_key=key, sent=False, error="SMTPServerDisconnected: gone"
            )
        )
        assert (failed.status, failed.attempts, failed.error) == (
            "failed",
            1,
            "SMTPServerDisconnected: gone",
        )
        sent = await stub.RecordEmailDelivery(
            intake_pb2.RecordEmailDeliveryRequest(notification_key=key, sent=True)
        )
        assert (sent.status, sent.attempts, sent.error, bool(sent.sent_at)) == (
            "sent",
            2,
            "",
            True,
        )
        # A retried activity reporting again changes nothing.
        late = await stub.RecordEmailDelivery(
            intake_pb2.RecordEmailDeliveryRequest(notification_key=key, sent=False, error="x")
        )
        assert (late.status, late.attempts) == ("sent", 2)
        listed = await stub.ListOutbox(intake_pb2.ListOutboxRequest(statuses=["sent"]))
        assert [e.id for e in listed.emails] == [email.id]
        pending = await stub.ListOutbox(intake_pb2.ListOutboxRequest(statuses=["pending"]))
        assert pending.total == 0
        bad = await refused(
            stub.ListOutbox(intake_pb2.ListOutboxRequest(statuses=["lost"])),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert "status: unknown 'lost'" in bad


async def test_a_request_without_an_email_queues_no_notice(database_url: str) -> None:
    async with intake_service(database_url) as (stub, _):
        created = await stub.CreateRequest(create("contact-3"))
        lab_number = created.samples[0].lab_number
        await stub.RecordReceipt(receipt(lab_number, accepted=False, reason="leaking"))
        queued = await stub.QueueRejectionNotice(
            intake_pb2.QueueRejectionNoticeRequest(
                lab_number=lab_number, notification_key=f"{lab_number}:rejected", lab_name=LAB
            )
        )
        assert list(queued.emails) == []
        assert (await stub.ListOutbox(intake_pb2.ListOutboxRequest())).total == 0
