"""Every error becomes one RFC 9457 problem, with one status per kind of error."""

import grpc
import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from kernel import errors
from services.gateway import problems
from services.gateway.schemas import RequestIn
from workflows.contracts import ErrorType


def rpc_error(code: grpc.StatusCode, details: str) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, 422),
        (grpc.StatusCode.NOT_FOUND, 404),
        (grpc.StatusCode.FAILED_PRECONDITION, 409),
        (grpc.StatusCode.ALREADY_EXISTS, 409),
        (grpc.StatusCode.PERMISSION_DENIED, 403),
        (grpc.StatusCode.UNAVAILABLE, 503),
        (grpc.StatusCode.DEADLINE_EXCEEDED, 503),
        (grpc.StatusCode.INTERNAL, 502),
        (grpc.StatusCode.UNKNOWN, 502),
    ],
)
def test_grpc_status_maps_to_one_http_status(code: grpc.StatusCode, status: int) -> None:
    assert problems.from_grpc(rpc_error(code, "why")).status == status


def test_service_refusal_keeps_its_message_and_names_the_field() -> None:
    problem = problems.from_grpc(
        rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "quantity: must be a positive decimal")
    )
    assert problem.detail == "quantity: must be a positive decimal"
    assert problem.errors is not None
    assert [(e.field, e.message) for e in problem.errors] == [
        ("quantity", "must be a positive decimal")
    ]
    refused = problems.from_grpc(rpc_error(grpc.StatusCode.PERMISSION_DENIED, "separation"))
    assert refused.detail == "separation"


def test_internal_service_failure_shows_no_internals() -> None:
    problem = problems.from_grpc(rpc_error(grpc.StatusCode.INTERNAL, "Traceback: secret path"))
    assert "secret" not in problem.detail


@pytest.mark.parametrize(
    ("error_type", "status"),
    [
        (ErrorType.INVALID_ARGUMENT, 422),
        (ErrorType.NOT_FOUND, 404),
        (ErrorType.FAILED_PRECONDITION, 409),
        (ErrorType.PERMISSION_DENIED, 403),
    ],
)
def test_refused_update_maps_by_its_error_type(error_type: ErrorType, status: int) -> None:
    cause = ApplicationError("not your result: separation of duties", type=error_type)
    problem = problems.from_update_failure(WorkflowUpdateFailedError(cause))
    assert (problem.status, problem.detail) == (status, "not your result: separation of duties")


def test_update_failing_for_another_reason_is_a_bad_gateway() -> None:
    odd = problems.from_update_failure(WorkflowUpdateFailedError(ApplicationError("x", type="Odd")))
    assert odd.status == 502
    assert problems.from_update_failure(WorkflowUpdateFailedError(RuntimeError("x"))).status == 502


def test_temporal_down_is_unavailable() -> None:
    down = RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")
    assert problems.from_temporal_rpc(down).status == 503
    odd = RPCError("bad", RPCStatusCode.INTERNAL, b"")
    assert problems.from_temporal_rpc(odd).status == 502


def test_domain_error_maps_like_its_grpc_code() -> None:
    assert problems.from_domain(errors.AlreadyExists("username: taken")).status == 409
    assert problems.from_domain(errors.NotFound("no user")).status == 404
    invalid = problems.from_domain(errors.InvalidArgument("roles: give at least one role"))
    assert invalid.status == 422
    assert invalid.errors is not None and invalid.errors[0].field == "roles"


class Echo(BaseModel):
    count: int = Field(ge=1)


def tiny_app() -> FastAPI:
    app = FastAPI()
    problems.install(app)

    @app.post("/requests")
    async def create(body: RequestIn) -> dict[str, str]:
        return {}

    @app.get("/echo")
    async def echo(count: int = 1) -> Echo:
        return Echo(count=count)

    @app.get("/refused")
    async def refused() -> None:
        raise problems.Forbidden("this action needs the role 'reviewer'")

    @app.get("/unauthenticated")
    async def unauthenticated() -> None:
        raise problems.Unauthenticated("sign in first")

    @app.get("/service-down")
    async def service_down() -> None:
        raise rpc_error(grpc.StatusCode.UNAVAILABLE, "connect failed")

    @app.get("/bug")
    async def bug() -> None:
        raise ZeroDivisionError("oops")

    return app


async def call(method: str, path: str, **kwargs: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=tiny_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        return await client.request(method, path, **kwargs)  # type: ignore[arg-type]


def assert_problem(answer: httpx.Response, status: int) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = answer.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == status
    return body


async def test_invalid_body_names_each_field_with_its_path() -> None:
    sample = {"product_code": "P", "batch_number": "B", "quantity": "-3", "quantity_unit": "u"}
    answer = await call("POST", "/requests", json={"purpose": "holiday", "samples": [sample]})
    body = assert_problem(answer, 422)
    assert body["instance"] == "/requests"
    fields = {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert fields == {"purpose", "samples[0].quantity"}
    assert "samples[0].quantity" in str(body["detail"])


async def test_malformed_json_is_a_validation_problem() -> None:
    answer = await call(
        "POST", "/requests", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(answer, 422)


async def test_bad_query_parameter_is_named() -> None:
    body = assert_problem(await call("GET", "/echo", params={"count": "many"}), 422)
    assert [e["field"] for e in body["errors"]] == ["count"]  # type: ignore[attr-defined]


async def test_gateway_problems_carry_their_status() -> None:
    body = assert_problem(await call("GET", "/refused"), 403)
    assert body["detail"] == "this action needs the role 'reviewer'"
    answer = await call("GET", "/unauthenticated")
    assert_problem(answer, 401)
    assert answer.headers["www-authenticate"] == "Bearer"
    assert_problem(await call("GET", "/service-down"), 503)


async def test_unknown_route_and_wrong_method_are_problems_too() -> None:
    assert_problem(await call("GET", "/nowhere"), 404)
    assert_problem(await call("DELETE", "/echo"), 405)


async def test_a_bug_is_a_500_problem_without_internals() -> None:
    body = assert_problem(await call("GET", "/bug"), 500)
    assert "oops" not in str(body["detail"])
