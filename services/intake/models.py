"""Intake's tables: number counters, requests, samples and their timeline, storage locations and
the chain of custody, the turnaround targets and the lab calendar, and the audit chain."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kernel.audit import AuditEntryMixin, AuditHeadMixin
from kernel.db import new_metadata
from kernel.email_address import MAX_EMAIL
from kernel.lifecycle import SampleStatus
from services.intake.custody import CustodyKind
from services.intake.domain import (
    MAX_CONTACT_NAME,
    MAX_CONTACT_PHONE,
    Priority,
    ProductCategory,
    Purpose,
)
from services.intake.outbox import EmailStatus
from services.intake.turnaround import Basis


class Base(DeclarativeBase):
    """Intake's declarative base (its own metadata: intake owns its database)."""

    metadata = new_metadata()


def _enum(kind: type[StrEnum]) -> Enum:
    # Stored as the value text ("in_testing") in a VARCHAR: readable, and adding a state later
    # needs no ALTER TYPE.
    return Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=30,
        values_callable=lambda members: [member.value for member in members],
    )


class Counter(Base):
    """The last number handed out per kind and year; its row lock makes numbering gap-free."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class Request(Base):
    """A requester's request: one purpose, one or more samples."""

    __tablename__ = "requests"

    request_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    request_key: Mapped[str] = mapped_column(String(200), unique=True)
    purpose: Mapped[Purpose] = mapped_column(_enum(Purpose))
    priority: Mapped[Priority] = mapped_column(_enum(Priority))
    requester: Mapped[str] = mapped_column(String(100))
    requester_organisation: Mapped[str] = mapped_column(String(300))
    external_reference: Mapped[str] = mapped_column(String(100))
    # Whom the lab writes to about the request (the rejection notice); each may be ''.
    contact_name: Mapped[str] = mapped_column(String(MAX_CONTACT_NAME), default="")
    contact_email: Mapped[str] = mapped_column(String(MAX_EMAIL), default="")
    contact_phone: Mapped[str] = mapped_column(String(MAX_CONTACT_PHONE), default="")
    created_by_username: Mapped[str] = mapped_column(String(100))
    created_by_full_name: Mapped[str] = mapped_column(String(200))
    created_by_role: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    samples: Mapped[list["Sample"]] = relationship(
        back_populates="request", lazy="raise", order_by="Sample.id"
    )


