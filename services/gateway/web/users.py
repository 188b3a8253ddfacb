"""User administration in the browser (admin): accounts, roles, deactivation, unlocking. The
REST API's handlers do the work, so every change is validated and audited the same way."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from services.gateway.api import users as api
from services.gateway.auth import Identity
from services.gateway.clients import Connections
from services.gateway.deps import Clients, act_as
from services.gateway.domain import Role
from services.gateway.problems import Problem
from services.gateway.schemas import ReasonIn, UserIn, UserPatch
from services.gateway.web.admin_forms import take_change
from services.gateway.web.render import Refusal, language, page
from services.gateway.web.session import WebUser

router = APIRouter(include_in_schema=False)
ADMIN = (Role.ADMIN,)


async def _page(
    request: Request,
    clients: Connections,
    identity: Identity,
    *,
    refusal: Problem | None = None,
    form: dict[str, Any] | None = None,
    form_id: str = "",
) -> HTMLResponse:
    acting = act_as(identity, ADMIN)
    accounts = await api.list_users(clients, acting, role=None, active=False)
    context = {
        "accounts": accounts,
        "all_roles": list(Role),
        "refusal": Refusal(refusal, language(request, clients)) if refusal else None,
        "form": form or {},
        "form_id": form_id,
        "done": request.query_params.get("done", ""),
    }
    status = refusal.status if refusal else 200
    return page(request, clients, "users.html", context, identity=identity, status=status)


@router.get("/users")
async def users_page(request: Request, clients: Clients, identity: WebUser) -> HTMLResponse:
    """Every account, active or not, with its roles and any lock."""
    return await _page(request, clients, identity)


async def _change(
    request: Request,
    clients: Connections,
    identity: Identity,
    model: type[BaseModel],
    body: dict[str, Any],
    run: Any,
    *,
    form_id: str,
    done: str,
) -> Response:
    async def show_again(problem: Problem) -> Response:
        return await _page(request, clients, identity, refusal=problem, form=body, form_id=form_id)

    return await take_change(
        request,
        clients,
        identity,
        ADMIN,
        model,
        body,
        run,
        show_again=show_again,
        done_url=f"/users?done={done}",
    )


@router.post("/users")
async def create_user(request: Request, clients: Clients, identity: WebUser) -> Response:
    """A new account with its roles and an initial password."""
    form = await request.form()
    body = {
        "username": str(form.get("username", "")).strip(),
        "full_name": str(form.get("full_name", "")),
        "password": str(form.get("password", "")),
        "roles": [str(role) for role in form.getlist("roles")],
        "reason": str(form.get("reason", "")),
    }

    async def run(parsed: UserIn, acting: Any) -> object:
        return await api.create_user(parsed, clients, acting)

    return await _change(
        request, clients, identity, UserIn, body, run, form_id="new", done="created"
    )


@router.post("/users/{username}/active")
async def set_active(
    username: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """Deactivates an account (it can no longer sign in or sign), or reactivates it."""
    form = await request.form()
    body = {"active": form.get("active") == "true", "reason": str(form.get("reason", ""))}

    async def run(parsed: UserPatch, acting: Any) -> object:
        return await api.update_user(username, parsed, clients, acting)

    return await _change(
        request, clients, identity, UserPatch, body, run, form_id=username, done="changed"
    )


@router.post("/users/{username}/unlock")
async def unlock(username: str, request: Request, clients: Clients, identity: WebUser) -> Response:
    """Lifts a lock set by repeated failed passwords."""
    form = await request.form()
    body = {"reason": str(form.get("reason", ""))}

    async def run(parsed: ReasonIn, acting: Any) -> object:
        return await api.unlock_user(username, parsed, clients, acting)

    return await _change(
        request, clients, identity, ReasonIn, body, run, form_id=username, done="unlocked"
    )
