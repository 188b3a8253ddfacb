"""Notifications: what the system tells a user (a sample of theirs rejected at receipt) or one
of their roles (reception: a retained sample due for disposal)."""

from typing import Annotated

from fastapi import APIRouter, Query

from lims.intake.v1 import intake_pb2
from services.gateway.auth import Identity
from services.gateway.clients import Connections
from services.gateway.deps import Clients, CurrentUser
from services.gateway.problems import responses
from services.gateway.schemas import NotificationOut, NotificationPage

router = APIRouter(tags=["notifications"])


def notification_out(message: intake_pb2.Notification) -> NotificationOut:
    """The REST form of a notification."""
    return NotificationOut(
        id=message.id,
        subject=message.subject,
        text=message.text,
        lab_number=message.lab_number or None,
        link=f"/samples/{message.lab_number}" if message.lab_number else None,
        for_role=message.recipient.role or None,
        created_at=message.created_at,
        read_at=message.read_at or None,
        read_by=message.read_by or None,
    )


async def inbox(clients: Connections, identity: Identity, page_size: int = 50) -> NotificationPage:
    """The user's notifications and their roles', unread first."""
    found = await clients.intake.ListNotifications(
        intake_pb2.ListNotificationsRequest(
            username=identity.username, roles=list(identity.roles), page_size=page_size
        )
    )
    return NotificationPage(
        items=[notification_out(n) for n in found.notifications], unread=found.unread
    )


@router.get("/notifications", responses=responses(401, 502, 503))
async def list_notifications(
    clients: Clients,
    identity: CurrentUser,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationPage:
    """My notifications and my roles', unread first, then newest first."""
    return await inbox(clients, identity, page_size)


@router.post("/notifications/{notification_id}/read", responses=responses(401, 404, 502, 503))
async def mark_read(
    notification_id: int, clients: Clients, identity: CurrentUser
) -> NotificationOut:
    """Marks one of my notifications read (a role's is read for everyone holding the role)."""
    found = await clients.intake.MarkNotificationRead(
        intake_pb2.MarkNotificationReadRequest(
            id=notification_id, username=identity.username, roles=list(identity.roles)
        )
    )
    return notification_out(found)
