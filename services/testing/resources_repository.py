"""Every query of the resources that gate testing."""

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from services.testing.resources_models import (
    AttachmentRow,
    InstrumentRow,
    QualificationRow,
    ReagentRow,
    ReferenceStandardRow,
)


def qualifications(session: Session, analyst: str = "") -> Sequence[QualificationRow]:
    """Qualifications (one analyst's, or everyone's), by analyst then technique."""
    query = select(QualificationRow).order_by(QualificationRow.analyst, QualificationRow.technique)
    if analyst:
        query = query.where(QualificationRow.analyst == analyst)
    return session.scalars(query).all()


def qualification(session: Session, analyst: str, technique: str) -> QualificationRow | None:
    """The qualification of that analyst for that technique (case as stored)."""
    query = select(QualificationRow).where(
        QualificationRow.analyst == analyst, QualificationRow.technique == technique
    )
    return session.scalar(query)


def instruments(session: Session) -> Sequence[InstrumentRow]:
    """Every instrument, by code."""
    return session.scalars(select(InstrumentRow).order_by(InstrumentRow.code)).all()


def instrument(session: Session, code: str) -> InstrumentRow | None:
    """The instrument with that code."""
    return session.get(InstrumentRow, code)


def standards(
    session: Session, lots: Iterable[str] | None = None
) -> Sequence[ReferenceStandardRow]:
    """Reference standard lots (those named, or all), by name then lot."""
    query = select(ReferenceStandardRow).order_by(
        ReferenceStandardRow.name, ReferenceStandardRow.lot
    )
    if lots is not None:
        query = query.where(ReferenceStandardRow.lot.in_(list(lots)))
    return session.scalars(query).all()


def standard(session: Session, lot: str) -> ReferenceStandardRow | None:
    """The reference standard lot with that number."""
    return session.get(ReferenceStandardRow, lot)


def reagents(session: Session, lots: Iterable[str] | None = None) -> Sequence[ReagentRow]:
    """Reagent lots (those named, or all), by name then lot."""
    query = select(ReagentRow).order_by(ReagentRow.name, ReagentRow.lot)
    if lots is not None:
        query = query.where(ReagentRow.lot.in_(list(lots)))
    return session.scalars(query).all()


def reagent(session: Session, lot: str) -> ReagentRow | None:
    """The reagent lot with that number."""
    return session.get(ReagentRow, lot)


def attachments(session: Session, test_ids: Iterable[str]) -> Sequence[AttachmentRow]:
    """The attachments of these tests, oldest first, without their content."""
    ids = list(test_ids)
    if not ids:
        return []
    query = (
        select(AttachmentRow)
        .where(AttachmentRow.test_id.in_(ids))
        .order_by(AttachmentRow.id)
        .options(defer(AttachmentRow.content))
    )
    return session.scalars(query).all()


def attachment(session: Session, test_id: str, attachment_id: int) -> AttachmentRow | None:
    """One attachment of a test."""
    found = session.get(AttachmentRow, attachment_id)
    return found if found is not None and found.test_id == test_id else None


def attachment_by_hash(session: Session, test_id: str, sha256: str) -> AttachmentRow | None:
    """The attachment of a test with that content, if already attached."""
    query = select(AttachmentRow).where(
        AttachmentRow.test_id == test_id, AttachmentRow.sha256 == sha256
    )
    return session.scalar(query)
