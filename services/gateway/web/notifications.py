"""Notifications in the browser: the count in the page header, the list, marking one read. Same
handlers as the REST API (services/gateway/api/notifications.py)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.gateway.api import notifications as api
from services.gateway.api.outbox import outbox_page
from services.gateway.deps import OUTBOX_READERS, Clients
from services.gateway.web.render import page
from services.gateway.web.session import WebUser, check_csrf

router = APIRouter(include_in_schema=False)


@router.get("/notifications")
async def notifications_page(request: Request, clients: Clients, identity: WebUser) -> HTMLResponse:
    """The user's notifications, unread first."""
    inbox = await api.inbox(clients, identity)
    # Reception and admin also see the e-mails owed to requesters, and whether they went.
    outbox = None
    if any(role in identity.roles for role in OUTBOX_READERS):
        outbox = await outbox_page(clients, [], page_size=20)
    context = {"inbox": inbox, "outbox": outbox}
    return page(request, clients, "notifications.html", context, identity=identity)


@router.get("/notifications/count")
async def unread_count(clients: Clients, identity: WebUser) -> HTMLResponse:
    """The header's badge (htmx): how many are unread, empty when none."""
    inbox = await api.inbox(clients, identity, page_size=1)
    return HTMLResponse(str(inbox.unread) if inbox.unread else "")


@router.post("/notifications/{notification_id}/read")
async def mark_read(
    notification_id: int, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """Marks it read, then opens the sample it is about (or the list again)."""
    await check_csrf(request, clients, identity)
    read = await api.mark_read(notification_id, clients, identity)
    return RedirectResponse(read.link or "/notifications", status_code=303)
