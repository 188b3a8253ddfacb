"""Identity, roles and refusals at the gateway, before any service is involved.

The services and Temporal are addresses where nothing listens: every answer here comes from
the gateway itself (a call that reached a service would be a 503)."""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from kernel.settings import Settings
from services.gateway.auth import issue_token, load_secret
from tests.support.gateway import alone, gateway, problem, sign_in

DEMO = {
    "requester": ["requester"],
    "reception": ["reception"],
    "analyst": ["analyst"],
    "analyst2": ["analyst"],
    "reviewer": ["analyst", "reviewer"],
    "approver": ["approver"],
    "quality": ["quality"],
    "admin": ["admin"],
}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return alone(database_url, tmp_path)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(settings) as client:
        yield client


async def test_health_answers_without_signing_in(client: httpx.AsyncClient) -> None:
    answer = await client.get("/healthz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


async def test_every_demo_user_signs_in_and_is_who_the_token_says(
    client: httpx.AsyncClient,
) -> None:
    for username, roles in DEMO.items():
        answer = await client.post(
            "/api/v1/auth/token", data={"username": username, "password": "lims-demo"}
        )
        assert answer.status_code == 200, answer.text
        token = answer.json()
        assert token["token_type"] == "bearer"
        assert token["expires_in"] == 480 * 60
        assert token["user"]["username"] == username
        assert sorted(token["user"]["roles"]) == roles
        me = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"}
        )
        assert me.json()["username"] == username
        assert sorted(me.json()["roles"]) == roles
    assert (await client.get("/api/v1/me", headers=await sign_in(client, "reviewer"))).json()[
        "full_name"
    ] == "Nadia Berrada"


async def test_wrong_password_and_unknown_user_get_the_same_401(
    client: httpx.AsyncClient,
) -> None:
    wrong = await client.post(
        "/api/v1/auth/token", data={"username": "analyst", "password": "guess"}
    )
    unknown = await client.post(
        "/api/v1/auth/token", data={"username": "nobody", "password": "lims-demo"}
    )
    assert problem(wrong, 401)["detail"] == problem(unknown, 401)["detail"]
    assert wrong.headers["www-authenticate"] == "Bearer"
    missing = await client.post("/api/v1/auth/token", data={"username": "analyst"})
    body = problem(missing, 422)
    assert [e["field"] for e in body["errors"]] == ["password"]


