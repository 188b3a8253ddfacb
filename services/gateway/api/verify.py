"""The public authenticity check of a certificate (no sign-in): an HTML page, or JSON if asked."""

from pathlib import Path

import grpc
from fastapi import APIRouter, Request, Response
from fastapi.templating import Jinja2Templates

from lims.reporting.v1 import reporting_pb2
from services.gateway import convert
from services.gateway.deps import Clients
from services.gateway.problems import Missing, responses
from services.gateway.schemas import VerificationOut

router = APIRouter(tags=["verification"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "web" / "templates")

NOT_OURS = "not a certificate issued by this laboratory"


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


@router.get(
    "/verify/{report_number}",
    response_model=VerificationOut,
    responses={
        200: {"content": {"text/html": {}}, "description": "Authentic: HTML, or JSON if asked."},
        **responses(404, 502, 503),
    },
)
async def verify(report_number: str, request: Request, clients: Clients) -> Response:
    """Says whether a report number belongs to a certificate this laboratory issued."""
    try:
        found = await clients.reporting.GetCertificate(
            reporting_pb2.GetCertificateRequest(report_number=report_number)
        )
    except grpc.aio.AioRpcError as error:
        if error.code() not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
            raise
        if _wants_json(request):
            raise Missing(f"{report_number}: {NOT_OURS}") from None
        return templates.TemplateResponse(
            request,
            "verify.html",
            {"report_number": report_number, "found": None, "lab": clients.settings.lab_name},
            status_code=404,
        )
    facts = convert.verification(found)
    if _wants_json(request):
        return Response(facts.model_dump_json(), media_type="application/json")
    return templates.TemplateResponse(
        request,
        "verify.html",
        {"report_number": report_number, "found": facts, "lab": clients.settings.lab_name},
    )
