"""Every query of the gateway's database."""

from collections.abc import Sequence

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session, joinedload, selectinload

from services.gateway.domain import Role
from services.gateway.models import User, UserRole


def get_user(session: Session, username: str) -> User | None:
    """One user with their roles, or None."""
    found = session.execute(
        select(User).where(User.username == username).options(joinedload(User.roles))
    )
    return found.unique().scalar_one_or_none()


# Built once: signing in and every signature read an account, so the statement is not rebuilt.
_ACCOUNT = (
    select(User.username, User.full_name, User.active, User.password_hash, UserRole.role)
    .outerjoin(UserRole, UserRole.username == User.username)
    .where(User.username == bindparam("username"))
)


def get_account_rows(session: Session, username: str) -> Sequence[Row[str, str, bool, str, Role]]:
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