class Sample(Base):
    """A sample and its current state: the read model the lists and the detail page show."""

    __tablename__ = "samples"
    __table_args__: Any = (
        # Every list filter pairs with id, the "newest first" and "oldest first" orders, so a
        # filtered page is read from one index in order.
        Index("ix_samples_status_id", "status", "id"),
        Index("ix_samples_purpose_id", "purpose", "id"),
        Index("ix_samples_requester_id", "requester", "id"),
        # The "due" order (soonest first, then oldest; PostgreSQL keeps NULLs last in an
        # ascending index, SQLite reads them in a second pass) and the overdue filter.
        Index("ix_samples_sla_due_at_id", "sla_due_at", "id"),
        # The "product" order's index (id descending) follows the class: it needs the columns.
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lab_number: Mapped[str] = mapped_column(String(40), unique=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.request_id"), index=True)
    # Copied from the request so lists filter without a join.
    purpose: Mapped[Purpose] = mapped_column(_enum(Purpose))
    priority: Mapped[Priority] = mapped_column(_enum(Priority))
    requester: Mapped[str] = mapped_column(String(100))
    requester_organisation: Mapped[str] = mapped_column(String(300))
    external_reference: Mapped[str] = mapped_column(String(100))
    contact_name: Mapped[str] = mapped_column(String(MAX_CONTACT_NAME), default="")
    contact_email: Mapped[str] = mapped_column(String(MAX_EMAIL), default="")
    contact_phone: Mapped[str] = mapped_column(String(MAX_CONTACT_PHONE), default="")

    product_code: Mapped[str] = mapped_column(String(50))
    product_name: Mapped[str] = mapped_column(String(300))
    batch_number: Mapped[str] = mapped_column(String(100))
    manufacturer: Mapped[str] = mapped_column(String(300))
    manufacture_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    quantity: Mapped[str] = mapped_column(String(20))
    quantity_unit: Mapped[str] = mapped_column(String(50))
    product_category: Mapped[ProductCategory] = mapped_column(_enum(ProductCategory))
    inns: Mapped[str] = mapped_column(String(300))
    dosage_form: Mapped[str] = mapped_column(String(100))
    strength: Mapped[str] = mapped_column(String(100))
    pack: Mapped[str] = mapped_column(String(200))
    marketing_authorisation_holder: Mapped[str] = mapped_column(String(300))
    # Refrigerated or frozen conditions make the temperature on arrival required at receipt.
    storage_conditions: Mapped[str] = mapped_column(String(200))

    status: Mapped[SampleStatus] = mapped_column(_enum(SampleStatus))
    status_before_hold: Mapped[SampleStatus | None] = mapped_column(_enum(SampleStatus))

    # None until the receipt check; then the decision, kept to recognise a repeat of it.
    receipt_accepted: Mapped[bool | None] = mapped_column(Boolean)
    condition_on_receipt: Mapped[str] = mapped_column(Text)
    quantity_received: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    rejection_reason: Mapped[str] = mapped_column(Text)
    # The receipt checklist (None before receipt). A failed check does not block acceptance.
    seals_intact: Mapped[bool | None] = mapped_column(Boolean)
    labelling_legible: Mapped[bool | None] = mapped_column(Boolean)
    temperature_on_arrival: Mapped[str] = mapped_column(String(20))  # °C; '' when not measured
    # 3 x the units of one full analysis ('' when the catalogue does not say), and why an
    # accepted quantity below it was accepted anyway.
    quantity_required: Mapped[str] = mapped_column(String(20))
    insufficient_quantity_reason: Mapped[str] = mapped_column(Text)

    # The target in force when the turnaround clock started (at receipt; the one in force at
    # registration until then): a later change of the configuration never reaches it.
    sla_target_days: Mapped[int] = mapped_column(Integer)
    sla_basis: Mapped[Basis] = mapped_column(_enum(Basis))
    # The target as calendar time, fixed at receipt from the lab calendar (0 before receipt):
    # the workflow's timers run on it.
    sla_target_seconds: Mapped[int] = mapped_column(Integer)
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_warning_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_breached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Retention (services/intake/retention.py): set when the retained part is put away; the
    # reminder's mark when the SampleRetention workflow's timer fell; when it was destroyed.
    # The KPI figures' columns (services/intake/kpi_service.py): when the sample was released;
    # while on hold, since when; the time on hold so far; and at release the turnaround, receipt
    # to release less the time on hold (DESIGN §5: the clock stops on hold).
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    held_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hold_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    turnaround_seconds: Mapped[int | None] = mapped_column(Integer)

    retain_until: Mapped[date | None] = mapped_column(Date)
    disposal_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disposed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Lowercased lab number, product name, batch and manufacturer: the text filter scans one
    # column and needs no lower() (SQLite's lower() folds ASCII only).
    search_text: Mapped[str] = mapped_column(Text)

    request: Mapped[Request] = relationship(back_populates="samples", lazy="raise")
    # Oldest first in the order recorded: the times come from two clocks (the service's and the
    # workflow's, which a time-skipping test moves ahead), the order of the lifecycle does not.
    events: Mapped[list["SampleEvent"]] = relationship(
        back_populates="sample", lazy="raise", order_by="SampleEvent.id"
    )


# The "product" order: A-Z, then newest, so id descends within each name and one index scan
# reads a page in order.
Index("ix_samples_product_name_id", Sample.product_name, Sample.id.desc())


class SampleEvent(Base):
    """One line of a sample's timeline. `event_key` records a workflow event already applied."""

    __tablename__ = "sample_events"
    __table_args__: Any = (UniqueConstraint("sample_id", "event_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    username: Mapped[str] = mapped_column(String(100))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(50))
    detail: Mapped[str] = mapped_column(Text)
    event_key: Mapped[str | None] = mapped_column(String(250))

    sample: Mapped[Sample] = relationship(back_populates="events", lazy="raise")


class StorageLocation(Base):
    """Where samples are kept (a refrigerator, a cabinet, the retention store) and at what
    conditions. Never deleted, since custody events name it: a location out of use is inactive."""

    __tablename__ = "storage_locations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    conditions: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CustodyEvent(Base):
    """One movement of a sample: who moved it, when, and where to (a location or an analyst).

    Append-only; the last one says where the sample is. `event_key` makes a retried call record
    once."""

    __tablename__ = "custody_events"
    __table_args__: Any = (UniqueConstraint("sample_id", "event_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"))
    kind: Mapped[CustodyKind] = mapped_column(_enum(CustodyKind))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("storage_locations.id"))
    handed_to: Mapped[str] = mapped_column(String(100))
    witness: Mapped[str] = mapped_column(String(100))
    remarks: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    username: Mapped[str] = mapped_column(String(100))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(50))
    event_key: Mapped[str] = mapped_column(String(250))
    # Why a disposal came before the retention period ended ('' otherwise).
    reason: Mapped[str] = mapped_column(Text, default="")

    location: Mapped[StorageLocation | None] = relationship(lazy="raise")
    signatures: Mapped[list["CustodySignature"]] = relationship(
        lazy="raise", order_by="CustodySignature.id"
    )


class CustodySignature(Base):
    """An electronic signature on a custody movement (a disposal: who did it, who witnessed
    it): the signer's full name, the meaning, the time, and the SHA-256 of the exact text
    signed (kernel.signed_content). Never changed nor deleted."""

    __tablename__ = "custody_signatures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    custody_event_id: Mapped[int] = mapped_column(ForeignKey("custody_events.id"), index=True)
    username: Mapped[str] = mapped_column(String(100))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(50))
    meaning: Mapped[str] = mapped_column(String(30))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    content_hash: Mapped[str] = mapped_column(String(64))


class Notification(Base):
    """A message for a user or for everyone holding a role (a rejection for its requester, a
    disposal falling due for reception). Not a regulated record: reading one is not audited.
    A role's notification is read once for the role. `notification_key` makes a retried
    activity write it once."""

    __tablename__ = "notifications"
    __table_args__: Any = (
        UniqueConstraint("notification_key"),
        Index("ix_notifications_recipient_user_id", "recipient_user", "id"),
        Index("ix_notifications_recipient_role_id", "recipient_role", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_key: Mapped[str] = mapped_column(String(300))
    recipient_user: Mapped[str] = mapped_column(String(100))  # '' when for a role
    recipient_role: Mapped[str] = mapped_column(String(50))  # '' when for a user
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    lab_number: Mapped[str] = mapped_column(String(40))  # '' when about no sample
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_by: Mapped[str] = mapped_column(String(100), default="")


class OutboxEmail(Base):
    """An e-mail the lab owes someone outside it (the rejection notice to a request's contact):
    written with the notification key of what caused it, so a retried activity writes it once,
    then marked sent, or failed with the mail server's answer (a later attempt may still send
    it). Pending while no mail server is configured."""

    __tablename__ = "email_outbox"
    __table_args__: Any = (
        UniqueConstraint("notification_key"),
        Index("ix_email_outbox_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_key: Mapped[str] = mapped_column(String(300))
    recipient: Mapped[str] = mapped_column(String(MAX_EMAIL))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    lab_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[EmailStatus] = mapped_column(_enum(EmailStatus))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TurnaroundTarget(Base):
    """The turnaround target of one purpose and priority, as the admin set it (DESIGN §5's
    defaults until then: `updated_by` is empty)."""

    __tablename__ = "turnaround_targets"

    purpose: Mapped[Purpose] = mapped_column(_enum(Purpose), primary_key=True)
    priority: Mapped[Priority] = mapped_column(_enum(Priority), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    basis: Mapped[Basis] = mapped_column(_enum(Basis))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(100))


class LabCalendar(Base):
    """The lab's working week: one row (id 1), the ISO numbers of the working weekdays."""

    __tablename__ = "lab_calendar"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    working_weekdays: Mapped[str] = mapped_column(String(20))  # "1,2,3,4,5": Monday-Friday
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(100))


class Holiday(Base):
    """A date the lab does not work (a public holiday), skipped when counting working days."""

    __tablename__ = "holidays"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))


class AuditEntry(AuditEntryMixin, Base):
    """Intake's audit trail."""


class AuditHead(AuditHeadMixin, Base):
    """Head of intake's audit chain."""
