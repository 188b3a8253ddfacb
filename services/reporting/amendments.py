"""Use cases of amended certificates and their verification. Each takes the caller's session,
flushes, never commits.

A version once issued is never changed: an amendment adds the next version, which names the one
it replaces; a version is superseded exactly when a newer version of the same sample exists."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from kernel import audit
from kernel.errors import FailedPrecondition, InvalidArgument, NotFound
from kernel.timefmt import utcnow
from lims.reporting.v1 import reporting_pb2
from services.reporting import repository
from services.reporting.domain import (
    canonical_content,
    sha256_hex,
    validate_amendment,
    validate_content,
    version_report_number,
)
from services.reporting.models import AuditEntry, AuditHead, Certificate


@dataclass(frozen=True)
class Version:
    """One version of a certificate and the version that replaced it, if any."""

    certificate: Certificate
    superseded_by: Certificate | None
    current: Certificate


@dataclass(frozen=True)
class PdfMatch:
    """The version whose issued PDF has the hash asked about, and whether it is current."""

    certificate: Certificate
    current: bool


def amend_certificate(
    session: Session,
    *,
    content: reporting_pb2.CertificateContent,
    issuer: audit.Who,
    replaces: str,
    reason: str,
    now: datetime | None = None,
) -> Certificate:
    """Issues the next version of a sample's certificate in place of its current one.

    Idempotent on `replaces`: when that version was already replaced for the same reason (a
    retry), the replacing version comes back unchanged; for another reason it is refused."""
    if not issuer.username.strip():
        raise InvalidArgument("actor.username is required: who issues the amended certificate")
    validate_amendment(replaces=replaces, reason=reason)
    conclusion = validate_content(content)
    replaced = repository.certificate_by_report_number(session, replaces)
    if replaced is None:
        raise NotFound(f"no certificate {replaces}")
    if content.lab_number != replaced.lab_number:
        raise InvalidArgument(
            f"content.lab_number {content.lab_number} is not the sample of {replaces} "
            f"({replaced.lab_number})"
        )
    versions = repository.versions_of(session, replaced.lab_number)
    successor = next((v for v in versions if v.replaces == replaces), None)
    if successor is not None:
        if successor.amendment_reason == reason.strip():
            return successor
        raise FailedPrecondition(
            f"{replaces} was already replaced by {successor.report_number}: "
            "amend the current version"
        )
    current = versions[-1]
    if current.report_number != replaces:
        raise FailedPrecondition(
            f"{replaces} is not the current version of the certificate of "
            f"{replaced.lab_number}: amend {current.report_number}"
        )
    issued_at = now or utcnow()
    canonical = canonical_content(content)
    version = current.version + 1
    amended = Certificate(
        report_number=version_report_number(versions[0].report_number, version),
        version=version,
        lab_number=replaced.lab_number,
        issued_at=issued_at,
        issued_by_username=issuer.username,
        issued_by_full_name=issuer.full_name,
        issued_by_role=issuer.role,
        conclusion=conclusion,
        content_json=canonical,
        content_hash=sha256_hex(canonical),
        replaces=replaces,
        amendment_reason=reason.strip(),
    )
    session.add(amended)
    session.flush()
    audit.record(
        session,
        AuditEntry,
        AuditHead,
        who=issuer,
        action="amended",
        entity_type="certificate",
        entity_id=amended.report_number,
        old={
            "report_number": replaced.report_number,
            "version": replaced.version,
            "conclusion": replaced.conclusion.value,
            "content_hash": replaced.content_hash,
        },
        new={
            "report_number": amended.report_number,
            "version": amended.version,
            "lab_number": amended.lab_number,
            "replaces": amended.replaces,
            "conclusion": amended.conclusion.value,
            "content_hash": amended.content_hash,
        },
        reason=amended.amendment_reason,
        at=issued_at,
    )
    return amended


def _chain(versions: list[Certificate]) -> list[Version]:
    current = versions[-1]
    return [
        Version(v, versions[i + 1] if i + 1 < len(versions) else None, current)
        for i, v in enumerate(versions)
    ]


def versions_of(session: Session, lab_number: str) -> list[Version]:
    """Every version of a sample's certificate, version 1 first, each with its successor."""
    if not lab_number.strip():
        raise InvalidArgument("lab_number is required: whose certificate versions to list")
    versions = repository.versions_of(session, lab_number)
    if not versions:
        raise NotFound(f"no certificate has been issued for sample {lab_number}")
    return _chain(versions)


def version_of(session: Session, report_number: str) -> Version:
    """One version by report number, with the version that replaced it, if any."""
    if not report_number.strip():
        raise InvalidArgument("report_number is required: which certificate to verify")
    found = repository.certificate_by_report_number(session, report_number)
    if found is None:
        raise NotFound(f"no certificate {report_number}")
    chain = _chain(repository.versions_of(session, found.lab_number))
    return next(v for v in chain if v.certificate.report_number == report_number)


def match_pdf(session: Session, report_number: str, sha256: str) -> PdfMatch | None:
    """The version of this report whose issued PDF has this SHA-256, if any."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise InvalidArgument("sha256 must be 64 lower-case hexadecimal characters")
    asked = version_of(session, report_number)
    chain = _chain(repository.versions_of(session, asked.certificate.lab_number))
    hashes = repository.pdf_hashes_of(session, [v.certificate.report_number for v in chain])
    for version in chain:
        if hashes.get(version.certificate.report_number) == sha256:
            return PdfMatch(version.certificate, version.superseded_by is None)
    return None
