"""Campaign import in the browser (reception, admin): upload a spreadsheet, check it (the report
row by row), import it as one request, then the lab numbers to label. The REST API's import does
the work, so the page and the API refuse the same files for the same reasons.

With htmx the form posts in place and only the result area is replaced, so the chosen file stays
in the form between "check only" and "import"; without it the whole page comes back."""

import hashlib
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from services.gateway import campaign, problems
from services.gateway.api import campaigns as api
from services.gateway.auth import Identity
from services.gateway.clients import Connections
from services.gateway.deps import Clients, act_as
from services.gateway.problems import Problem
from services.gateway.schemas import NewSampleIn
from services.gateway.web.pages import PURPOSES
from services.gateway.web.render import Refusal, attempt, language, page
from services.gateway.web.session import WebUser, check_csrf

router = APIRouter(include_in_schema=False)
TEMPLATE = "campaign_import.html"


def _render(
    request: Request,
    clients: Connections,
    identity: Identity,
    context: dict[str, Any],
    status: int = 200,
) -> HTMLResponse:
    base = {
        "purposes": PURPOSES,
        "columns": list(NewSampleIn.model_fields),
        "max_rows": campaign.MAX_ROWS,
        "max_mb": campaign.MAX_BYTES // 1_048_576,
        "form": {},
        "form_key": uuid.uuid4().hex,
        "refusal": None,
        "outcome": None,
        "checked_only": False,
    }
    # htmx swaps only 2xx answers; the refusal is in the page either way.
    if request.headers.get("HX-Request"):
        status = 200
    return page(request, clients, TEMPLATE, base | context, identity=identity, status=status)


def _key(form_key: str, content: bytes) -> str:
    """The import's idempotency key: a second click on "import" (or a reload) with the same file
    answers the same request; another file from the same form is another request."""
    return f"campaign-{form_key}-{hashlib.sha256(content).hexdigest()[:32]}"


@router.get("/requests/import")
async def import_page(request: Request, clients: Clients, identity: WebUser) -> HTMLResponse:
    """The upload form of a campaign import."""
    act_as(identity, api.IMPORTERS)
    return _render(request, clients, identity, {})


@router.post("/requests/import")
async def import_file(request: Request, clients: Clients, identity: WebUser) -> HTMLResponse:
    """Checks the uploaded file ("check only") or imports it; the report when anything is wrong."""
    await check_csrf(request, clients, identity)
    acting = act_as(identity, api.IMPORTERS)
    form = await request.form()
    fields = {key: str(form.get(key, "")) for key in ("purpose", "priority", "reference")}
    fields["requester_organisation"] = str(form.get("requester_organisation", ""))
    fields["form_key"] = str(form.get("form_key", "")) or uuid.uuid4().hex
    checked_only = form.get("action") != "import"
    context: dict[str, Any] = {
        "form": fields,
        "form_key": fields["form_key"],
        "checked_only": checked_only,
    }
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        refused: Problem = problems.Unprocessable(
            "choose a file", errors=[problems.FieldError(field="file", message="choose a file")]
        )
        context["refusal"] = Refusal(refused, language(request, clients))
        return _render(request, clients, identity, context, status=refused.status)
    content = await upload.read(campaign.MAX_BYTES + 1)
    request_form = api.CampaignForm(
        purpose=fields["purpose"] or "market_surveillance",
        priority=fields["priority"] or "routine",
        reference=fields["reference"],
        requester_organisation=fields["requester_organisation"],
    )
    try:
        outcome, problem = await attempt(
            api.import_campaign(
                clients,
                acting,
                content,
                upload.filename,
                request_form,
                dry_run=checked_only,
                idempotency_key=None if checked_only else _key(fields["form_key"], content),
            )
        )
    except RequestValidationError as error:
        outcome, problem = None, problems.from_validation(error)
    if problem is not None:
        context["refusal"] = Refusal(problem, language(request, clients))
        return _render(request, clients, identity, context, status=problem.status)
    assert outcome is not None
    context["outcome"] = outcome
    status = 422 if outcome.report.errors else 200
    return _render(request, clients, identity, context, status=status)
