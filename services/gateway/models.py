"""The gateway's own tables: users, their roles, and the audit chain of changes to them."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kernel.audit import AuditEntryMixin, AuditHeadMixin
from kernel.db import new_metadata
from services.gateway.domain import Role


class Base(DeclarativeBase):
    """Declarative base of the gateway's own database."""

    metadata = new_metadata()


class User(Base):
    """A person who signs in. Never deleted: deactivated, so records stay attributable."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # argon2id encoded hash (parameters and salt included).
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    roles: Mapped[list["UserRole"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="UserRole.role"
    )

    @property
    def role_names(self) -> list[str]:
        """The user's roles in the order of DESIGN §2 (the relationship must be loaded)."""
        held = {user_role.role for user_role in self.roles}
        return [role.value for role in Role if role in held]


class UserRole(Base):
    """One role held by one user."""

    __tablename__ = "user_roles"

    username: Mapped[str] = mapped_column(
        ForeignKey("users.username", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="role",
            native_enum=False,
            create_constraint=False,
            length=30,
            values_callable=lambda members: [m.value for m in members],
        ),
        primary_key=True,
        index=True,
    )


class AuditEntry(AuditEntryMixin, Base):
    """The gateway's audit trail (user changes, refused signatures)."""


class AuditHead(AuditHeadMixin, Base):
    """The head of the gateway's audit chain."""
