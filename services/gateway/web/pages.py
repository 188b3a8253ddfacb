"""The pages of the web UI (GET): sign-in, home by role, the scanner search, the sample list, a
sample, a new request. Every read goes through the REST API's handlers: one path to the data."""

import asyncio
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.gateway import reads
from services.gateway.api import amendments as amendments_api
from services.gateway.api import custody as custody_api
from services.gateway.api import investigations, products, samples, tests, users
from services.gateway.api import resources as resources_api
from services.gateway.auth import Identity
from services.gateway.clients import Connections
from services.gateway.deps import REQUEST_LOGGERS, Clients, act_as
from services.gateway.domain import STAFF, Role, is_staff, lab_number_of_code
from services.gateway.problems import Missing
from services.gateway.schemas import Purpose, SampleStatusName, SampleSummary
from services.gateway.web.i18n import choose
from services.gateway.web.render import attempt, page, problem_page
from services.gateway.web.session import LANGUAGE_COOKIE, WebUser, safe_next, session_identity

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
PURPOSES = (
    "registration",
    "batch_release",
    "market_surveillance",
    "complaint",
    "suspected_falsified",
)
STATUSES = (
    "registered",
    "received",
    "in_testing",
    "in_review",
    "awaiting_approval",
    "released",
    "on_hold",
    "rejected",
    "cancelled",
)
ACTIVE = ["registered", "received", "in_testing", "in_review", "awaiting_approval", "on_hold"]
SampleSort = Literal["newest", "oldest", "due", "product"]
SORTS: tuple[SampleSort, ...] = ("newest", "oldest", "due", "product")


@router.get("/login")
async def login_page(
    request: Request, clients: Clients, next: str = "/", expired: bool = False
) -> Response:
    """The sign-in form (a signed-in user goes straight on)."""
    if session_identity(request, clients) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    context = {"next": safe_next(next), "expired": expired, "error": "", "username": ""}
    return page(request, clients, "login.html", context, identity=None)


@router.get("/language/{code}")
async def switch_language(code: str, next: str = "/") -> Response:
    """Remembers the language chosen (a year) and goes back to the page."""
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE, choose(code), max_age=365 * 24 * 3600, samesite="lax", httponly=True
    )
    return response


def _today(clients: Connections) -> str:
    return datetime.now(ZoneInfo(clients.settings.timezone)).date().isoformat()


def _local_day(clients: Connections, moment: str | None) -> str:
    if not moment:
        return ""
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return parsed.astimezone(ZoneInfo(clients.settings.timezone)).date().isoformat()


async def _samples(clients: Connections, identity: Identity, **filters: Any) -> list[SampleSummary]:
    found = await samples.list_samples(clients, identity, **{"page_size": 50, **filters})
    return found.items


@router.get("/")
async def home(request: Request, clients: Clients, identity: WebUser) -> HTMLResponse:
    """What each of the user's roles has to do now."""
    roles = set(identity.roles)
    staff = act_as(identity, STAFF) if is_staff(roles) else None
    sections: dict[str, Any] = {}
    today = _today(clients)
    if Role.RECEPTION in roles:
        recent = await _samples(clients, identity)
        sections["awaiting_receipt"] = await _samples(clients, identity, status=["registered"])
        sections["arrived_today"] = [
            s for s in recent if _local_day(clients, s.received_at or s.created_at) == today
        ]
        reception = act_as(identity, (Role.RECEPTION,))
        sections["disposal_due"] = await custody_api.list_disposals_due(clients, reception)
    if staff and Role.ANALYST in roles:
        mine = await tests.list_tests(clients, staff, assignee="me", status=["assigned"])
        sections["my_tests"] = mine.items
    if staff and Role.REVIEWER in roles:
        to_assign, to_review = await asyncio.gather(
            tests.list_tests(clients, staff, status=["pending"]),
            tests.list_tests(clients, staff, status=["submitted"]),
        )
        sections["to_assign"] = to_assign.items
        sections["to_review"] = [
            t
            for t in to_review.items
            if not t.result or t.result.submitted_by.username != identity.username
        ]
    if Role.APPROVER in roles:
        sections["to_approve"] = await _samples(clients, identity, status=["awaiting_approval"])
    if staff and (Role.QUALITY in roles or Role.REVIEWER in roles):
        sections["investigations"] = await investigations.list_investigations(
            clients, staff, open_only=True
        )
    expiring = None
    if Role.QUALITY in roles and staff:
        expiring = await resources_api.list_expiring(clients, staff, within_days=30)
    if Role.QUALITY in roles:
        active = await _samples(clients, identity, status=ACTIVE, page_size=200)
        sections["overdue"] = await _samples(clients, identity, overdue=True)
        sections["near_due"] = [s for s in active if s.sla.state == "warning"]
    if Role.REQUESTER in roles:
        sections["my_requests"] = await _samples(clients, identity)
    if Role.ADMIN in roles and not sections:
        sections["recent"] = await _samples(clients, identity)
    may_log = any(role in roles for role in REQUEST_LOGGERS)
    context = {"sections": sections, "may_log_requests": may_log, "expiring": expiring}
    return page(request, clients, "home.html", context, identity=identity)


