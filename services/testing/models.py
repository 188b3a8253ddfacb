"""Tables of the testing service: the catalogue, test plans, tests, results and the audit chain."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kernel.audit import AuditEntryMixin, AuditHeadMixin
from kernel.db import new_metadata


class Base(DeclarativeBase):
    """Declarative base of the testing service's own database."""

    metadata = new_metadata()


class SpecColumns:
    """A specification test's columns, shared by the catalogue and by the copy on each planned test."""

    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(200))
    technique: Mapped[str] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(20))
    replicates: Mapped[int] = mapped_column(Integer)
    calculation: Mapped[str] = mapped_column(String(30))  # domain.Calculation
    decimals: Mapped[int] = mapped_column(Integer)
    criterion_kind: Mapped[str] = mapped_column(String(30))  # domain.CriterionKind
    # Limits as decimal text, exactly as specified ("95.0"): never a float.
    criterion_low: Mapped[str] = mapped_column(String(30))
    criterion_high: Mapped[str] = mapped_column(String(30))
    criterion_expected_text: Mapped[str] = mapped_column(String(200))
    criterion_display: Mapped[str] = mapped_column(String(300))
    # Added with the methods catalogue (migration 0003); '' or [] when not set.
    method_code: Mapped[str] = mapped_column(String(40), default="")
    warning_low: Mapped[str] = mapped_column(String(30), default="")
    warning_high: Mapped[str] = mapped_column(String(30), default="")
    lod: Mapped[str] = mapped_column(String(30), default="")
    loq: Mapped[str] = mapped_column(String(30), default="")
    formula: Mapped[str] = mapped_column(Text, default="")
    # [{"name": ..., "label": ..., "unit": ...}] in the order the raw values are entered.
    formula_inputs: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class Method(Base):
    """A test method: the lab's SOP or a pharmacopoeia chapter, with its technique."""

    __tablename__ = "methods"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(300))
    technique: Mapped[str] = mapped_column(String(50))  # spec_rules.Technique
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Product(Base):
    """A product of the catalogue; it points to the version of its specification in force."""

    __tablename__ = "products"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    inn: Mapped[str] = mapped_column(String(200))
    dosage_form: Mapped[str] = mapped_column(String(100))
    strength: Mapped[str] = mapped_column(String(100))
    # Units one full analysis needs (0: not stated); reception checks 3 x this at receipt.
    units_per_analysis: Mapped[int] = mapped_column(Integer)
    specification_id: Mapped[str] = mapped_column(String(60), unique=True)
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Specification(Base):
    """One version of a product's specification. Versions are never edited, only added."""

    __tablename__ = "specifications"
    __table_args__ = (UniqueConstraint("specification_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    specification_id: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    product_code: Mapped[str] = mapped_column(ForeignKey("products.code"), index=True)
    source: Mapped[str] = mapped_column(String(50))
    reference: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100), default="")

    tests: Mapped[list["SpecificationTest"]] = relationship(
        order_by="SpecificationTest.position", lazy="raise"
    )