async def test_calls_without_a_valid_token_are_401(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    expired, _ = issue_token(
        load_secret(settings),
        username="quality",
        full_name="Leila Chraibi",
        roles=["quality"],
        ttl=timedelta(seconds=-1),
    )
    for headers in (
        {},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": f"Bearer {expired}"},
    ):
        for path in ("/api/v1/me", "/api/v1/samples", "/api/v1/products", "/api/v1/tests"):
            problem(await client.get(path, headers=headers), 401)
    problem(await client.post("/api/v1/requests", json={}), 401)


async def test_wrong_role_is_403_naming_the_role_needed(client: httpx.AsyncClient) -> None:
    analyst = await sign_in(client, "analyst")
    requester = await sign_in(client, "requester")
    body = {"purpose": "complaint", "samples": []}
    refused = problem(await client.post("/api/v1/requests", json=body, headers=analyst), 403)
    assert "'requester'" in str(refused["detail"]) and "'reception'" in str(refused["detail"])
    receipt = await client.post(
        "/api/v1/samples/LNCM-2026-00001/receipt", json={"accepted": True}, headers=analyst
    )
    assert problem(receipt, 403)["detail"] == "this action needs the role 'reception'"
    review = await client.post(
        "/api/v1/tests/LNCM-2026-00001-01/review",
        json={"decision": "accept", "password": "lims-demo"},
        headers=analyst,
    )
    assert problem(review, 403)["detail"] == "this action needs the role 'reviewer'"
    problem(await client.get("/api/v1/tests", headers=requester), 403)
    problem(
        await client.post(
            "/api/v1/samples/LNCM-2026-00001/approval", json={"password": "x"}, headers=analyst
        ),
        403,
    )
    hold = await client.post(
        "/api/v1/samples/LNCM-2026-00001/hold", json={"reason": "r"}, headers=requester
    )
    problem(hold, 403)


async def test_invalid_input_is_422_before_any_service_is_called(
    client: httpx.AsyncClient,
) -> None:
    reception = await sign_in(client, "reception")
    reviewer = await sign_in(client, "reviewer")
    lab = "/api/v1/samples/LNCM-2026-00001"
    cases = [
        (
            reception,
            f"{lab}/receipt",
            {"accepted": True, "condition": "intact"},
            "quantity_received",
        ),
        (reception, f"{lab}/receipt", {"accepted": False}, "reason"),
        (reception, f"{lab}/cancel", {"reason": "  "}, "reason"),
        (
            reviewer,
            "/api/v1/tests/LNCM-2026-00001-01/review",
            {"decision": "send_back", "password": "lims-demo"},
            "reason",
        ),
        (
            reviewer,
            "/api/v1/tests/LNCM-2026-00001-01/assignment",
            {"analyst": "approver"},
            "analyst",
        ),
        (reviewer, "/api/v1/tests/LNCM-2026-00001-01/assignment", {"analyst": "ghost"}, "analyst"),
        (reception, "/api/v1/requests", {"purpose": "complaint", "samples": []}, "samples"),
    ]
    for headers, path, body, field in cases:
        refused = problem(await client.post(path, json=body, headers=headers), 422)
        assert field in {e["field"] for e in refused["errors"]}, (path, body, refused)
    listing = await client.get("/api/v1/samples", params={"page_size": 501}, headers=reception)
    problem(listing, 422)
    status = await client.get("/api/v1/samples", params={"status": "lost"}, headers=reception)
    problem(status, 422)


async def test_unreachable_services_and_workflow_engine_are_503(
    client: httpx.AsyncClient,
) -> None:
    reviewer = await sign_in(client, "reviewer")
    problem(await client.get("/api/v1/products", headers=reviewer), 503)
    problem(await client.get("/api/v1/samples/LNCM-2026-00001", headers=reviewer), 503)
    hold = await client.post(
        "/api/v1/samples/LNCM-2026-00001/hold",
        json={"reason": "pending a standard"},
        headers=reviewer,
    )
    problem(hold, 503)


async def test_a_wrong_signature_password_is_401_and_nothing_is_sent(
    client: httpx.AsyncClient,
) -> None:
    # Temporal is unreachable: reaching it would be a 503, so the 401 comes first.
    reviewer = await sign_in(client, "reviewer")
    answer = await client.post(
        "/api/v1/tests/LNCM-2026-00001-01/review",
        json={"decision": "accept", "password": "not-my-password"},
        headers=reviewer,
    )
    body = problem(answer, 401)
    assert body["type"] == "/problems/signature-refused"


async def test_admin_manages_users_and_staff_see_who_can_analyse(
    client: httpx.AsyncClient,
) -> None:
    admin = await sign_in(client, "admin")
    new = {
        "username": "analyst3",
        "full_name": "Omar Lahlou",
        "password": "a long password",
        "roles": ["analyst"],
        "reason": "new hire",
    }
    created = await client.post("/api/v1/users", json=new, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json() == {
        "username": "analyst3",
        "full_name": "Omar Lahlou",
        "roles": ["analyst"],
        "active": True,
        "locked_until": None,
    }
    problem(await client.post("/api/v1/users", json=new, headers=admin), 409)
    omar = await sign_in(client, "analyst3", "a long password")
    problem(await client.post("/api/v1/users", json=new | {"username": "x2"}, headers=omar), 403)
    analysts = await client.get("/api/v1/users", params={"role": "analyst"}, headers=omar)
    assert [u["username"] for u in analysts.json()] == [
        "analyst",
        "analyst2",
        "analyst3",
        "reviewer",
    ]
    patched = await client.patch(
        "/api/v1/users/analyst3", json={"active": False, "reason": "left the lab"}, headers=admin
    )
    assert patched.json()["active"] is False
    gone = await client.post(
        "/api/v1/auth/token", data={"username": "analyst3", "password": "a long password"}
    )
    problem(gone, 401)
    problem(
        await client.patch(
            "/api/v1/users/ghost", json={"active": False, "reason": "r"}, headers=admin
        ),
        404,
    )


async def test_openapi_declares_every_error_as_a_problem(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert "ProblemDetails" in schema["components"]["schemas"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path in ("/api/v1/requests", "/api/v1/tests/{test_id}/review"):
        responses = schema["paths"][path]["post"]["responses"]
        assert {"401", "403", "422"} <= set(responses)
        for status, answer in responses.items():
            if int(status) >= 400:
                assert list(answer["content"]) == ["application/problem+json"], (path, status)
    request_body = schema["components"]["schemas"]["NewSampleIn"]["properties"]
    assert request_body["expiry_date"]["description"]
    assert (await client.get("/docs")).status_code == 200
