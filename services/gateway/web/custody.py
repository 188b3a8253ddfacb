"""The chain of custody in the browser: recording a movement from the sample page, and the admin's
page of storage locations. Same handlers as the REST API (services/gateway/api/custody.py), so
the rules, roles and audit are the same; success redirects (post/redirect/get), a refusal shows
the page again with the messages next to their fields."""

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from services.gateway.api import custody as api
from services.gateway.clients import Connections
from services.gateway.deps import Clients, act_as
from services.gateway.domain import Role
from services.gateway.problems import Missing, Problem
from services.gateway.schemas import CustodyIn, StorageLocationIn, StorageLocationPatch
from services.gateway.web.pages import sample_context
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


def _custody_body(form: dict[str, str]) -> dict[str, Any]:
    # An empty field is a field not given: "" would fail the location code's pattern.
    body: dict[str, Any] = {
        "kind": form.get("kind", ""),
        "remarks": form.get("remarks", ""),
        "reason": form.get("reason", ""),
    }
    for name in ("location_code", "handed_to", "witness", "password", "witness_password"):
        body[name] = form.get(name) or None
    return body


@router.post("/samples/{lab_number}/custody")
async def record_custody(
    lab_number: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """Records a movement of the sample; back to its custody section."""
    await check_csrf(request, clients, identity)
    form = await _form(request)
    parsed, problem = _parse(CustodyIn, _custody_body(form))
    if problem is None:
        acting = act_as(identity, api.CUSTODIANS)
        # The form's key: a second click or a reload records the movement once.
        key = form.get("form_key") or uuid.uuid4().hex
        _, problem = await attempt(
            api.record_custody(lab_number, parsed, clients, acting, idempotency_key=key)
        )
    if problem is None:
        return RedirectResponse(f"/samples/{lab_number}?done=custody#custody", status_code=303)
    context, refused = await attempt(sample_context(clients, identity, lab_number))
    if context is None:
        problem = refused or Missing(f"no sample {lab_number}")
        return problem_page(request, clients, problem, identity=identity, lab_number=lab_number)
    # Passwords are never sent back in the page.
    form = {k: v for k, v in form.items() if k not in ("password", "witness_password")}
    context.update(
        {
            "done": "",
            "refusal": Refusal(problem, language(request, clients)),
            "form": form,
            "form_id": "custody",
        }
    )
    return page(request, clients, "sample.html", context, identity=identity, status=problem.status)


# --- storage locations (admin) -----------------------------------------------------------------


async def _locations_page(
    request: Request,
    clients: Connections,
    identity: WebUser,
    *,
    done: str = "",
    problem: Problem | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    acting = act_as(identity, (Role.ADMIN,))
    locations = await api.list_storage_locations(clients, acting, include_inactive=True)
    context = {
        "locations": locations,
        "done": done,
        "refusal": Refusal(problem, language(request, clients)) if problem else None,
        "form": form or {},
    }
    status = problem.status if problem else 200
    return page(
        request, clients, "storage_locations.html", context, identity=identity, status=status
    )


@router.get("/storage-locations")
async def storage_locations(
    request: Request, clients: Clients, identity: WebUser, done: str = ""
) -> HTMLResponse:
    """The storage locations, in use or not, and a form to add one (admin)."""
    return await _locations_page(request, clients, identity, done=done)


@router.post("/storage-locations")
async def create_storage_location(
    request: Request, clients: Clients, identity: WebUser
) -> Response:
    """Adds a storage location."""
    await check_csrf(request, clients, identity)
    acting = act_as(identity, (Role.ADMIN,))
    form = await _form(request)
    body = {name: form.get(name, "") for name in ("code", "name", "conditions")}
    parsed, problem = _parse(StorageLocationIn, body)
    if problem is None:
        _, problem = await attempt(api.create_storage_location(parsed, clients, acting))
    if problem is None:
        return RedirectResponse("/storage-locations?done=created", status_code=303)
    return await _locations_page(request, clients, identity, problem=problem, form=form)


@router.post("/storage-locations/{code}/active")
async def set_location_active(
    code: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """Takes a location out of use, or back into use."""
    await check_csrf(request, clients, identity)
    acting = act_as(identity, (Role.ADMIN,))
    form = await _form(request)
    patch = StorageLocationPatch(active=form.get("active") == "true")
    _, problem = await attempt(api.update_storage_location(code, patch, clients, acting))
    if problem is None:
        return RedirectResponse("/storage-locations?done=changed", status_code=303)
    return await _locations_page(request, clients, identity, problem=problem)
