"""Users and their roles: listed for staff (e.g. to pick an analyst), managed by the admin."""

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from kernel.timefmt import to_rfc3339, utcnow
from services.gateway import service
from services.gateway.auth import hash_password
from services.gateway.deps import AsAdmin, AsStaff, Clients
from services.gateway.domain import Role
from services.gateway.models import User
from services.gateway.problems import responses
from services.gateway.schemas import ReasonIn, UserIn, UserOut, UserPatch

router = APIRouter(tags=["identity"])


def _locked_until(user: User) -> str | None:
    until = user.locked_until
    if until is None:
        return None
    if until.tzinfo is None:  # SQLite keeps no offset: stored in UTC
        until = until.replace(tzinfo=UTC)
    return to_rfc3339(until) if until > utcnow() else None


def _out(user: User) -> UserOut:
    return UserOut(
        username=user.username,
        full_name=user.full_name,
        roles=user.role_names,
        active=user.active,
        locked_until=_locked_until(user),
    )


@router.get("/users", responses=responses(401, 403, 422))
async def list_users(
    clients: Clients,
    _acting: AsStaff,
    role: Annotated[Role | None, Query(description="Only users holding this role.")] = None,
    active: Annotated[bool, Query(description="Only active users.")] = True,
) -> list[UserOut]:
    """Users by login name (staff only), e.g. the active analysts a test can be assigned to."""

    def listed(session: Session) -> list[UserOut]:
        return [_out(u) for u in service.list_users(session, role=role, active_only=active)]

    return await clients.db.read_call(listed)


@router.post("/users", status_code=201, responses=responses(401, 403, 409, 422))
async def create_user(body: UserIn, clients: Clients, acting: AsAdmin) -> UserOut:
    """Creates a user (admin); the change is audited."""
    password_hash = await hash_password(body.password)

    def create(session: Session) -> UserOut:
        user = service.create_user(
            session,
            who=acting.who,
            username=body.username,
            full_name=body.full_name,
            password_hash=password_hash,
            roles=body.roles,
            reason=body.reason,
        )
        return _out(user)

    return await clients.db.write_call(create)


@router.patch("/users/{username}", responses=responses(401, 403, 404, 422))
async def update_user(username: str, body: UserPatch, clients: Clients, acting: AsAdmin) -> UserOut:
    """Changes a user's name, roles, activity or password (admin); the change is audited."""
    password_hash = await hash_password(body.password) if body.password else None

    def update(session: Session) -> UserOut:
        user = service.update_user(
            session,
            who=acting.who,
            username=username,
            reason=body.reason,
            full_name=body.full_name,
            roles=body.roles,
            active=body.active,
            password_hash=password_hash,
        )
        return _out(user)

    return await clients.db.write_call(update)


@router.post("/users/{username}/unlock", responses=responses(401, 403, 404, 422))
async def unlock_user(username: str, body: ReasonIn, clients: Clients, acting: AsAdmin) -> UserOut:
    """Lifts a lock set by repeated failed password attempts and forgets the failures (admin),
    with the reason; audited. An account that is not locked is left as it is."""

    def unlock(session: Session) -> UserOut:
        user = service.unlock_user(session, who=acting.who, username=username, reason=body.reason)
        return _out(user)

    return await clients.db.write_call(unlock)
