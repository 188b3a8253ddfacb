"""Turnaround targets and the lab calendar in the browser (admin): the targets per purpose and
priority with their basis, the working weekdays and the non-working dates, each change with a
reason. The REST API's handlers (services/gateway/api/turnaround.py) do the work, so the rules,
the roles and the audit are the same on both paths."""

from collections.abc import Awaitable, Callable
from typing import Any, cast

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from services.gateway.api import turnaround as api
from services.gateway.auth import Identity
from services.gateway.clients import Connections
from services.gateway.deps import Acting, Clients, act_as
from services.gateway.domain import Role
from services.gateway.problems import Missing, Problem
from services.gateway.turnaround_schemas import HolidayIn, TurnaroundTargetIn, WorkingWeekdaysIn
from services.gateway.web.admin_forms import take_change
from services.gateway.web.pages import PURPOSES
from services.gateway.web.render import Refusal, language, page
from services.gateway.web.session import WebUser

router = APIRouter(include_in_schema=False)
ADMIN = (Role.ADMIN,)
PAGE = "/settings/turnaround"
PRIORITIES = ("routine", "urgent")


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
    settings = await api.get_turnaround(clients, acting)
    targets = {(t.purpose, t.priority): t for t in settings.targets}
    context = {
        "rows": [targets[key] for key in sorted(targets, key=lambda k: PURPOSES.index(k[0]))],
        "calendar": settings.calendar,
        "refusal": Refusal(refusal, language(request, clients)) if refusal else None,
        "form": form or {},
        "form_id": form_id,
        "done": request.query_params.get("done", ""),
    }
    status = refusal.status if refusal else 200
    return page(request, clients, "turnaround.html", context, identity=identity, status=status)


@router.get(PAGE)
async def turnaround_page(request: Request, clients: Clients, identity: WebUser) -> HTMLResponse:
    """The targets, the working week and the non-working dates, with their forms."""
    return await _page(request, clients, identity)


async def _change(
    request: Request,
    clients: Connections,
    identity: Identity,
    model: type[BaseModel],
    body: dict[str, Any],
    run: Callable[[Any, Acting], Awaitable[object]],
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
        done_url=f"{PAGE}?done={done}#{form_id}",
    )


@router.post("/settings/turnaround/{purpose}/{priority}")
async def set_target(
    purpose: str, priority: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """Changes one target (days and basis)."""
    if purpose not in PURPOSES or priority not in PRIORITIES:
        raise Missing(f"no turnaround target for {purpose}/{priority}")
    form = await request.form()
    body = {
        "days": str(form.get("days", "")).strip(),
        "basis": str(form.get("basis", "calendar_days")),
        "reason": str(form.get("reason", "")),
    }

    async def run(parsed: TurnaroundTargetIn, acting: Acting) -> object:
        chosen = cast(Any, purpose), cast(Any, priority)  # checked above
        return await api.set_turnaround_target(*chosen, parsed, clients, acting)

    form_id = f"target-{purpose}-{priority}"
    return await _change(
        request, clients, identity, TurnaroundTargetIn, body, run, form_id=form_id, done="target"
    )


@router.post("/settings/calendar/weekdays")
async def set_weekdays(request: Request, clients: Clients, identity: WebUser) -> Response:
    """Changes the working weekdays."""
    form = await request.form()
    body = {
        "weekdays": [int(str(day)) for day in form.getlist("weekdays") if str(day).isdigit()],
        "reason": str(form.get("reason", "")),
    }

    async def run(parsed: WorkingWeekdaysIn, acting: Acting) -> object:
        return await api.set_working_weekdays(parsed, clients, acting)

    return await _change(
        request, clients, identity, WorkingWeekdaysIn, body, run, form_id="weekdays", done="week"
    )


@router.post("/settings/calendar/holidays")
async def add_holiday(request: Request, clients: Clients, identity: WebUser) -> Response:
    """Adds a non-working date."""
    form = await request.form()
    body = {name: str(form.get(name, "")) for name in ("date", "name", "reason")}

    async def run(parsed: HolidayIn, acting: Acting) -> object:
        return await api.add_holiday(parsed, clients, acting)

    return await _change(
        request, clients, identity, HolidayIn, body, run, form_id="holidays", done="holiday"
    )


class _RemovalIn(BaseModel):
    reason: str


@router.post("/settings/calendar/holidays/{day}/remove")
async def remove_holiday(
    day: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """Removes a non-working date."""
    form = await request.form()
    body = {"reason": str(form.get("reason", ""))}

    async def run(parsed: _RemovalIn, acting: Acting) -> object:
        return await api.remove_holiday(day, clients, acting, reason=parsed.reason)

    return await _change(
        request, clients, identity, _RemovalIn, body, run, form_id=f"holiday-{day}", done="removed"
    )
