"""Use cases on users. They take a session and flush, never commit; every change is audited."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from kernel import audit
from kernel.audit import SYSTEM, Who
from kernel.errors import AlreadyExists, InvalidArgument, NotFound
from kernel.timefmt import to_rfc3339, utcnow
from services.gateway import repository
from services.gateway.domain import (
    DEMO_PASSWORD,
    DEMO_USERS,
    LockoutPolicy,
    PasswordFailures,
    Role,
    after_failure,
)
from services.gateway.models import AuditEntry, AuditHead, AuditReview, User, UserRole

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
    failures: PasswordFailures = field(default_factory=PasswordFailures)


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive values of the UTC times it was given.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def find_user(session: Session, username: str) -> User | None:
    """A user by login name, active or not."""
    return repository.get_user(session, username)


def find_account(session: Session, username: str) -> Account | None:
    """A user's account by login name, active or not (one query, no ORM objects: it is read
    at every sign-in and every signature)."""
    rows = repository.get_account_rows(session, username)
    if not rows:
        return None
    name, full_name, active, password_hash, failed, locked_until, _ = rows[0]
    held = {row.role for row in rows}
    roles = [role.value for role in Role if role in held]
    failures = PasswordFailures(failed, _aware(locked_until))
    return Account(name, full_name, roles, active, password_hash, failures)


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


@dataclass(frozen=True)
class PasswordAttempt:
    """A password offered for an account, as the audit trail records its refusal."""

    action: str  # "sign_in_refused" or "signature_refused"
    purpose: str  # what the password was given for, in the reason: "sign-in", "signature"
    # The signer for a signature; the system for a sign-in (nobody is authenticated yet).
    who: Who
    details: dict[str, str]


def _failures(user: User) -> PasswordFailures:
    return PasswordFailures(user.failed_attempts or 0, _aware(user.locked_until))


def _record_refusal(
    session: Session, username: str, attempt: PasswordAttempt, state: dict[str, Any], reason: str
) -> None:
    audit.record(
        session,
        AuditEntry,
        AuditHead,
        who=attempt.who,
        action=attempt.action,
        entity_type="user",
        entity_id=username,
        new=attempt.details | state,
        reason=reason,
    )


def _record_locked_refusal(
    session: Session, username: str, attempt: PasswordAttempt, until: datetime
) -> None:
    locked = to_rfc3339(until)
    reason = f"the account is locked until {locked}: the password was not checked"
    _record_refusal(session, username, attempt, {"locked_until": locked}, reason)


def _unlock(
    session: Session, user: User, before: PasswordFailures, *, who: Who, reason: str
) -> None:
    user.failed_attempts, user.locked_until = 0, None
    audit.record(
        session,
        AuditEntry,
        AuditHead,
        who=who,
        action="account_unlocked",
        entity_type="user",
        entity_id=user.username,
        old={"failed_attempts": before.count, "locked_until": to_rfc3339(before.locked_until)},
        new={"failed_attempts": 0, "locked_until": ""},
        reason=reason,
    )


def record_password_failure(
    session: Session,
    *,
    username: str,
    attempt: PasswordAttempt,
    policy: LockoutPolicy,
    now: datetime,
) -> datetime | None:
    """Counts a wrong password, its refusal audited (21 CFR 11.300(d)); the failure that reaches
    the limit locks the account, audited too. Returns the end of the lock in force, if any."""
    user = repository.get_user_for_update(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    before = _failures(user)
    held = before.lock_at(now)
    if held is not None:  # a concurrent attempt locked it since the account was read
        _record_locked_refusal(session, username, attempt, held)
        return held
    if before.lock_ended(now):
        _unlock(session, user, before, who=SYSTEM, reason="the lock period ended")
        before = PasswordFailures()
    after = after_failure(before, policy, now)
    user.failed_attempts, user.locked_until = after.count, after.locked_until
    reason = f"the password given for the {attempt.purpose} was wrong"
    _record_refusal(session, username, attempt, {"failed_attempts": before.count + 1}, reason)
    if after.locked_until is not None:
        audit.record(
            session,
            AuditEntry,
            AuditHead,
            who=SYSTEM,
            action="account_locked",
            entity_type="user",
            entity_id=username,
            old={"locked_until": ""},
            new={"locked_until": to_rfc3339(after.locked_until)},
            reason=f"{policy.failures} consecutive failed password attempts",
        )
    return after.locked_until


def record_password_success(
    session: Session, *, username: str, attempt: PasswordAttempt, now: datetime
) -> datetime | None:
    """Forgets the failed attempts after a right password (a lock that ran out is recorded as
    ended). Returns the end of a lock that a concurrent failure set meanwhile (the attempt is
    then refused and recorded), else None."""
    user = repository.get_user_for_update(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    before = _failures(user)
    held = before.lock_at(now)
    if held is not None:
        _record_locked_refusal(session, username, attempt, held)
        return held
    if before.lock_ended(now):
        _unlock(session, user, before, who=SYSTEM, reason="the lock period ended")
    user.failed_attempts = 0
    return None


def record_locked_attempt(
    session: Session, *, username: str, attempt: PasswordAttempt, until: datetime
) -> None:
    """Audits an attempt refused, its password unchecked, because the account is locked."""
    _record_locked_refusal(session, username, attempt, until)


def unlock_user(session: Session, *, who: Who, username: str, reason: str) -> User:
    """Lifts a lock and forgets the failed attempts (an admin, audited with the reason);
    unlocking an account that has neither changes nothing."""
    user = repository.get_user(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    before = _failures(user)
    if before == PasswordFailures():
        return user
    _unlock(session, user, before, who=who, reason=reason)
    session.flush()
    return user


def record_audit_review(
    session: Session,
    *,
    who: Who,
    period_start: datetime,
    period_end: datetime,
    filters: Mapping[str, str],
    comment: str,
) -> AuditReview:
    """Records that `who` reviewed the audit trail of a period (Annex 11 §9); audited itself."""
    comment = comment.strip()
    problems = []
    if period_start >= period_end:
        problems.append("period_end: must be after period_start")
    now = utcnow()
    if period_start > now:
        problems.append("period_start: a period not yet begun cannot have been reviewed")
    if not comment:
        problems.append("comment: required (what was reviewed and what was found)")
    if problems:
        raise InvalidArgument("; ".join(problems))
    review = AuditReview(
        reviewed_at=now,
        username=who.username,
        full_name=who.full_name,
        role=who.role,
        period_start=period_start.astimezone(UTC),  # SQLite keeps no offset: store UTC
        period_end=period_end.astimezone(UTC),
        filters=audit.canonical(dict(filters)),
        comment=comment,
    )
    repository.add_audit_review(session, review)
    session.flush()
    audit.record(
        session,
        AuditEntry,
        AuditHead,
        who=who,
        action="audit_trail_reviewed",
        entity_type="audit_review",
        entity_id=str(review.id),
        new={
            "period_start": to_rfc3339(review.period_start),
            "period_end": to_rfc3339(review.period_end),
            "filters": dict(filters),
            "comment": comment,
        },
        at=now,
    )
    return review


def list_audit_reviews(
    session: Session, *, offset: int = 0, limit: int = 100
) -> tuple[Sequence[AuditReview], int]:
    """Recorded audit trail reviews, most recent first, and how many there are in all."""
    return (
        repository.list_audit_reviews(session, offset=offset, limit=limit),
        repository.count_audit_reviews(session),
    )
