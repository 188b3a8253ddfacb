"""One way an admin page's form takes a change: check the CSRF token and the role, validate the
body with the REST API's model, call the REST handler, then redirect (post/redirect/get) or show
the page again with the refusal next to its fields."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from services.gateway.auth import Identity
from services.gateway.clients import Connections
from services.gateway.deps import Acting, act_as
from services.gateway.domain import Role
from services.gateway.problems import Problem
from services.gateway.web.render import attempt, invalid
from services.gateway.web.session import check_csrf

# Shows the page again with a refusal, keeping what was typed.
ShowAgain = Callable[[Problem], Awaitable[Response]]


async def take_change(
    request: Request,
    clients: Connections,
    identity: Identity,
    allowed: tuple[Role, ...],
    model: type[BaseModel],
    body: dict[str, Any],
    run: Callable[[Any, Acting], Awaitable[object]],
    *,
    show_again: ShowAgain,
    done_url: str,
) -> Response:
    """The change `run` makes with the validated body, as `allowed` roles; see the module."""
    await check_csrf(request, clients, identity)
    acting = act_as(identity, allowed)
    try:
        parsed = model.model_validate(body)
    except ValidationError as error:
        return await show_again(invalid(error))
    _, problem = await attempt(run(parsed, acting))
    if problem is not None:
        return await show_again(problem)
    return RedirectResponse(done_url, status_code=303)
