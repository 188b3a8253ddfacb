"""The e-mail outbox: the notices the lab owes requesters (a sample rejected at receipt), and
whether each was sent. Reception and admin see it; without a mail server they stay pending."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from lims.intake.v1 import intake_pb2
from services.gateway.clients import Connections
from services.gateway.deps import AsOutboxReader, Clients
from services.gateway.problems import responses
from services.gateway.schemas import OutboxEmailOut, OutboxPage

router = APIRouter(tags=["notifications"])

EmailStatusName = Literal["pending", "sent", "failed"]


def email_out(message: intake_pb2.OutboxEmail) -> OutboxEmailOut:
    """The REST form of an outbox e-mail."""
    return OutboxEmailOut(
        id=message.id,
        notification_key=message.notification_key,
        recipient=message.recipient,
        subject=message.subject,
        text=message.text,
        lab_number=message.lab_number or None,
        status=message.status,
        attempts=message.attempts,
        error=message.error or None,
        created_at=message.created_at,
        sent_at=message.sent_at or None,
    )


async def outbox_page(clients: Connections, statuses: list[str], page_size: int = 50) -> OutboxPage:
    """The newest outbox e-mails in these statuses (every one when empty)."""
    found = await clients.intake.ListOutbox(
        intake_pb2.ListOutboxRequest(statuses=statuses, page_size=page_size)
    )
    return OutboxPage(items=[email_out(e) for e in found.emails], total=found.total)


@router.get("/outbox", responses=responses(401, 403, 502, 503))
async def list_outbox(
    clients: Clients,
    acting: AsOutboxReader,
    status: Annotated[list[EmailStatusName] | None, Query()] = None,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OutboxPage:
    """The e-mails the lab owes requesters, newest first; `status` repeats to take several."""
    return await outbox_page(clients, list(status or []), page_size)
