"""The gateway's own tables: users, their roles, and the audit chain of changes to them."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Integer, String, Text
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
    # Lockout (domain.after_failure): consecutive failed password checks, sign-in or signature,
    # since the last success or lock; and the end of the lock, None when not locked. Operational
    # state, not part of the user's audited snapshot: its changes have audit entries of their own.
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

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


class AuditReview(Base):
    """A review of the audit trail, recorded by the quality manager (EU GMP Annex 11 §9:
    audit trails are reviewed regularly, and that the review was done must itself show)."""

    __tablename__ = "audit_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    username: Mapped[str] = mapped_column(String(100), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(50))
    # The period of activity reviewed: entries at or after its start and before its end.
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The filters the reviewer used (canonical JSON object, "{}" for none).
    filters: Mapped[str] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text)
