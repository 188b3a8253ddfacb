"""The audit trail in the browser, for the quality manager (and admin): entries of every
service by sample, user, action and period; the chains verified; the review of the trail
recorded; the entries exported. Same handlers as the REST API (services/gateway/api/audit.py)."""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError

from kernel.settings import ServiceName
from services.gateway.api import audit as api
from services.gateway.audit_trail import AUDIT_REVIEWERS, AUDITORS, SERVICES, TrailQuery
from services.gateway.clients import Connections
from services.gateway.deps import Clients, act_as
from services.gateway.problems import FieldError, Problem, Unprocessable
from services.gateway.schemas import AuditReviewIn
from services.gateway.web.render import Refusal, attempt, invalid, language, page, problem_page
from services.gateway.web.session import WebUser, check_csrf

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
FILTERS = ("related_to", "username", "action", "service", "since", "until")


def _day_start(clients: Connections, text: str) -> datetime | None:
    """Midnight of a calendar day in the lab's time zone (the periods a person means)."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Unprocessable(
            f"{text!r} is not a date (YYYY-MM-DD)",
            errors=[FieldError(field="period", message="not a date (YYYY-MM-DD)")],
        ) from None
    return datetime.combine(day, time(), tzinfo=ZoneInfo(clients.settings.timezone))


def _filters(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip() for name in FILTERS}


async def _query(clients: Connections, filters: dict[str, str]) -> TrailQuery:
    since = _day_start(clients, filters["since"])
    until = _day_start(clients, filters["until"])
    services: list[ServiceName] | None = None
    for name in SERVICES:
        if filters["service"] == name:
            services = [name]
    return await api.trail_query(
        related_to=filters["related_to"],
        username=filters["username"],
        action=filters["action"],
        since=since,
        until=until + timedelta(days=1) if until else None,  # "until" a day includes it
        service=services,
    )


async def _context(
    request: Request, clients: Connections, identity: Any, filters: dict[str, str], number: int
) -> dict[str, Any]:
    acting = act_as(identity, AUDITORS)
    query = await _query(clients, filters)
    found = await api.list_audit_entries(clients, acting, query, page=number, page_size=PAGE_SIZE)
    reviews = await api.list_audit_reviews(clients, acting, page=1, page_size=10)
    pages = max(1, -(-found.total // PAGE_SIZE))
    return {
        "found": found,
        "pages": pages,
        "filters": filters,
        "services": SERVICES,
        "reviews": reviews,
        "verification": None,
        "refusal": None,
        "may_review": any(role in identity.roles for role in AUDIT_REVIEWERS),
    }


@router.get("/audit")
async def audit_page(
    request: Request,
    clients: Clients,
    identity: WebUser,
    page_number: Annotated[int, Query(alias="page", ge=1)] = 1,
) -> Response:
    """The audit trail with its filters; `?verify=1` also walks every chain."""
    act_as(identity, AUDITORS)
    filters = _filters(request)
    context, problem = await attempt(
        _context(request, clients, identity, filters, max(1, page_number))
    )
    if context is None:
        assert problem is not None
        return problem_page(request, clients, problem, identity=identity)
    if request.query_params.get("verify"):
        context["verification"] = await api.verify_audit_chains(clients, act_as(identity, AUDITORS))
    return page(request, clients, "audit.html", context, identity=identity)


@router.get("/audit/export.csv")
async def export(request: Request, clients: Clients, identity: WebUser) -> StreamingResponse:
    """The entries the filters select, as CSV."""
    query = await _query(clients, _filters(request))
    return await api.export_audit_entries(clients, act_as(identity, AUDITORS), query)


@router.get("/audit/export.pdf")
async def print_trail(request: Request, clients: Clients, identity: WebUser) -> Response:
    """The entries the filters select, as a PDF for the file."""
    query = await _query(clients, _filters(request))
    return await api.print_audit_entries(clients, act_as(identity, AUDITORS), query)


@router.post("/audit/reviews")
async def record_review(request: Request, clients: Clients, identity: WebUser) -> Response:
    """Records that the trail of a period was reviewed, with what was found."""
    await check_csrf(request, clients, identity)
    acting = act_as(identity, AUDIT_REVIEWERS)
    form = await request.form()
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    problem: Problem | None = None
    try:
        start = _day_start(clients, values.get("period_start", ""))
        end = _day_start(clients, values.get("period_end", ""))
        body = AuditReviewIn(
            period_start=start,
            period_end=end + timedelta(days=1) if end else None,
            filters={k: values[k] for k in FILTERS if values.get(k)},
            comment=values.get("comment", ""),
        )
    except ValidationError as error:
        problem = invalid(error)
    except Problem as refused:
        problem = refused
    if problem is None:
        _, problem = await attempt(api.record_audit_review(body, clients, acting))
    if problem is None:
        return RedirectResponse("/audit?reviewed=1", status_code=303)
    filters = {k: values.get(k, "") for k in FILTERS}
    context = await _context(request, clients, identity, filters, 1)
    context["refusal"] = Refusal(problem, language(request, clients))
    context["form"] = values
    return page(request, clients, "audit.html", context, identity=identity, status=problem.status)
