"""Every query of the gateway's database."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from services.gateway.domain import Role
from services.gateway.models import AuditReview, User, UserRole


def get_user(session: Session, username: str) -> User | None:
    """One user with their roles, or None."""
    found = session.execute(
        select(User).where(User.username == username).options(joinedload(User.roles))
    )
    return found.unique().scalar_one_or_none()


def get_user_for_update(session: Session, username: str) -> User | None:
    """One user without their roles, the row locked until the transaction ends (PostgreSQL;
    SQLite's writers are serialised already), so concurrent password failures count up one by
    one. None if unknown."""
    return session.scalar(select(User).where(User.username == username).with_for_update())


# Built once: signing in and every signature read an account, so the statement is not rebuilt.
_ACCOUNT = (
    select(
        User.username,
        User.full_name,
        User.active,
        User.password_hash,
        User.failed_attempts,
        User.locked_until,
        UserRole.role,
    )
    .outerjoin(UserRole, UserRole.username == User.username)
    .where(User.username == bindparam("username"))
)


def get_account_rows(
    session: Session, username: str
) -> Sequence[Row[str, str, bool, str, int, datetime | None, Role]]:
    """A user's columns, one row per role held (the role None if they hold none); [] if unknown."""
    return session.execute(_ACCOUNT, {"username": username}).all()


def list_users(
    session: Session, *, role: Role | None = None, active_only: bool = False
) -> Sequence[User]:
    """Users by username, optionally only those holding `role` or only the active ones."""
    query = select(User).options(selectinload(User.roles)).order_by(User.username)
    if role is not None:
        query = query.where(
            User.username.in_(select(UserRole.username).where(UserRole.role == role))
        )
    if active_only:
        query = query.where(User.active.is_(True))
    return session.scalars(query).all()


def existing_usernames(session: Session, usernames: Sequence[str]) -> set[str]:
    """Which of `usernames` exist."""
    found = session.scalars(select(User.username).where(User.username.in_(usernames)))
    return set(found)


def add_user(session: Session, user: User) -> None:
    """Adds a new user (flushed by the caller's next query or flush)."""
    session.add(user)


def add_audit_review(session: Session, review: AuditReview) -> None:
    """Adds a record of an audit trail review (flushed by the caller)."""
    session.add(review)


def list_audit_reviews(session: Session, *, offset: int, limit: int) -> Sequence[AuditReview]:
    """Audit trail reviews, most recently recorded first."""
    query = select(AuditReview).order_by(AuditReview.id.desc()).offset(offset).limit(limit)
    return session.scalars(query).all()


def count_audit_reviews(session: Session) -> int:
    """How many audit trail reviews were recorded."""
    return session.scalar(select(func.count()).select_from(AuditReview)) or 0
