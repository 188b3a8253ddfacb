"""Every query of the gateway's database."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.gateway.domain import Role
from services.gateway.models import User, UserRole


async def get_user(session: AsyncSession, username: str) -> User | None:
    """One user with their roles, or None."""
    return await session.scalar(
        select(User).where(User.username == username).options(selectinload(User.roles))
    )


async def list_users(
    session: AsyncSession, *, role: Role | None = None, active_only: bool = False
) -> Sequence[User]:
    """Users by username, optionally only those holding `role` or only the active ones."""
    query = select(User).options(selectinload(User.roles)).order_by(User.username)
    if role is not None:
        query = query.where(
            User.username.in_(select(UserRole.username).where(UserRole.role == role))
        )
    if active_only:
        query = query.where(User.active.is_(True))
    return (await session.scalars(query)).all()


async def existing_usernames(session: AsyncSession, usernames: Sequence[str]) -> set[str]:
    """Which of `usernames` exist."""
    found = await session.scalars(select(User.username).where(User.username.in_(usernames)))
    return set(found)


def add_user(session: AsyncSession, user: User) -> None:
    """Adds a new user (flushed by the caller's next query or flush)."""
    session.add(user)
