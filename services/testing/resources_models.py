"""Tables of the resources that gate testing: qualifications, instruments, reference standards,
reagents, and the files attached to results. Same declarative base as the rest of testing."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.testing.models import Base


class QualificationRow(Base):
    """An analyst's qualification for a technique (from a training record), valid until expiry."""

    __tablename__ = "qualifications"
    __table_args__ = (UniqueConstraint("analyst", "technique"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    analyst: Mapped[str] = mapped_column(String(100), index=True)
    technique: Mapped[str] = mapped_column(String(50))
    qualified_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    training_record: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InstrumentRow(Base):
    """An instrument, the techniques it serves, its calibration due date and its status."""

    __tablename__ = "instruments"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    techniques: Mapped[list[str]] = mapped_column(JSON)
    calibration_due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # resources.InstrumentStatus
    out_of_service_reason: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReferenceStandardRow(Base):
    """A lot of a reference standard (Ph. Eur. CRS, USP RS, WHO ICRS or in-house secondary)."""

    __tablename__ = "reference_standards"

    lot: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(30))  # resources.StandardSource
    expires_on: Mapped[date] = mapped_column(Date)
    quantity: Mapped[str] = mapped_column(String(30))  # decimal text, never a float
    quantity_unit: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReagentRow(Base):
    """A lot of a reagent."""

    __tablename__ = "reagents"

    lot: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    expires_on: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AttachmentRow(Base):
    """A file attached to a test's result (e.g. a chromatogram PDF), kept with its SHA-256."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("test_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    test_id: Mapped[str] = mapped_column(ForeignKey("tests.test_id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)  # the result it belongs to (0: before one)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_username: Mapped[str] = mapped_column(String(100))
    uploaded_by_full_name: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
