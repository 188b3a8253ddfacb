"""The public authenticity check of a certificate (no sign-in): an HTML page, or JSON if asked.

It says whether a report number is one of ours and whether it is current or superseded, and
whether an uploaded file is byte-identical to a PDF issued for it; nothing more."""

import hashlib
from pathlib import Path
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, File, Request, Response, UploadFile
from fastapi.templating import Jinja2Templates

from lims.reporting.v1 import amendments_pb2
from services.gateway import convert
from services.gateway.amendment_schemas import PdfCheckOut
from services.gateway.deps import Clients
from services.gateway.problems import FieldError, Missing, Unprocessable, responses
from services.gateway.schemas import VerificationOut

router = APIRouter(tags=["verification"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "web" / "templates")

NOT_OURS = "not a certificate issued by this laboratory"
# A certificate is a few hundred kilobytes; anything far larger is not one of ours.
MAX_PDF_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _page(request: Request, clients: Clients, status_code: int = 200, **context: Any) -> Response:
    return templates.TemplateResponse(
        request,
        "verify.html",
        {"lab": clients.settings.lab_name, "found": None, "check": None, "refusal": None} | context,
        status_code=status_code,
    )


async def _facts(
    report_number: str, request: Request, clients: Clients
) -> VerificationOut | Response:
    """The public facts of a report number, or the answer that it is not ours (404)."""
    try:
        found = await clients.certificate_versions.VerifyCertificate(
            amendments_pb2.VerifyCertificateRequest(report_number=report_number)
        )
    except grpc.aio.AioRpcError as error:
        if error.code() not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
            raise
        if _wants_json(request):
            raise Missing(f"{report_number}: {NOT_OURS}") from None
        return _page(request, clients, 404, report_number=report_number)
    return convert.verification(found)


@router.get(
    "/verify/{report_number}",
    response_model=VerificationOut,
    responses={
        200: {"content": {"text/html": {}}, "description": "Authentic: HTML, or JSON if asked."},
        **responses(404, 502, 503),
    },
)
async def verify(report_number: str, request: Request, clients: Clients) -> Response:
    """Says whether a report number belongs to a certificate this laboratory issued, and
    whether it is the current version or was superseded (by which version, when)."""
    facts = await _facts(report_number, request, clients)
    if isinstance(facts, Response):
        return facts
    if _wants_json(request):
        return Response(facts.model_dump_json(), media_type="application/json")
    return _page(request, clients, report_number=report_number, found=facts)


def _refused(message: str) -> Unprocessable:
    return Unprocessable(message, errors=[FieldError(field="file", message=message)])


async def _read_pdf(file: UploadFile) -> bytes:
    """The uploaded bytes, refused unless they are a PDF of a plausible size."""
    data = await file.read(MAX_PDF_BYTES + 1)
    if len(data) > MAX_PDF_BYTES:
        raise _refused(
            f"the file is larger than {MAX_PDF_BYTES // (1024 * 1024)} MB: not a certificate"
        )
    if not data.startswith(PDF_MAGIC):
        raise _refused("the file is not a PDF: upload the certificate as it was downloaded")
    return data


@router.post(
    "/verify/{report_number}",
    response_model=PdfCheckOut,
    responses={
        200: {"content": {"text/html": {}}, "description": "The check: HTML, or JSON if asked."},
        **responses(404, 422, 502, 503),
    },
)
async def check_pdf(
    report_number: str,
    request: Request,
    clients: Clients,
    file: Annotated[UploadFile, File(description="The certificate PDF to compare.")],
) -> Response:
    """Says whether an uploaded file is byte-identical to a PDF this laboratory issued for this
    report (any version), which version, and whether that version is current."""
    facts = await _facts(report_number, request, clients)
    if isinstance(facts, Response):
        return facts
    try:
        data = await _read_pdf(file)
    except Unprocessable as refusal:
        if _wants_json(request):
            raise
        return _page(
            request, clients, 422, report_number=report_number, found=facts, refusal=refusal.detail
        )
    sha256 = hashlib.sha256(data).hexdigest()
    match = await clients.certificate_versions.MatchCertificatePdf(
        amendments_pb2.MatchCertificatePdfRequest(report_number=report_number, sha256=sha256)
    )
    check = PdfCheckOut(
        report_number=report_number,
        matches=match.matches,
        matching_report_number=match.report_number or None,
        matching_version=match.version or None,
        current=match.current if match.matches else None,
        sha256=sha256,
    )
    if _wants_json(request):
        return Response(check.model_dump_json(), media_type="application/json")
    return _page(request, clients, report_number=report_number, found=facts, check=check)
