"""Dependencies of the route handlers, as Annotated aliases: who calls, in which role, and with what."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from kernel.audit import Who
from services.gateway.auth import Identity
from services.gateway.clients import Connections
from services.gateway.domain import STAFF, Role, acting_role, needs_role_message
from services.gateway.problems import Forbidden, Unauthenticated
from workflows.contracts import ActorRef

TOKEN_URL = "/api/v1/auth/token"
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


async def get_connections(request: Request) -> Connections:
    """The connections the lifespan opened (async: FastAPI runs a plain function in a thread)."""
    connections: Connections = request.app.state.connections
    return connections


Clients = Annotated[Connections, Depends(get_connections)]


async def get_identity(
    clients: Clients, token: Annotated[str | None, Depends(_bearer)]
) -> Identity:
    """The signed-in user of the bearer token; 401 without a valid one."""
    if not token:
        raise Unauthenticated("sign in first: this call needs a bearer token")
    identity = clients.tokens.read(token)
    if identity is None:
        raise Unauthenticated("the token is invalid or has expired; sign in again")
    return identity


CurrentUser = Annotated[Identity, Depends(get_identity)]


@dataclass(frozen=True)
class Acting:
    """A signed-in user and the role that authorises what they are doing."""

    identity: Identity
    role: Role

    @property
    def username(self) -> str:
        """Login name."""
        return self.identity.username

    @property
    def actor(self) -> ActorRef:
        """The actor the workflow and the services record."""
        return ActorRef(self.identity.username, self.identity.full_name, self.role.value)

    @property
    def who(self) -> Who:
        """The actor as the gateway's own audit trail records it."""
        return Who(self.identity.username, self.identity.full_name, self.role.value)


def act_as(identity: Identity, allowed: tuple[Role, ...]) -> Acting:
    """The user acting under the first of `allowed` they hold; 403 if they hold none."""
    role = acting_role(identity.roles, allowed)
    if role is None:
        raise Forbidden(needs_role_message(allowed))
    return Acting(identity, role)


def acting_as(*allowed: Role) -> Callable[[Identity], Awaitable[Acting]]:
    """A dependency admitting users who hold one of `allowed` (the first held is acted under)."""

    async def dependency(identity: CurrentUser) -> Acting:
        return act_as(identity, allowed)

    return dependency


# Who may do what: the REST API's dependencies and the web pages use the same tuples.
REQUEST_LOGGERS = (Role.RECEPTION, Role.ADMIN, Role.REQUESTER)
SUPERVISORS = (Role.REVIEWER, Role.QUALITY, Role.ADMIN)
CANCELLERS = (Role.REVIEWER, Role.QUALITY, Role.ADMIN, Role.RECEPTION)
# OOS investigations: Phase I is signed by a supervisor, the Phase II conclusion by quality.
INVESTIGATORS = (Role.REVIEWER, Role.QUALITY)
# The e-mail outbox: reception answers the requesters, admin configures the mail server.
OUTBOX_READERS = (Role.RECEPTION, Role.ADMIN)

AsRequestLogger = Annotated[Acting, Depends(acting_as(*REQUEST_LOGGERS))]
AsReception = Annotated[Acting, Depends(acting_as(Role.RECEPTION))]
AsAnalyst = Annotated[Acting, Depends(acting_as(Role.ANALYST))]
AsReviewer = Annotated[Acting, Depends(acting_as(Role.REVIEWER))]
AsApprover = Annotated[Acting, Depends(acting_as(Role.APPROVER))]
AsSupervisor = Annotated[Acting, Depends(acting_as(*SUPERVISORS))]
AsCanceller = Annotated[Acting, Depends(acting_as(*CANCELLERS))]
AsInvestigator = Annotated[Acting, Depends(acting_as(*INVESTIGATORS))]
AsQuality = Annotated[Acting, Depends(acting_as(Role.QUALITY))]
AsOutboxReader = Annotated[Acting, Depends(acting_as(*OUTBOX_READERS))]
AsStaff = Annotated[Acting, Depends(acting_as(*STAFF))]
AsAdmin = Annotated[Acting, Depends(acting_as(Role.ADMIN))]
