"""Use cases of the reporting service. Each takes the caller's session, flushes, never commits."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kernel import audit
from kernel.errors import InvalidArgument, NotFound
from kernel.timefmt import to_rfc3339, utcnow
from lims.reporting.v1 import reporting_pb2
from services.reporting import repository
from services.reporting.domain import (
    FIRST_VERSION,
    canonical_content,
    report_number,
    sha256_hex,
    validate_content,
)
from services.reporting.models import AuditEntry, AuditHead, Certificate, CertificatePdf


def issue_certificate(
    session: Session,
    *,
    content: reporting_pb2.CertificateContent,
    issuer: audit.Who,
    timezone: str,
    now: datetime | None = None,
) -> Certificate:
    """Issues a sample's certificate (next report number of the year, frozen content, hash).

    Idempotent on the lab number: a sample already issued gets its certificate back unchanged.
    The PDF is not rendered here: issuing is on the lifecycle's hot path."""
    if not issuer.username.strip():
        raise InvalidArgument("actor.username is required: who issues the certificate")
    conclusion = validate_content(content)
    existing = repository.latest_certificate_of(session, content.lab_number)
    if existing is not None:
        return existing
    issued_at = now or utcnow()
    # The year of the lab's calendar: a certificate issued on 31 December evening, local
    # time, belongs to that year even when UTC has moved on.
    counter = repository.locked_counter(session, issued_at.astimezone(ZoneInfo(timezone)).year)
    # Look again under the counter's lock: a concurrent issue of the same sample has committed.
    existing = repository.latest_certificate_of(session, content.lab_number)
    if existing is not None:
        return existing
    counter.last += 1
    canonical = canonical_content(content)
    certificate = Certificate(
        report_number=report_number(counter.year, counter.last),
        version=FIRST_VERSION,
        lab_number=content.lab_number,
        issued_at=issued_at,
        issued_by_username=issuer.username,
        issued_by_full_name=issuer.full_name,
        issued_by_role=issuer.role,
        conclusion=conclusion,
        content_json=canonical,
        content_hash=sha256_hex(canonical),
    )
    session.add(certificate)
    session.flush()
    audit.record(
        session,
        AuditEntry,
        AuditHead,
        who=issuer,
        action="issued",
        entity_type="certificate",
        entity_id=certificate.report_number,
        new={
            "report_number": certificate.report_number,
            "version": certificate.version,
            "lab_number": certificate.lab_number,
            "conclusion": certificate.conclusion.value,
            "content_hash": certificate.content_hash,
        },
        at=issued_at,
    )
    return certificate


def get_certificate(
    session: Session, *, lab_number: str = "", report_number: str = ""
) -> Certificate:
    """A certificate by report number, or the latest version of a sample's by lab number."""
    if not lab_number and not report_number:
        raise InvalidArgument("give lab_number or report_number: which certificate to return")
    if report_number:
        found = repository.certificate_by_report_number(session, report_number)
        if found is None or (lab_number and found.lab_number != lab_number):
            of_lab = f" for sample {lab_number}" if lab_number else ""
            raise NotFound(f"no certificate {report_number}{of_lab}")
        return found
    found = repository.latest_certificate_of(session, lab_number)
    if found is None:
        raise NotFound(f"no certificate has been issued for sample {lab_number}")
    return found


def stored_pdf(session: Session, report_number: str) -> CertificatePdf | None:
    """The PDF stored for a certificate, if it was rendered."""
    return repository.pdf_of(session, report_number)


def stored_pdf_hash(session: Session, report_number: str) -> str:
    """The hash of the PDF stored for a certificate; '' until rendered."""
    return repository.pdf_hash_of(session, report_number)


def store_pdf(session: Session, report_number: str, pdf: bytes) -> CertificatePdf:
    """Keeps the first rendering of a certificate; if one is already stored, returns that one.

    A certificate is served as the same bytes every time, even when two first requests raced."""
    existing = repository.pdf_of(session, report_number)
    if existing is not None:
        return existing
    if repository.certificate_by_report_number(session, report_number) is None:
        raise NotFound(f"no certificate {report_number}")
    stored = CertificatePdf(
        report_number=report_number, pdf=pdf, pdf_hash=sha256_hex(pdf), rendered_at=utcnow()
    )
    session.add(stored)
    session.flush()
    audit.record(
        session,
        AuditEntry,
        AuditHead,
        who=audit.SYSTEM,
        action="pdf_rendered",
        entity_type="certificate",
        entity_id=report_number,
        new={"pdf_hash": stored.pdf_hash, "bytes": len(pdf), "at": to_rfc3339(stored.rendered_at)},
    )
    return stored
