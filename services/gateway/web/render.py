"""Rendering pages: every template gets the language, the signed-in user and their CSRF token.

Errors from the shared handlers (the REST API's problems, gRPC and workflow refusals) are turned
into messages in the user's language, next to the field they name when they name one."""

from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

import grpc
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from temporalio.client import RPCTimeoutOrCancelledError, WorkflowUpdateFailedError
from temporalio.service import RPCError

from kernel.errors import DomainError
from services.gateway import problems
from services.gateway.audit_trail import AUDITORS
from services.gateway.auth import Identity
from services.gateway.clients import Connections
from services.gateway.deps import REQUEST_LOGGERS
from services.gateway.domain import Role
from services.gateway.problems import Problem
from services.gateway.web.i18n import LANGUAGES, Lang, choose
from services.gateway.web.session import CSRF_FIELD, LANGUAGE_COOKIE, csrf_token

T = TypeVar("T")

templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


def language(request: Request, clients: Connections) -> Lang:
    """The language the user chose (cookie), French by default."""
    return Lang(choose(request.cookies.get(LANGUAGE_COOKIE)), clients.settings.timezone)


def page(
    request: Request,
    clients: Connections,
    template: str,
    context: dict[str, Any],
    *,
    identity: Identity | None,
    status: int = 200,
) -> HTMLResponse:
    """A full page (or an htmx fragment) in the user's language."""
    lang = language(request, clients)
    roles = set(identity.roles) if identity else set()
    return templates.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "_": lang.gettext,
            "languages": LANGUAGES,
            "user": identity,
            "roles": roles,
            "may_log_requests": any(role in roles for role in REQUEST_LOGGERS),
            "may_audit": any(role in roles for role in AUDITORS),
            "Role": Role,
            "csrf": csrf_token(clients, identity) if identity else "",
            "csrf_field": CSRF_FIELD,
            "lab_name": clients.settings.lab_name,
            **context,
        },
        status_code=status,
    )


def problem_page(
    request: Request,
    clients: Connections,
    problem: Problem,
    *,
    identity: Identity | None,
    lab_number: str = "",
) -> HTMLResponse:
    """A refusal (403, 404, 409, ...) as a page of its own, in the user's language."""
    context = {"problem": problem, "lab_number": lab_number}
    return page(request, clients, "problem.html", context, identity=identity, status=problem.status)


class Refusal:
    """A refused action as the page shows it: a message, and messages by field."""

    def __init__(self, problem: Problem, lang: Lang) -> None:
        self.status = problem.status
        self.message = lang.refusal(problem.detail)
        self.fields = {error.field: lang.refusal(error.message) for error in problem.errors or []}

    def field(self, name: str) -> str:
        """The message for one field ('' if none)."""
        return self.fields.get(name, "")


async def attempt(step: Awaitable[T]) -> tuple[T | None, Problem | None]:
    """Runs one of the shared handlers; a refusal comes back as the REST API's problem."""
    try:
        return await step, None
    except Problem as problem:
        return None, problem
    except DomainError as error:
        return None, problems.from_domain(error)
    except grpc.aio.AioRpcError as error:
        return None, problems.from_grpc(error)
    except WorkflowUpdateFailedError as error:
        return None, problems.from_update_failure(error)
    except RPCError as error:
        return None, problems.from_temporal_rpc(error)
    except RPCTimeoutOrCancelledError:
        return None, problems.Unavailable(
            "the workflow engine did not answer in time; try again shortly"
        )


def invalid(error: ValidationError) -> Problem:
    """The 422 problem of a form that does not fit the REST API's body (same field paths)."""
    return problems.from_validation(RequestValidationError(error.errors()))