class SpecificationTest(SpecColumns, Base):
    """A test of one specification version, in reporting order."""

    __tablename__ = "specification_tests"
    __table_args__ = (UniqueConstraint("specification_pk", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    specification_pk: Mapped[int] = mapped_column(ForeignKey("specifications.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)


class TestPlan(Base):
    """The tests of one sample, planned once from the specification then in force."""

    __test__ = False  # not a pytest class
    __tablename__ = "test_plans"

    lab_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_code: Mapped[str] = mapped_column(String(40))
    specification_id: Mapped[str] = mapped_column(String(60))
    specification_version: Mapped[int] = mapped_column(Integer)
    specification_source: Mapped[str] = mapped_column(String(50))
    specification_reference: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))

    tests: Mapped[list["PlannedTest"]] = relationship(order_by="PlannedTest.sequence", lazy="raise")


class PlannedTest(SpecColumns, Base):
    """A test of a sample, carrying its own copy of the specification test it was planned from."""

    __tablename__ = "tests"
    __table_args__ = (UniqueConstraint("lab_number", "sequence"),)

    test_id: Mapped[str] = mapped_column(String(50), primary_key=True)
    lab_number: Mapped[str] = mapped_column(ForeignKey("test_plans.lab_number"))
    sequence: Mapped[int] = mapped_column(Integer)
    product_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True)  # kernel.lifecycle.TestStatus
    analyst: Mapped[str] = mapped_column(String(100), index=True)  # '' while pending
    assigned_by_username: Mapped[str] = mapped_column(String(100))
    assigned_by_full_name: Mapped[str] = mapped_column(String(200))
    assigned_by_role: Mapped[str] = mapped_column(String(50))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the assignment named (services.testing.resources gates them); '' / [] for none.
    instrument_code: Mapped[str] = mapped_column(String(40), server_default="")
    reference_standard_lots: Mapped[list[str]] = mapped_column(JSON, default=list)
    reagent_lots: Mapped[list[str]] = mapped_column(JSON, default=list)

    results: Mapped[list["Result"]] = relationship(order_by="Result.attempt", lazy="raise")


class Result(Base):
    """One submission of raw values and what was computed from them: appended, never changed,
    except that the review of it is written onto it once."""

    __tablename__ = "results"
    __table_args__ = (
        UniqueConstraint("test_id", "attempt"),
        UniqueConstraint("test_id", "submission_key"),
        UniqueConstraint("test_id", "review_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    test_id: Mapped[str] = mapped_column(ForeignKey("tests.test_id"))
    attempt: Mapped[int] = mapped_column(Integer)
    values: Mapped[list[str]] = mapped_column(JSON)
    unrounded_value: Mapped[str] = mapped_column(String(80))
    reportable_value: Mapped[str] = mapped_column(Text)
    conformity: Mapped[str] = mapped_column(String(20))  # domain.Conformity
    remarks: Mapped[str] = mapped_column(Text)
    # A conforming result outside the warning limits; a result below the LOQ ("< LOQ").
    warning: Mapped[bool] = mapped_column(Boolean, default=False)
    below_loq: Mapped[bool] = mapped_column(Boolean, default=False)
    # A formula's value for each replicate, before the mean; [] for other calculations.
    replicate_values: Mapped[list[str]] = mapped_column(JSON, default=list)
    submitted_by_username: Mapped[str] = mapped_column(String(100))
    submitted_by_full_name: Mapped[str] = mapped_column(String(200))
    submitted_by_role: Mapped[str] = mapped_column(String(50))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    submission_key: Mapped[str] = mapped_column(String(200))
    review_outcome: Mapped[str] = mapped_column(String(20))  # '' until reviewed
    review_reason: Mapped[str] = mapped_column(Text)
    reviewed_by_username: Mapped[str] = mapped_column(String(100))
    reviewed_by_full_name: Mapped[str] = mapped_column(String(200))
    reviewed_by_role: Mapped[str] = mapped_column(String(50))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # NULL until reviewed, so that the unique constraint allows many unreviewed results.
    review_key: Mapped[str | None] = mapped_column(String(200))
    # The instrument and lots the result was obtained with (the assignment's unless changed).
    instrument_code: Mapped[str] = mapped_column(String(40), server_default="")
    reference_standard_lots: Mapped[list[str]] = mapped_column(JSON, default=list)
    reagent_lots: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set once, when an OOS investigation finds an assignable cause; the values stay as they were.
    invalidated_reason: Mapped[str] = mapped_column(Text, default="")
    invalidated_by: Mapped[str] = mapped_column(String(100), default="")
    invalidated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Investigation(Base):
    """An out-of-specification investigation of one result attempt (services.testing.investigation).

    Each phase's finding is written once and signed: the signature keeps the signer, the meaning
    and the SHA-256 of the canonical text signed, which every read recomputes."""

    __tablename__ = "investigations"
    __table_args__ = (UniqueConstraint("test_id", "attempt"),)

    investigation_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    lab_number: Mapped[str] = mapped_column(String(40), index=True)
    test_id: Mapped[str] = mapped_column(ForeignKey("tests.test_id"))
    attempt: Mapped[int] = mapped_column(Integer)
    analyst: Mapped[str] = mapped_column(String(100))  # who obtained the OOS result
    reportable_value: Mapped[str] = mapped_column(Text)
    phase: Mapped[str] = mapped_column(String(20), index=True)  # investigation.Phase
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    phase_1_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    phase_2_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalations: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    checklist: Mapped[dict[str, bool]] = mapped_column(JSON)
    phase_1_summary: Mapped[str] = mapped_column(Text)
    phase_1_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(20))  # investigation.Outcome, '' while open
    conclusion: Mapped[str] = mapped_column(Text)
    retest_analyst: Mapped[str] = mapped_column(String(100))
    concluded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # One per signed step: {step, username, full_name, role, meaning, signed_at, content_hash}.
    signatures: Mapped[list[dict[str, str]]] = mapped_column(JSON)


class AuditEntry(AuditEntryMixin, Base):
    """The testing service's audit trail."""


class AuditHead(AuditHeadMixin, Base):
    """Head of the testing service's audit chain."""
