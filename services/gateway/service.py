"""Use cases on users. They take a session and flush, never commit; every change is audited."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kernel import audit
from kernel.audit import SYSTEM, Who
from kernel.errors import AlreadyExists, InvalidArgument, NotFound
from kernel.timefmt import utcnow
from services.gateway import repository
from services.gateway.domain import DEMO_PASSWORD, DEMO_USERS, Role
from services.gateway.models import AuditEntry, AuditHead, User, UserRole

PasswordHasher = Callable[[str], str]


def snapshot(user: User) -> dict[str, Any]:
    """What the audit trail keeps of a user (never the password hash)."""
    return {
        "username": user.username,
        "full_name": user.full_name,
        "roles": user.role_names,
        "active": user.active,
    }


@dataclass(frozen=True)
class Account:
    """What signing in and signing need of a user, as plain values (usable outside the session)."""

    username: str
    full_name: str
    roles: list[str]
    active: bool
    password_hash: str


def find_user(session: Session, username: str) -> User | None:
    """A user by login name, active or not."""
    return repository.get_user(session, username)


def find_account(session: Session, username: str) -> Account | None:
    """A user's account by login name, active or not (one query, no ORM objects: it is read
    at every sign-in and every signature)."""
    rows = repository.get_account_rows(session, username)
    if not rows:
        return None
    name, full_name, active, password_hash, _ = rows[0]
    held = {row.role for row in rows}
    roles = [role.value for role in Role if role in held]
    return Account(name, full_name, roles, active, password_hash)


def list_users(
    session: Session, *, role: Role | None = None, active_only: bool = False
) -> Sequence[User]:
    """Users by login name, optionally filtered by role and activity."""
    return repository.list_users(session, role=role, active_only=active_only)


def create_user(
    session: Session,
    *,
    who: Who,
    username: str,
    full_name: str,
    password_hash: str,
    roles: Sequence[Role],
    reason: str = "",
) -> User:
    """Creates an active user with the given roles."""
    if not roles:
        raise InvalidArgument("roles: give at least one role")
    if repository.get_user(session, username) is not None:
        raise AlreadyExists(f"username: a user {username!r} already exists")
    now = utcnow()
    user = User(
        username=username,
        full_name=full_name,
        password_hash=password_hash,
        active=True,
        created_at=now,
        updated_at=now,
        roles=[UserRole(role=role) for role in dict.fromkeys(roles)],
    )
    repository.add_user(session, user)
    session.flush()
    audit.record(
        session,
        AuditEntry,
        AuditHead,
        who=who,
        action="user_created",
        entity_type="user",
        entity_id=username,
        new=snapshot(user),
        reason=reason,
        at=now,
    )
    return user


def update_user(
    session: Session,
    *,
    who: Who,
    username: str,
    reason: str,
    full_name: str | None = None,
    roles: Sequence[Role] | None = None,
    active: bool | None = None,
    password_hash: str | None = None,
) -> User:
    """Changes a user's name, roles, activity or password. Repeating a change changes nothing."""
    user = repository.get_user(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    if roles is not None and not roles:
        raise InvalidArgument("roles: give at least one role")
    old = snapshot(user)
    if full_name is not None:
        user.full_name = full_name
    if active is not None:
        user.active = active
    if roles is not None:
        wanted = set(roles)
        for user_role in [r for r in user.roles if r.role not in wanted]:
            user.roles.remove(user_role)
        held = {r.role for r in user.roles}
        user.roles.extend(UserRole(role=role) for role in Role if role in wanted - held)
    new = snapshot(user)
    if password_hash is not None:
        user.password_hash = password_hash
        old["password"], new["password"] = "(unchanged)", "(changed)"
    if old == new:
        return user
    now = utcnow()
    user.updated_at = now
    session.flush()
    audit.record(
        session,
        AuditEntry,
        AuditHead,
        who=who,
        action="user_changed",
        entity_type="user",
        entity_id=username,
        old=old,
        new=new,
        reason=reason,
        at=now,
    )
    return user


def seed_demo_users(session: Session, hash_password: PasswordHasher) -> list[str]:
    """Creates the demo users that do not exist yet (DESIGN §2); returns their login names."""
    created = []
    for username, full_name, roles in DEMO_USERS:
        if repository.get_user(session, username) is not None:
            continue
        create_user(
            session,
            who=SYSTEM,
            username=username,
            full_name=full_name,
            password_hash=hash_password(DEMO_PASSWORD),
            roles=roles,
            reason="demo user of the embedded default",
        )
        created.append(username)
    return created


def record_refused_signature(
    session: Session, *, who: Who, record_kind: str, record_id: str
) -> None:
    """Audits a signature refused for a wrong password (21 CFR 11.300(d): attempts are recorded)."""
    audit.record(
        session,
        AuditEntry,
        AuditHead,
        who=who,
        action="signature_refused",
        entity_type="user",
        entity_id=who.username,
        new={"record_kind": record_kind, "record_id": record_id},
        reason="the password given with the signature was wrong",
    )
