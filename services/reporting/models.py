"""The reporting service's tables: certificates, their PDFs, report counters, and its audit chain."""

from datetime import datetime

from sqlalchemy import (
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kernel.audit import AuditEntryMixin, AuditHeadMixin
from kernel.db import new_metadata
from services.reporting.domain import Conformity


class Base(DeclarativeBase):
    """Declarative base of the reporting service's own database."""

    metadata = new_metadata()


class ReportCounter(Base):
    """The last report number allocated in a year; locked while allocating, so numbers have no gap."""

    __tablename__ = "report_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class Certificate(Base):
    """One issued version of a sample's certificate of analysis, frozen."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("lab_number", "version"),)

    report_number: Mapped[str] = mapped_column(String(30), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    lab_number: Mapped[str] = mapped_column(String(50), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_by_username: Mapped[str] = mapped_column(String(100))
    issued_by_full_name: Mapped[str] = mapped_column(String(200))
    issued_by_role: Mapped[str] = mapped_column(String(50))
    conclusion: Mapped[Conformity] = mapped_column(
        Enum(
            Conformity,
            name="conformity",
            native_enum=False,
            create_constraint=False,
            length=30,
            values_callable=lambda members: [m.value for m in members],
        )
    )
    # The CertificateContent in canonical JSON (domain.canonical_content), hashed as is.
    content_json: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    # An amended version names the version it replaces and why; both empty for version 1.
    # The replaced row is never updated: it is superseded because a newer version exists.
    replaces: Mapped[str] = mapped_column(String(30), default="", server_default="")
    amendment_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class CertificatePdf(Base):
    """The PDF of a certificate, rendered once on first request and served as stored ever after."""

    __tablename__ = "certificate_pdfs"

    report_number: Mapped[str] = mapped_column(
        ForeignKey("certificates.report_number"), primary_key=True
    )
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_hash: Mapped[str] = mapped_column(String(64), index=True)
    rendered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(AuditEntryMixin, Base):
    """The reporting service's audit trail."""


class AuditHead(AuditHeadMixin, Base):
    """The head of the reporting service's audit chain."""
