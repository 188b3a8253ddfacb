"""Campaign import: a spreadsheet of samples becomes ONE request, all or nothing.

The file is read and checked row by row (services.gateway.campaign, against the catalogue in one
ListProducts call); any error and nothing is registered, the answer is the report. Otherwise the
samples go to the same handler as `POST /requests`, so intake registers them in one transaction
(lab numbers gap-free) and their lifecycles start.
"""

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Header, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError

from lims.testing.v1 import testing_pb2
from services.gateway import campaign
from services.gateway.api import requests
from services.gateway.clients import Connections
from services.gateway.deps import Acting, Clients, acting_as
from services.gateway.domain import Role
from services.gateway.problems import (
    MEDIA_TYPE,
    FieldError,
    ProblemDetails,
    Unprocessable,
    responses,
)
from services.gateway.schemas import Priority, Purpose, RequestIn, RequestOut

router = APIRouter(tags=["requests"])

IMPORTERS = (Role.RECEPTION, Role.ADMIN)
AsImporter = Annotated[Acting, Depends(acting_as(*IMPORTERS))]


class RowErrorOut(BaseModel):
    """One thing wrong in the file."""

    row: int = Field(description="Spreadsheet row: 1 is the header, 2 the first sample.")
    field: str = Field(description="The column's field (or the header, for a column error).")
    message: str


class CampaignReport(BaseModel):
    """What the check of a campaign file found."""

    filename: str
    rows: int = Field(description="Sample rows read (blank rows skipped).")
    valid_rows: int = Field(description="Rows without an error.")
    columns: dict[str, str] = Field(description="Each header and the field it was read as.")
    errors: list[RowErrorOut] = Field(description="Row by row; empty when the file can import.")


class CampaignProblem(ProblemDetails):
    """A refused import: the problem, with the report (nothing was registered)."""

    report: CampaignReport


@dataclass(frozen=True)
class CampaignForm:
    """What comes with the file: the request the samples are registered under."""

    purpose: str = "market_surveillance"
    priority: str = "routine"
    reference: str = ""
    requester_organisation: str = ""


@dataclass
class ImportOutcome:
    """The report, and the request when one was registered (never when the report has errors)."""

    report: CampaignReport
    created: RequestOut | None = None


async def _known_codes(clients: Connections) -> set[str]:
    answer = await clients.testing.ListProducts(testing_pb2.ListProductsRequest())
    return {product.code for product in answer.products}


async def check(clients: Connections, content: bytes) -> campaign.Campaign:
    """The campaign in the file, checked against the catalogue; 422 when unreadable as a whole."""
    try:
        # Parsing hundreds of rows (and unzipping XLSX) is blocking work: off the event loop.
        parsed, known = await asyncio.gather(
            asyncio.to_thread(campaign.parse, content), _known_codes(clients)
        )
    except campaign.CampaignRefused as error:
        raise Unprocessable(
            str(error), errors=[FieldError(field="file", message=str(error))]
        ) from error
    campaign.check_products(parsed, known)
    return parsed


def report(parsed: campaign.Campaign, filename: str) -> CampaignReport:
    """The report of a checked campaign."""
    bad_rows = {error.row for error in parsed.errors}
    return CampaignReport(
        filename=filename,
        rows=parsed.rows,
        valid_rows=sum(1 for row, _ in parsed.samples if row not in bad_rows),
        columns=parsed.columns,
        errors=[RowErrorOut(row=e.row, field=e.field, message=e.message) for e in parsed.errors],
    )


async def import_campaign(
    clients: Connections,
    acting: Acting,
    content: bytes,
    filename: str,
    form: CampaignForm,
    *,
    dry_run: bool = False,
    idempotency_key: str | None = None,
) -> ImportOutcome:
    """Checks the file and, when every row is valid and it is not a dry run, registers it as one
    request and starts the lifecycles. Row errors come back in the report, nothing registered."""
    parsed = await check(clients, content)
    checked = report(parsed, filename)
    body: RequestIn | None = None
    try:
        body = RequestIn.model_validate(
            {
                "purpose": form.purpose,
                "priority": form.priority,
                "requester_organisation": form.requester_organisation,
                "external_reference": form.reference,
                **parsed.contact,
                "samples": [sample for _, sample in parsed.samples] or [None],
            }
        )
    except ValidationError as error:
        # The form's own fields (purpose, reference, ...); the samples were checked above.
        form_errors = [
            # The form calls the external reference "reference".
            {**e, "loc": tuple("reference" if p == "external_reference" else p for p in e["loc"])}
            for e in error.errors()
            if e["loc"][0] != "samples"
        ]
        if form_errors:
            raise RequestValidationError(form_errors) from error
    if checked.errors or dry_run or body is None:
        return ImportOutcome(checked)
    created = await requests.create_request(body, clients, acting, idempotency_key)
    return ImportOutcome(checked, created)


def refusal(http: Request, checked: CampaignReport) -> JSONResponse:
    """The 422 problem of a file with row errors, carrying the whole report."""
    count = len(checked.errors)
    body = CampaignProblem(
        type="/problems/validation-error",
        title="Unprocessable Content",
        status=422,
        detail=f"the file has {count} error{'s' if count != 1 else ''}; nothing was registered",
        instance=http.url.path,
        errors=[
            FieldError(field=f"row {e.row}: {e.field}", message=e.message) for e in checked.errors
        ],
        report=checked,
    )
    return JSONResponse(body.model_dump(exclude_none=True), status_code=422, media_type=MEDIA_TYPE)


@router.post(
    "/requests/import",
    status_code=201,
    response_model=None,
    responses={
        200: {"model": CampaignReport, "description": "Dry run: the file can be imported."},
        201: {"model": RequestOut, "description": "The request with every sample registered."},
        **responses(401, 403, 409, 422, 502, 503),
    },
)
async def import_requests(
    http: Request,
    clients: Clients,
    acting: AsImporter,
    file: Annotated[
        UploadFile, File(description="CSV (UTF-8, `;` or `,`) or XLSX, header row first.")
    ],
    purpose: Annotated[Purpose, Form()] = "market_surveillance",
    priority: Annotated[Priority, Form()] = "routine",
    reference: Annotated[str, Form(description="The campaign's reference.")] = "",
    requester_organisation: Annotated[str, Form()] = "",
    dry_run: Annotated[bool, Form(description="Check only: register nothing.")] = False,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Response:
    """Imports a campaign spreadsheet as one request (all or nothing); 422 with the row-by-row
    report when any row is wrong."""
    content = await file.read(campaign.MAX_BYTES + 1)
    form = CampaignForm(purpose, priority, reference, requester_organisation)
    outcome = await import_campaign(
        clients,
        acting,
        content,
        file.filename or "",
        form,
        dry_run=dry_run,
        idempotency_key=idempotency_key,
    )
    if outcome.report.errors:
        return refusal(http, outcome.report)
    if outcome.created is None:
        return JSONResponse(outcome.report.model_dump(), status_code=200)
    return JSONResponse(outcome.created.model_dump(mode="json"), status_code=201)
