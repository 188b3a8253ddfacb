"""RFC 9457 problem details: every error the gateway answers, mapped in this one place.

A gateway error type carries its status; kernel.errors.DomainError, gRPC errors from the services
and Temporal update failures are mapped to the same statuses, so a client sees one vocabulary.
"""

import logging
import re
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import RPCTimeoutOrCancelledError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from kernel.errors import DomainError
from workflows.contracts import ErrorType

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    """One invalid field of the request."""

    field: str = Field(description='Path of the field, e.g. "samples[0].quantity".')
    message: str = Field(description="What is wrong with it.")


class ProblemDetails(BaseModel):
    """An RFC 9457 problem: the body of every error response."""

    type: str = Field(description="URI reference identifying the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="HTTP status code.")
    detail: str = Field(description="What went wrong this time, in words a person can act on.")
    instance: str = Field(description="Path of the request that failed.")
    errors: list[FieldError] | None = Field(
        default=None, description="The invalid fields, for validation problems."
    )


class Problem(Exception):
    """An error answered as a problem; each subclass fixes one status."""

    status = 500
    title = "Internal Server Error"
    slug = "internal-error"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers


class Unauthenticated(Problem):
    """No valid bearer token, or wrong credentials."""

    status, title, slug = 401, "Unauthorized", "unauthenticated"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class SignatureRefused(Problem):
    """The password given with an electronic signature was wrong."""

    status, title, slug = 401, "Signature refused", "signature-refused"


class Forbidden(Problem):
    """The user lacks the role, or the rule (separation of duties) forbids the action."""

    status, title, slug = 403, "Forbidden", "forbidden"


class Missing(Problem):
    """No such resource, or not one this user may see."""

    status, title, slug = 404, "Not Found", "not-found"


class Conflict(Problem):
    """The resource is not in a state that allows the action."""

    status, title, slug = 409, "Conflict", "conflict"


class Unprocessable(Problem):
    """The request is well-formed but its content is invalid."""

    status, title, slug = 422, "Unprocessable Content", "validation-error"


class BadGateway(Problem):
    """A service answered with an error the client cannot fix."""

    status, title, slug = 502, "Bad Gateway", "upstream-error"


class Unavailable(Problem):
    """A service or Temporal cannot be reached right now."""

    status, title, slug = 503, "Service Unavailable", "unavailable"


_BY_GRPC_CODE: dict[grpc.StatusCode, type[Problem]] = {
    grpc.StatusCode.INVALID_ARGUMENT: Unprocessable,
    grpc.StatusCode.NOT_FOUND: Missing,
    grpc.StatusCode.FAILED_PRECONDITION: Conflict,
    grpc.StatusCode.ALREADY_EXISTS: Conflict,
    grpc.StatusCode.PERMISSION_DENIED: Forbidden,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: Unavailable,
}
_BY_ERROR_TYPE: dict[str, type[Problem]] = {
    ErrorType.INVALID_ARGUMENT: Unprocessable,
    ErrorType.NOT_FOUND: Missing,
    ErrorType.FAILED_PRECONDITION: Conflict,
    ErrorType.PERMISSION_DENIED: Forbidden,
}
_FIELD_MESSAGE = re.compile(r"^([A-Za-z_][\w.\[\]]*): (.+)$", re.DOTALL)


def _field_errors(message: str) -> list[FieldError] | None:
    # Services name the field first ("quantity: must be positive; unit: required"); surface
    # each as a field error when every part has that shape.
    matches = [_FIELD_MESSAGE.match(part) for part in message.split("; ")]
    if not all(matches):
        return None
    return [FieldError(field=m[1], message=m[2]) for m in matches if m]


def from_grpc(error: grpc.aio.AioRpcError) -> Problem:
    """The problem for a service's gRPC error."""
    code, message = error.code(), error.details() or ""
    kind = _BY_GRPC_CODE.get(code)
    if kind is Unavailable:
        return Unavailable("a laboratory service is not reachable right now; try again shortly")
    if kind is None:
        log.error("service call failed: %s %s", code, message)
        return BadGateway(f"a laboratory service failed ({code.name}); the failure was logged")
    if kind is Unprocessable:
        return Unprocessable(message, errors=_field_errors(message))
    return kind(message)


def from_domain(error: DomainError) -> Problem:
    """The problem for one of the gateway's own domain errors (same table as gRPC)."""
    kind = _BY_GRPC_CODE.get(error.code, Conflict)
    if kind is Unprocessable:
        return Unprocessable(error.message, errors=_field_errors(error.message))
    return kind(error.message)


def from_update_failure(error: WorkflowUpdateFailedError) -> Problem:
    """The problem for an update the workflow refused (its ApplicationError type says why)."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type in _BY_ERROR_TYPE:
        kind = _BY_ERROR_TYPE[cause.type]
        if kind in (Unprocessable, Conflict):
            # A state refusal may name its field too (gating: "instrument: ... is out of service"),
            # so a form can show it next to that field.
            return kind(cause.message, errors=_field_errors(cause.message))
        return kind(cause.message)
    log.error("workflow update failed: %r", cause)
    return BadGateway("the sample's workflow could not complete the action; the failure was logged")


def from_temporal_rpc(error: RPCError) -> Problem:
    """The problem for an error of the Temporal service itself."""
    if error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
        return Unavailable("the workflow engine is not reachable right now; try again shortly")
    log.error("Temporal call failed: %s %s", error.status, error.message)
    return BadGateway(f"the workflow engine refused the call ({error.status.name})")


def _field_path(loc: tuple[int | str, ...]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def from_validation(error: RequestValidationError) -> Problem:
    """A 422 naming every invalid field, e.g. samples[0].quantity."""
    errors = [
        FieldError(
            field=_field_path(tuple(item.get("loc", ()))),
            message=str(item.get("msg", "invalid")).removeprefix("Value error, "),
        )
        for item in error.errors()
    ]
    listing = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return Unprocessable(f"the request is invalid: {listing}", errors=errors)


def response(request: Request, problem: Problem) -> JSONResponse:
    """The application/problem+json response of a problem."""
    body = ProblemDetails(
        type=f"/problems/{problem.slug}",
        title=problem.title,
        status=problem.status,
        detail=problem.detail,
        instance=request.url.path,
        errors=problem.errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=MEDIA_TYPE,
        headers=problem.headers,
    )


def _http_problem(error: StarletteHTTPException) -> Problem:
    kinds: dict[int, type[Problem]] = {
        404: Missing,
        403: Forbidden,
        409: Conflict,
        422: Unprocessable,
    }
    if error.status_code == 401:
        return Unauthenticated(str(error.detail))
    kind = kinds.get(error.status_code)
    if kind is not None:
        return kind(str(error.detail))
    problem = Problem(str(error.detail), headers=dict(error.headers or {}))
    problem.status, problem.title, problem.slug = error.status_code, str(error.detail), "http-error"
    return problem


def install(app: FastAPI) -> None:
    """Registers the handlers that turn every error into a problem response."""

    async def on_problem(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, Problem)
        return response(request, error)

    async def on_domain(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, DomainError)
        return response(request, from_domain(error))

    async def on_grpc(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, grpc.aio.AioRpcError)
        return response(request, from_grpc(error))

    async def on_update_failure(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, WorkflowUpdateFailedError)
        return response(request, from_update_failure(error))

    async def on_temporal_rpc(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RPCError)
        return response(request, from_temporal_rpc(error))

    async def on_temporal_timeout(request: Request, error: Exception) -> JSONResponse:
        return response(
            request, Unavailable("the workflow engine did not answer in time; try again shortly")
        )

    async def on_validation(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return response(request, from_validation(error))

    async def on_http(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        return response(request, _http_problem(error))

    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return response(request, Problem("an unexpected error occurred; it was logged"))

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(DomainError, on_domain)
    app.add_exception_handler(grpc.aio.AioRpcError, on_grpc)
    app.add_exception_handler(WorkflowUpdateFailedError, on_update_failure)
    app.add_exception_handler(RPCError, on_temporal_rpc)
    app.add_exception_handler(RPCTimeoutOrCancelledError, on_temporal_timeout)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


_DESCRIPTIONS = {
    401: "Not signed in, the token expired, or a signature password was wrong.",
    403: "The user lacks the role, or a rule such as separation of duties forbids the action.",
    404: "No such resource, or not one this user may see.",
    409: "The sample or test is not in a state that allows the action.",
    422: "The request is invalid; `errors` names each field.",
    502: "A laboratory service failed.",
    503: "A laboratory service or the workflow engine is not reachable; retry.",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error responses a route declares in the OpenAPI, each an RFC 9457 problem."""
    return {
        status: {"model": ProblemDetails, "description": _DESCRIPTIONS[status]}
        for status in statuses
    }


def fix_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Error responses are application/problem+json and FastAPI's default 422 is ours."""
    problem_ref = {"$ref": "#/components/schemas/ProblemDetails"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                if not status.isdigit() or int(status) < 400:
                    continue
                content = answer.setdefault("content", {})
                content.pop("application/json", None)
                content[MEDIA_TYPE] = {"schema": problem_ref}
                if status == "422":
                    answer["description"] = _DESCRIPTIONS[422]
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema
