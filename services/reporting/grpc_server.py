"""The ReportingService servicer: proto <-> use cases; each call owns its transactions."""

import asyncio
import logging
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kernel.audit import Who
from kernel.db import Database
from kernel.settings import Settings
from kernel.timefmt import to_rfc3339
from lims.common.v1 import common_pb2
from lims.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from services.reporting import labels, render, service
from services.reporting.domain import labels_of, parse_content
from services.reporting.models import Certificate

log = logging.getLogger(__name__)


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
        replaces=certificate.replaces,
        amendment_reason=certificate.amendment_reason,
    )


def _stored_pdf(session: Session, report_number: str) -> tuple[bytes, str] | None:
    stored = service.stored_pdf(session, report_number)
    return None if stored is None else (stored.pdf, stored.pdf_hash)


def _store_pdf(session: Session, report_number: str, pdf: bytes) -> tuple[bytes, str]:
    stored = service.store_pdf(session, report_number, pdf)
    return stored.pdf, stored.pdf_hash


class ReportingServicer(reporting_pb2_grpc.ReportingServiceServicer):
    """Issues certificates and serves them, with their PDF rendered once.

    Each unit of work (use case and proto conversion) runs synchronously in a worker thread,
    so every ORM attribute is read inside the session's own thread."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def IssueCertificate(
        self, request: reporting_pb2.IssueCertificateRequest, context: Any
    ) -> reporting_pb2.Certificate:
        """Issues a sample's certificate, or returns the one already issued."""
        return await self.db.write_call(self._issue, request)

    async def GetCertificate(
        self, request: reporting_pb2.GetCertificateRequest, context: Any
    ) -> reporting_pb2.Certificate:
        """A certificate by lab number (latest version) or report number, with its PDF if asked."""
        message = await self.db.read_call(self._get, request)
        # pdf_hash is '' exactly when no rendering is stored yet.
        if request.include_pdf and not message.pdf_hash:
            message.pdf, message.pdf_hash = await self._render_and_store(message)
        return message

    async def RenderLabels(
        self, request: reporting_pb2.RenderLabelsRequest, context: Any
    ) -> reporting_pb2.LabelSheet:
        """The labels of a sample and its aliquots (PDF). Printing changes no record: logged only."""
        to_print = labels_of(request)
        text = labels.LabelText(request.product_name, request.batch_number, request.expiry_date)
        pdf = await asyncio.to_thread(labels.render_labels_pdf, to_print, text)
        log.info(
            "labels printed: %s, %d label(s), by %s",
            request.lab_number,
            len(to_print),
            request.actor.username or "(unnamed)",
        )
        return reporting_pb2.LabelSheet(
            pdf=pdf, label_count=len(to_print), codes=[label.code for label in to_print]
        )

    def _issue(
        self, session: Session, request: reporting_pb2.IssueCertificateRequest
    ) -> reporting_pb2.Certificate:
        actor = request.actor
        # The certificate names the laboratory that issued it as it was then: frozen in the
        # content (and its hash), not read from settings at each rendering.
        content = reporting_pb2.CertificateContent()
        content.CopyFrom(request.content)
        content.laboratory_name = content.laboratory_name or self.settings.lab_name
        content.laboratory_address = content.laboratory_address or self.settings.lab_address
        certificate = service.issue_certificate(
            session,
            content=content,
            issuer=Who(actor.username, actor.full_name, actor.role),
            timezone=self.settings.timezone,
        )
        pdf_hash = service.stored_pdf_hash(session, certificate.report_number)
        return certificate_message(certificate, pdf_hash)

    def _get(
        self, session: Session, request: reporting_pb2.GetCertificateRequest
    ) -> reporting_pb2.Certificate:
        certificate = service.get_certificate(
            session, lab_number=request.lab_number, report_number=request.report_number
        )
        stored = service.stored_pdf(session, certificate.report_number)
        message = certificate_message(certificate, stored.pdf_hash if stored else "")
        if request.include_pdf and stored is not None:
            message.pdf = stored.pdf
        return message

    async def _render_and_store(self, message: reporting_pb2.Certificate) -> tuple[bytes, str]:
        # Rendered outside any transaction: it takes half a second and must not hold a lock.
        pdf = await asyncio.to_thread(render.render_pdf, message, self.settings)
        try:
            return await self.db.write_call(_store_pdf, message.report_number, pdf)
        except IntegrityError:
            # Another first request stored its rendering in between: serve that one.
            stored = await self.db.read_call(_stored_pdf, message.report_number)
            if stored is None:
                raise
            return stored
