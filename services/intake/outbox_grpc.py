"""The e-mail outbox's side of IntakeService over gRPC: proto <-> use cases. The servicer
(grpc_server.py) runs each of these in one transaction."""

from sqlalchemy.orm import Session

from kernel.timefmt import to_rfc3339
from lims.intake.v1 import intake_pb2
from services.intake import outbox_service
from services.intake.models import OutboxEmail


def email_to_proto(email: OutboxEmail) -> intake_pb2.OutboxEmail:
    """The wire form of an outbox e-mail."""
    return intake_pb2.OutboxEmail(
        id=email.id,
        notification_key=email.notification_key,
        recipient=email.recipient,
        subject=email.subject,
        text=email.text,
        lab_number=email.lab_number,
        status=email.status.value,
        attempts=email.attempts,
        error=email.error,
        created_at=to_rfc3339(email.created_at),
        sent_at=to_rfc3339(email.sent_at),
    )


def queue_rejection_notice(
    session: Session, request: intake_pb2.QueueRejectionNoticeRequest
) -> intake_pb2.QueueRejectionNoticeResponse:
    """The rejection notice, written once per key; none when the request has no e-mail."""
    email = outbox_service.queue_rejection_notice(
        session, request.lab_number, request.notification_key, request.lab_name
    )
    return intake_pb2.QueueRejectionNoticeResponse(
        emails=[email_to_proto(email)] if email is not None else []
    )


def record_delivery(
    session: Session, request: intake_pb2.RecordEmailDeliveryRequest
) -> intake_pb2.OutboxEmail:
    """An attempt to send, recorded."""
    email = outbox_service.record_delivery(
        session, request.notification_key, sent=request.sent, error=request.error
    )
    return email_to_proto(email)


def list_outbox(
    session: Session, request: intake_pb2.ListOutboxRequest
) -> intake_pb2.ListOutboxResponse:
    """The newest outbox e-mails."""
    emails, total = outbox_service.list_outbox(session, list(request.statuses), request.page_size)
    return intake_pb2.ListOutboxResponse(emails=[email_to_proto(e) for e in emails], total=total)
