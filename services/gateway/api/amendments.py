"""Amended certificates: the approver issues a corrected version; every version stays readable.

A gateway -> reporting call, no workflow: the sample's lifecycle has ended, and reporting makes
the amendment idempotent on the version it replaces (a retried request returns the same one)."""

import asyncio
from typing import Any

import grpc
from fastapi import APIRouter, Response

from kernel.proto_enums import enum_to_str
from lims.common.v1 import common_pb2
from lims.reporting.v1 import amendments_pb2, reporting_pb2
from lims.review.v1 import review_pb2
from lims.testing.v1 import testing_pb2
from services.gateway import amendment_rules, reads
from services.gateway.amendment_schemas import AmendmentIn, CertificateVersionOut
from services.gateway.auth import Identity
from services.gateway.clients import Connections
from services.gateway.credentials import lockout_policy
from services.gateway.deps import AsApprover, Clients, CurrentUser
from services.gateway.problems import Conflict, Forbidden, Missing, responses
from services.gateway.schemas import SampleDetail
from services.gateway.signatures import confirm_signer
from workflows.certificate import certificate_content

router = APIRouter(tags=["certificates"])

CERTIFICATE_AMENDMENT = "certificate_amendment"


def version_out(
    message: amendments_pb2.CertificateVersion, public_base_url: str
) -> CertificateVersionOut:
    """The REST form of one version of a certificate."""
    certificate = message.certificate
    conclusion = enum_to_str(common_pb2.Conformity, certificate.content.conclusion)
    return CertificateVersionOut(
        report_number=certificate.report_number,
        version=certificate.version,
        issued_at=certificate.issued_at,
        issued_by=certificate.issued_by.full_name or certificate.issued_by.username,
        conclusion=conclusion,
        content_hash=certificate.content_hash,
        pdf_hash=certificate.pdf_hash,
        replaces=message.replaces or None,
        reason=message.reason or None,
        current=message.current == certificate.report_number,
        superseded_by=message.superseded_by or None,
        superseded_at=message.superseded_at or None,
        url=f"/api/v1/samples/{certificate.lab_number}/certificate?version={certificate.version}",
        verify_url=f"{public_base_url.rstrip('/')}/verify/{certificate.report_number}",
    )


async def certificate_versions(
    clients: Connections, lab_number: str
) -> list[amendments_pb2.CertificateVersion]:
    """Every version of a sample's certificate, version 1 first; [] before the first issue."""
    try:
        answer = await clients.certificate_versions.ListCertificateVersions(
            amendments_pb2.ListCertificateVersionsRequest(lab_number=lab_number)
        )
    except grpc.aio.AioRpcError as error:
        if error.code() == grpc.StatusCode.NOT_FOUND:
            return []
        raise
    return list(answer.versions)


async def version_pdf(
    clients: Connections, identity: Identity, lab_number: str, version: int
) -> Response:
    """The PDF of one version of a sample's certificate, byte for byte as issued."""
    found = await reads.sample(clients, identity, lab_number)
    versions = await certificate_versions(clients, found.lab_number)
    chosen = next((v for v in versions if v.certificate.version == version), None)
    if chosen is None:
        raise Missing(f"sample {found.lab_number} has no certificate version {version}")
    issued = await clients.reporting.GetCertificate(
        reporting_pb2.GetCertificateRequest(
            report_number=chosen.certificate.report_number, include_pdf=True
        )
    )
    headers = {"Content-Disposition": f'inline; filename="{issued.report_number}.pdf"'}
    if chosen.superseded_by:
        headers["X-Superseded-By"] = chosen.superseded_by
    return Response(content=issued.pdf, media_type="application/pdf", headers=headers)


@router.get("/samples/{lab_number}/certificate/versions", responses=responses(401, 404, 502, 503))
async def list_versions(
    lab_number: str, clients: Clients, identity: CurrentUser
) -> list[CertificateVersionOut]:
    """Every version of a sample's certificate, the first issue first; the last one is current."""
    found = await reads.sample(clients, identity, lab_number)
    versions = await certificate_versions(clients, found.lab_number)
    return [version_out(v, clients.settings.public_base_url) for v in versions]


async def sample_page_versions(
    clients: Connections, identity: Identity, detail: SampleDetail
) -> dict[str, Any]:
    """The certificate's versions for the sample page (none before the first issue)."""
    versions: list[CertificateVersionOut] = []
    if detail.certificate is not None:
        versions = await list_versions(detail.lab_number, clients, identity)
    return {"certificate_versions": versions}


@router.post(
    "/samples/{lab_number}/certificate/amendments",
    status_code=201,
    responses=responses(401, 403, 404, 409, 422, 502, 503),
)
async def amend(
    lab_number: str, body: AmendmentIn, clients: Clients, acting: AsApprover
) -> CertificateVersionOut:
    """The approver (password again, meaning "approved") issues a corrected certificate: the next
    version, re-gathered from the records, naming the one it replaces and why."""
    found = await reads.sample(clients, acting.identity, lab_number)
    versions = await certificate_versions(clients, found.lab_number)
    if not versions:
        raise Conflict(f"sample {found.lab_number} has no certificate to amend")
    current = body.replaces or versions[-1].current
    plan, signatures = await asyncio.gather(
        clients.testing.GetTestPlan(testing_pb2.GetTestPlanRequest(lab_number=found.lab_number)),
        clients.review.ListSignatures(
            review_pb2.ListSignaturesRequest(lab_number=found.lab_number)
        ),
    )
    refused = amendment_rules.refusal(
        acting.username,
        analysts=amendment_rules.analysts_of(plan),
        reviewers=amendment_rules.reviewers_of(signatures.signatures),
        allow_reviewer_as_approver=clients.settings.allow_reviewer_as_approver,
    )
    if refused:
        raise Forbidden(refused)
    await confirm_signer(
        clients.db,
        clients.signers,
        acting.identity,
        body.password,
        role=acting.role,
        record_kind=CERTIFICATE_AMENDMENT,
        record_id=current,
        policy=lockout_policy(clients.settings),
    )
    amended = await clients.certificate_versions.AmendCertificate(
        amendments_pb2.AmendCertificateRequest(
            actor=common_pb2.Actor(
                username=acting.username, full_name=acting.identity.full_name, role=acting.role
            ),
            content=certificate_content(found, plan, list(signatures.signatures)),
            replaces=current,
            reason=body.reason,
        )
    )
    return version_out(amended, clients.settings.public_base_url)