@router.get("/search")
async def search(request: Request, clients: Clients, identity: WebUser, q: str = "") -> Response:
    """A scanned lab number, test id or aliquot code opens its sample; other text lists matches."""
    text = q.strip()
    lab_number = lab_number_of_code(text)
    if lab_number:
        found, refused = await attempt(reads.sample(clients, identity, lab_number))
        if found is not None and refused is None:
            return RedirectResponse(f"/samples/{found.lab_number}", status_code=303)
    return RedirectResponse(f"/samples?q={text}", status_code=303)


@router.get("/samples")
async def sample_list(
    request: Request,
    clients: Clients,
    identity: WebUser,
    status: SampleStatusName | None = None,
    purpose: Purpose | None = None,
    overdue: bool = False,
    q: Annotated[str, Query(max_length=200)] = "",
    sort: str = "newest",
    page_number: Annotated[int, Query(alias="page", ge=1)] = 1,
) -> HTMLResponse:
    """Samples with filters, text search, sorting and paging."""
    order: SampleSort = "newest"
    for known in SORTS:
        if sort == known:
            order = known
    found = await samples.list_samples(
        clients,
        identity,
        status=[status] if status else None,
        purpose=purpose,
        overdue=overdue,
        q=q or None,
        sort=order,
        page=page_number,
        page_size=PAGE_SIZE,
    )
    pages = max(1, -(-found.total // PAGE_SIZE))
    filters = {
        "status": status or "",
        "purpose": purpose or "",
        "overdue": overdue,
        "q": q,
        "sort": sort,
    }
    context = {
        "found": found,
        "pages": pages,
        "filters": filters,
        "statuses": STATUSES,
        "purposes": PURPOSES,
        "sorts": SORTS,
    }
    return page(request, clients, "samples.html", context, identity=identity)


async def sample_context(
    clients: Connections, identity: Identity, lab_number: str
) -> dict[str, Any]:
    """What the sample page shows: the sample, and who its tests may be assigned to."""
    detail = await reads.sample_detail(clients, identity, lab_number)
    analysts: list[Any] = []
    choices: dict[str, Any] = {}
    if Role.REVIEWER in identity.roles:
        staff = act_as(identity, STAFF)
        analysts = await users.list_users(clients, staff, role=Role.ANALYST)
        # The assignment form offers only what gating accepts today.
        for test in detail.tests:
            if test.status in ("pending", "assigned"):
                choices[test.test_id] = await resources_api.assignment_choices(
                    test.test_id, clients, staff
                )
    custody = await custody_api.sample_page_custody(clients, identity, lab_number)
    versions = await amendments_api.sample_page_versions(clients, identity, detail)
    return {"sample": detail, "analysts": analysts, "choices": choices, **custody, **versions}


@router.get("/samples/{lab_number}")
async def sample_page(
    lab_number: str, request: Request, clients: Clients, identity: WebUser, done: str = ""
) -> HTMLResponse:
    """A sample: details, SLA, tests, timeline, and the actions the user may take now."""
    context, refused = await attempt(sample_context(clients, identity, lab_number))
    if context is None:
        problem = refused or Missing(f"no sample {lab_number}")
        return problem_page(request, clients, problem, identity=identity, lab_number=lab_number)
    context.update({"done": done, "refusal": None, "form": {}})
    return page(request, clients, "sample.html", context, identity=identity)


@router.get("/requests/new")
async def new_request(
    request: Request,
    clients: Clients,
    identity: WebUser,
    rows: Annotated[int, Query(ge=1, le=50)] = 1,
) -> HTMLResponse:
    """The form for a request with one or more samples."""
    act_as(identity, REQUEST_LOGGERS)
    catalogue = await products.list_products(clients, identity)
    context = {
        "products": catalogue,
        "rows": rows,
        "form_key": uuid.uuid4().hex,  # a second click or a reload registers nothing twice
        "form": {},
        "refusal": None,
        "purposes": PURPOSES,
    }
    return page(request, clients, "request_new.html", context, identity=identity)


@router.get("/requests/new/row")
async def new_request_row(
    request: Request,
    clients: Clients,
    identity: WebUser,
    index: Annotated[int, Query(ge=0, le=199)],
) -> HTMLResponse:
    """One more sample row for the request form (htmx)."""
    catalogue = await products.list_products(clients, identity)
    context = {"products": catalogue, "index": index, "form": {}, "refusal": None}
    return page(request, clients, "partials/sample_row.html", context, identity=identity)
