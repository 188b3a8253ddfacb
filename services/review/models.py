"""The review service's tables: signatures, reviews, approvals, and its audit chain."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kernel.audit import AuditEntryMixin, AuditHeadMixin
from kernel.db import new_metadata
from services.review.domain import Conformity, Meaning, RecordKind


class Base(DeclarativeBase):
    """Declarative base of the review service's own database."""

    metadata = new_metadata()


def _str_enum(enum: type[Any], name: str) -> Enum:
    # Store the lowercase value (what the API speaks), as a plain string column.
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=30,
        values_callable=lambda members: [m.value for m in members],
    )


class Signature(Base):
    """An electronic signature bound to one record by the hash of what was signed."""

    __tablename__ = "signatures"

    # Integer order of signing, so "oldest first" never depends on clock resolution.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    signature_id: Mapped[str] = mapped_column(String(36), unique=True)
    username: Mapped[str] = mapped_column(String(100))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(50))
    meaning: Mapped[Meaning] = mapped_column(_str_enum(Meaning, "signature_meaning"))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Kept with its hash so the signature can be re-verified without the other services.
    signed_content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    record_kind: Mapped[RecordKind] = mapped_column(_str_enum(RecordKind, "record_kind"))
    record_id: Mapped[str] = mapped_column(String(100))
    lab_number: Mapped[str] = mapped_column(String(50), index=True)


class Review(Base):
    """A reviewer's decision on one attempt of one test."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("lab_number", "test_id", "attempt"),)

    review_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    review_key: Mapped[str] = mapped_column(String(200), unique=True)
    lab_number: Mapped[str] = mapped_column(String(50), index=True)
    test_id: Mapped[str] = mapped_column(String(100))
    attempt: Mapped[int] = mapped_column(Integer)
    analyst: Mapped[str] = mapped_column(String(100))
    reviewer: Mapped[str] = mapped_column(String(100))
    accepted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    signature_id: Mapped[str] = mapped_column(ForeignKey("signatures.signature_id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    signature: Mapped[Signature] = relationship(lazy="raise")


class Approval(Base):
    """The approval of one sample's certificate (at most one per sample)."""

    __tablename__ = "approvals"

    lab_number: Mapped[str] = mapped_column(String(50), primary_key=True)
    approver: Mapped[str] = mapped_column(String(100))
    conclusion: Mapped[Conformity] = mapped_column(_str_enum(Conformity, "conformity"))
    # Who the caller said analysed and reviewed the sample: the evidence the SoD check used.
    analysts: Mapped[list[str]] = mapped_column(JSON)
    reviewers: Mapped[list[str]] = mapped_column(JSON)
    signature_id: Mapped[str] = mapped_column(ForeignKey("signatures.signature_id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    signature: Mapped[Signature] = relationship(lazy="raise")


class AuditEntry(AuditEntryMixin, Base):
    """The review service's audit trail."""


class AuditHead(AuditHeadMixin, Base):
    """The head of the review service's audit chain."""
