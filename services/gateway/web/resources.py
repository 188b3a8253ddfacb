"""The resources that gate testing, in the browser: the quality manager's page of
qualifications, instruments, reference standards and reagents, each with a form that adds one or
changes it (with a reason). Same handlers as the REST API (services/gateway/api/resources.py)."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from services.gateway.api import resources as api
from services.gateway.clients import Connections
from services.gateway.deps import Acting, Clients, act_as
from services.gateway.problems import Missing, Problem
from services.gateway.resource_schemas import (
    InstrumentIn,
    QualificationIn,
    ReagentIn,
    ReferenceStandardIn,
)
from services.gateway.web.render import Refusal, attempt, invalid, language, page
from services.gateway.web.session import WebUser, check_csrf

router = APIRouter(include_in_schema=False)


async def _page(
    request: Request,
    clients: Connections,
    identity: WebUser,
    *,
    done: str = "",
    problem: Problem | None = None,
    form: dict[str, str] | None = None,
    kind: str = "",
) -> HTMLResponse:
    acting = act_as(identity, api.KEEPERS)
    context = {
        "qualifications": await api.list_qualifications(clients, acting),
        "instruments": await api.list_instruments(clients, acting),
        "standards": await api.list_reference_standards(clients, acting),
        "reagents": await api.list_reagents(clients, acting),
        "done": done,
        "refusal": Refusal(problem, language(request, clients)) if problem else None,
        "form": form or {},
        "form_kind": kind,
    }
    status = problem.status if problem else 200
    return page(request, clients, "resources.html", context, identity=identity, status=status)


@router.get("/resources")
async def resources_page(
    request: Request, clients: Clients, identity: WebUser, done: str = ""
) -> HTMLResponse:
    """Qualifications, instruments, reference standards and reagents (quality, admin)."""
    return await _page(request, clients, identity, done=done)


def _body(kind: str, form: dict[str, str]) -> dict[str, Any]:
    fields = {
        "qualification": (
            "analyst",
            "technique",
            "qualified_on",
            "expires_on",
            "training_record",
        ),
        "instrument": ("code", "name", "calibration_due", "status", "out_of_service_reason"),
        "reference_standard": (
            "lot",
            "name",
            "source",
            "expires_on",
            "quantity",
            "quantity_unit",
        ),
        "reagent": ("lot", "name", "expires_on"),
    }[kind]
    body: dict[str, Any] = {name: form.get(name, "") for name in fields}
    body["reason"] = form.get("reason", "")
    if kind == "instrument":
        body["techniques"] = [t.strip() for t in form.get("techniques", "").split(",") if t.strip()]
    if kind == "reference_standard":
        body["quantity"] = body["quantity"].replace(",", ".")
    return body


_SAVERS: dict[str, tuple[type[BaseModel], Callable[[Any, Connections, Acting], Awaitable[Any]]]] = {
    "qualification": (QualificationIn, api.save_qualification),
    "instrument": (InstrumentIn, api.save_instrument),
    "reference_standard": (ReferenceStandardIn, api.save_reference_standard),
    "reagent": (ReagentIn, api.save_reagent),
}


@router.post("/resources/{kind}")
async def save(kind: str, request: Request, clients: Clients, identity: WebUser) -> Response:
    """Adds a record of that kind, or changes the one with the same key (reason required)."""
    if kind not in _SAVERS:
        raise Missing(f"no resource kind {kind}")
    await check_csrf(request, clients, identity)
    acting = act_as(identity, api.KEEPERS)
    raw = await request.form()
    form = {key: value.strip() for key, value in raw.items() if isinstance(value, str)}
    model, saver = _SAVERS[kind]
    problem: Problem | None = None
    try:
        parsed = model.model_validate(_body(kind, form))
    except ValidationError as error:
        problem = invalid(error)
    if problem is None:
        _, problem = await attempt(saver(parsed, clients, acting))
    if problem is None:
        return RedirectResponse(f"/resources?done={kind}#{kind}", status_code=303)
    return await _page(request, clients, identity, problem=problem, form=form, kind=kind)
