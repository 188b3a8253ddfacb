"""Every query of the reporting service."""

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.reporting.models import Certificate, CertificatePdf, ReportCounter


def latest_certificate_of(session: Session, lab_number: str) -> Certificate | None:
    """The newest version of a sample's certificate, if any."""
    return session.scalar(
        select(Certificate)
        .where(Certificate.lab_number == lab_number)
        .order_by(Certificate.version.desc())
        .limit(1)
    )


def certificate_by_report_number(session: Session, report_number: str) -> Certificate | None:
    """The certificate with this report number, if any."""
    return session.get(Certificate, report_number)


def locked_counter(session: Session, year: int) -> ReportCounter:
    """The year's report counter, created at 0 if new, locked until the transaction ends."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Insert-or-nothing, then lock: two first issues of a year never collide on the insert.
    session.execute(insert(ReportCounter).values(year=year, last=0).on_conflict_do_nothing())
    counter = session.scalar(
        select(ReportCounter)
        .where(ReportCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert counter is not None, "inserted just above"
    return counter


def pdf_of(session: Session, report_number: str) -> CertificatePdf | None:
    """The stored PDF of a certificate, if it was rendered."""
    return session.get(CertificatePdf, report_number)


def pdf_hash_of(session: Session, report_number: str) -> str:
    """The hash of a certificate's stored PDF; '' when not rendered yet."""
    found = session.scalar(
        select(CertificatePdf.pdf_hash).where(CertificatePdf.report_number == report_number)
    )
    return found or ""


def versions_of(session: Session, lab_number: str) -> list[Certificate]:
    """Every version of a sample's certificate, version 1 first."""
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.lab_number == lab_number)
            .order_by(Certificate.version)
        )
    )


def pdf_hashes_of(session: Session, report_numbers: list[str]) -> dict[str, str]:
    """The stored PDFs' hashes of these certificates, by report number (rendered ones only)."""
    rows = session.execute(
        select(CertificatePdf.report_number, CertificatePdf.pdf_hash).where(
            CertificatePdf.report_number.in_(report_numbers)
        )
    )
    return {number: pdf_hash for number, pdf_hash in rows}
