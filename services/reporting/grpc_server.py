"""The ReportingService servicer: proto <-> use cases; each call owns its transactions."""

import asyncio
from typing import Any

from sqlalchemy.exc import IntegrityError

from kernel.audit import Who
from kernel.db import Database
from kernel.settings import Settings
from kernel.timefmt import to_rfc3339
from lims.common.v1 import common_pb2
from lims.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from services.reporting import render, service
from services.reporting.domain import parse_content
from services.reporting.models import Certificate, CertificatePdf


def certificate_message(certificate: Certificate, pdf_hash: str = "") -> reporting_pb2.Certificate:
    """The wire form of a stored certificate (without its PDF bytes)."""
    return reporting_pb2.Certificate(
        report_number=certificate.report_number,
        version=certificate.version,
        lab_number=certificate.lab_number,
        issued_at=to_rfc3339(certificate.issued_at),
        issued_by=common_pb2.Actor(
            username=certificate.issued_by_username,
            full_name=certificate.issued_by_full_name,
            role=certificate.issued_by_role,
        ),
        content_hash=certificate.content_hash,
        content=parse_content(certificate.content_json),
        pdf_hash=pdf_hash,
    )


class ReportingServicer(reporting_pb2_grpc.ReportingServiceServicer):
    """Issues certificates and serves them, with their PDF rendered once."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def IssueCertificate(
        self, request: reporting_pb2.IssueCertificateRequest, context: Any
    ) -> reporting_pb2.Certificate:
        """Issues a sample's certificate, or returns the one already issued."""
        actor = request.actor
        async with self.db.write() as session:
            certificate = await service.issue_certificate(
                session,
                content=request.content,
                issuer=Who(actor.username, actor.full_name, actor.role),
                timezone=self.settings.timezone,
            )
            pdf_hash = await service.stored_pdf_hash(session, certificate.report_number)
            return certificate_message(certificate, pdf_hash)

    async def GetCertificate(
        self, request: reporting_pb2.GetCertificateRequest, context: Any
    ) -> reporting_pb2.Certificate:
        """A certificate by lab number (latest version) or report number, with its PDF if asked."""
        async with self.db.read() as session:
            certificate = await service.get_certificate(
                session, lab_number=request.lab_number, report_number=request.report_number
            )
            stored = await service.stored_pdf(session, certificate.report_number)
        message = certificate_message(certificate, stored.pdf_hash if stored else "")
        if not request.include_pdf:
            return message
        if stored is None:
            stored = await self._render_and_store(message)
        message.pdf = stored.pdf
        message.pdf_hash = stored.pdf_hash
        return message

    async def _render_and_store(self, message: reporting_pb2.Certificate) -> CertificatePdf:
        # Rendered outside any transaction: it takes half a second and must not hold a lock.
        pdf = await asyncio.to_thread(render.render_pdf, message, self.settings)
        try:
            async with self.db.write() as session:
                return await service.store_pdf(session, message.report_number, pdf)
        except IntegrityError:
            # Another first request stored its rendering in between: serve that one.
            async with self.db.read() as session:
                stored = await service.stored_pdf(session, message.report_number)
            if stored is None:
                raise
            return stored
