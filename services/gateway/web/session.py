"""Who is signed in to the web UI: a session cookie holding the same signed token as the REST
API's bearer token, and a CSRF token bound to that session for every form that changes data."""

import hashlib
import hmac
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from services.gateway.auth import Identity, derive_key
from services.gateway.clients import Connections
from services.gateway.deps import Clients
from services.gateway.problems import Forbidden

SESSION_COOKIE = "lims_session"
LANGUAGE_COOKIE = "lims_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class LoginRequired(Exception):
    """No valid session: the browser is sent to the sign-in page, then back to `next_path`."""

    def __init__(self, next_path: str, *, expired: bool) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.expired = expired

    @property
    def location(self) -> str:
        reason = "&expired=1" if self.expired else ""
        return f"/login?next={quote(self.next_path, safe='/')}{reason}"


def session_identity(request: Request, clients: Connections) -> Identity | None:
    """The identity of the request's session cookie, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    return clients.tokens.read(token) if token else None


async def signed_in(request: Request, clients: Clients) -> Identity:
    """The signed-in user of a page; without a valid session, off to the sign-in page."""
    identity = session_identity(request, clients)
    if identity is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path, expired=SESSION_COOKIE in request.cookies)
    return identity


WebUser = Annotated[Identity, Depends(signed_in)]


def csrf_token(clients: Connections, identity: Identity) -> str:
    """The session's CSRF token: an HMAC of the session id, so it needs no storage."""
    key = derive_key(clients.secret, "csrf")
    return hmac.new(key, identity.jti.encode(), hashlib.sha256).hexdigest()


async def check_csrf(request: Request, clients: Connections, identity: Identity) -> None:
    """Refuses (403) a change whose form or htmx header lacks the session's CSRF token."""
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        sent = value if isinstance(value, str) else ""
    if not hmac.compare_digest(sent, csrf_token(clients, identity)):
        raise Forbidden("the form is out of date or was not sent by this application; reload it")


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path
