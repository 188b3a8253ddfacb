"""The CertificateVersions servicer: amendments and public verification, proto <-> use cases."""

from typing import Any

from sqlalchemy.orm import Session

from kernel.audit import Who
from kernel.db import Database
from kernel.timefmt import to_rfc3339
from lims.reporting.v1 import amendments_pb2, amendments_pb2_grpc
from services.reporting import amendments, service
from services.reporting.grpc_server import certificate_message


def version_message(
    version: amendments.Version, pdf_hash: str = ""
) -> amendments_pb2.CertificateVersion:
    """The wire form of one version (without PDF bytes) and its place in the chain."""
    certificate, successor = version.certificate, version.superseded_by
    return amendments_pb2.CertificateVersion(
        certificate=certificate_message(certificate, pdf_hash),
        replaces=certificate.replaces,
        reason=certificate.amendment_reason,
        superseded_by=successor.report_number if successor else "",
        superseded_at=to_rfc3339(successor.issued_at) if successor else "",
        current=version.current.report_number,
    )


class CertificateVersionsServicer(amendments_pb2_grpc.CertificateVersionsServicer):
    """Issues amended versions and answers what the public may know of a certificate."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def AmendCertificate(
        self, request: amendments_pb2.AmendCertificateRequest, context: Any
    ) -> amendments_pb2.CertificateVersion:
        """Issues the next version in place of the current one (idempotent on `replaces`)."""
        # A concurrent amendment of the same version committed first: answer with it (or refuse,
        # if it was made for another reason), as a retry would.
        return await self.db.idempotent_write(self._amend, request)

    async def ListCertificateVersions(
        self, request: amendments_pb2.ListCertificateVersionsRequest, context: Any
    ) -> amendments_pb2.ListCertificateVersionsResponse:
        """Every version of a sample's certificate, version 1 first."""
        return await self.db.read_call(self._list, request.lab_number)

    async def VerifyCertificate(
        self, request: amendments_pb2.VerifyCertificateRequest, context: Any
    ) -> amendments_pb2.CertificateVerification:
        """The public facts of a report number: authentic, and current or superseded."""
        return await self.db.read_call(self._verify, request.report_number)

    async def MatchCertificatePdf(
        self, request: amendments_pb2.MatchCertificatePdfRequest, context: Any
    ) -> amendments_pb2.CertificatePdfMatch:
        """Which issued version of the report, if any, has a PDF with this SHA-256."""
        return await self.db.read_call(self._match, request)

    def _amend(
        self, session: Session, request: amendments_pb2.AmendCertificateRequest
    ) -> amendments_pb2.CertificateVersion:
        actor = request.actor
        amended = amendments.amend_certificate(
            session,
            content=request.content,
            issuer=Who(actor.username, actor.full_name, actor.role),
            replaces=request.replaces,
            reason=request.reason,
        )
        version = amendments.version_of(session, amended.report_number)
        pdf_hash = service.stored_pdf_hash(session, amended.report_number)
        return version_message(version, pdf_hash)

    def _list(
        self, session: Session, lab_number: str
    ) -> amendments_pb2.ListCertificateVersionsResponse:
        versions = amendments.versions_of(session, lab_number)
        return amendments_pb2.ListCertificateVersionsResponse(
            versions=[
                version_message(v, service.stored_pdf_hash(session, v.certificate.report_number))
                for v in versions
            ]
        )

    def _verify(
        self, session: Session, report_number: str
    ) -> amendments_pb2.CertificateVerification:
        version = amendments.version_of(session, report_number)
        certificate, successor = version.certificate, version.superseded_by
        content = certificate_message(certificate).content
        return amendments_pb2.CertificateVerification(
            report_number=certificate.report_number,
            version=certificate.version,
            product_name=content.product_name,
            batch_number=content.batch_number,
            conclusion=content.conclusion,
            issued_at=to_rfc3339(certificate.issued_at),
            superseded_by=successor.report_number if successor else "",
            superseded_by_version=successor.version if successor else 0,
            superseded_at=to_rfc3339(successor.issued_at) if successor else "",
            lab_number=certificate.lab_number,
        )

    def _match(
        self, session: Session, request: amendments_pb2.MatchCertificatePdfRequest
    ) -> amendments_pb2.CertificatePdfMatch:
        found = amendments.match_pdf(session, request.report_number, request.sha256)
        if found is None:
            return amendments_pb2.CertificatePdfMatch(matches=False)
        return amendments_pb2.CertificatePdfMatch(
            matches=True,
            report_number=found.certificate.report_number,
            version=found.certificate.version,
            current=found.current,
        )
