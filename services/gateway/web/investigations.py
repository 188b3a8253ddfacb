"""OOS investigations in the browser: the open ones, one investigation with its checklist,
findings and signatures, and the two signed steps. Same handlers as the REST API
(services/gateway/api/investigations.py), so roles, separation of duties, re-authentication and
audit are the same; success redirects (post/redirect/get), a refusal shows the page again with
the messages next to their fields."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from services.gateway.api import investigations as api
from services.gateway.api import users
from services.gateway.clients import Connections
from services.gateway.deps import INVESTIGATORS, Clients, act_as
from services.gateway.domain import STAFF, Role
from services.gateway.problems import Missing, Problem
from services.gateway.schemas import ConclusionIn, PhaseOneIn
from services.gateway.web.render import Refusal, attempt, invalid, language, page, problem_page
from services.gateway.web.session import WebUser, check_csrf

router = APIRouter(include_in_schema=False)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value.strip() for key, value in form.items() if isinstance(value, str)}


def _parse(model: type[BaseModel], data: dict[str, Any]) -> tuple[Any, Problem | None]:
    try:
        return model.model_validate(data), None
    except ValidationError as error:
        return None, invalid(error)


@router.get("/investigations")
async def open_investigations(
    request: Request, clients: Clients, identity: WebUser
) -> HTMLResponse:
    """Every investigation not yet concluded, oldest first, late ones marked."""
    items = await api.list_investigations(clients, act_as(identity, STAFF), open_only=True)
    context = {"investigations": items}
    return page(request, clients, "investigations.html", context, identity=identity)


async def _investigation_page(
    request: Request,
    clients: Connections,
    identity: WebUser,
    investigation_id: str,
    *,
    done: str = "",
    problem: Problem | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    staff = act_as(identity, STAFF)
    record, refused = await attempt(api.get_investigation(investigation_id, clients, staff))
    if record is None:
        missing = refused or Missing(f"no investigation {investigation_id}")
        return problem_page(request, clients, missing, identity=identity)
    analysts = await users.list_users(clients, staff, role=Role.ANALYST)
    context = {
        "investigation": record,
        "analysts": [a for a in analysts if a.username != record.analyst],
        "done": done,
        "refusal": Refusal(problem, language(request, clients)) if problem else None,
        "form": form or {},
    }
    status = problem.status if problem else 200
    return page(request, clients, "investigation.html", context, identity=identity, status=status)


@router.get("/investigations/{investigation_id}")
async def investigation(
    investigation_id: str, request: Request, clients: Clients, identity: WebUser, done: str = ""
) -> Response:
    """One investigation, and the signed step the user may take now."""
    return await _investigation_page(request, clients, identity, investigation_id, done=done)


@router.post("/investigations/{investigation_id}/phase-one")
async def record_phase_one(
    investigation_id: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """The supervisor's signed Phase I finding."""
    await check_csrf(request, clients, identity)
    form = await _form(request)
    items = [key.removeprefix("check-") for key in form if key.startswith("check-")]
    body = {
        "checklist": {item: form[f"check-{item}"] == "yes" for item in items},
        "cause_found": form.get("cause_found") == "yes",
        "summary": form.get("summary", ""),
        "retest_analyst": form.get("retest_analyst", ""),
        "password": form.get("password", ""),
    }
    parsed, problem = _parse(PhaseOneIn, body)
    if problem is None:
        acting = act_as(identity, INVESTIGATORS)
        _, problem = await attempt(api.record_phase_one(investigation_id, parsed, clients, acting))
    if problem is None:
        return RedirectResponse(f"/investigations/{investigation_id}?done=phase_one", 303)
    form.pop("password", None)
    return await _investigation_page(
        request, clients, identity, investigation_id, problem=problem, form=form
    )


@router.post("/investigations/{investigation_id}/conclusion")
async def conclude(
    investigation_id: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """The quality manager's signed Phase II conclusion."""
    await check_csrf(request, clients, identity)
    form = await _form(request)
    body = {
        "outcome": form.get("outcome", ""),
        "summary": form.get("summary", ""),
        "retest_analyst": form.get("retest_analyst", ""),
        "password": form.get("password", ""),
    }
    parsed, problem = _parse(ConclusionIn, body)
    if problem is None:
        acting = act_as(identity, (Role.QUALITY,))
        _, problem = await attempt(api.conclude(investigation_id, parsed, clients, acting))
    if problem is None:
        return RedirectResponse(f"/investigations/{investigation_id}?done=concluded", 303)
    form.pop("password", None)
    return await _investigation_page(
        request, clients, identity, investigation_id, problem=problem, form=form
    )
