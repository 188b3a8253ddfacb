"""The gateway application inside the test's event loop, called through httpx without a socket;
alone, or in front of the real services, a Temporal dev server and the real worker."""

import socket
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from kernel.db import Database
from kernel.settings import Settings
from services.gateway import main
from services.gateway.app import create_app
from services.gateway.domain import DEMO_PASSWORD, DEMO_USERS
from tests.support.api import PARACETAMOL_CONFORMING, paracetamol_sample
from tests.support.databases import sqlite_url
from tests.support.resources import assignment
from tests.support.services import running_services
from workflows.contracts import SEARCH_ATTRIBUTES
from workflows.worker import build_worker


def nowhere() -> str:
    """An address where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def alone(database_url: str, directory: Path) -> Settings:
    """Settings of a gateway whose services and Temporal are nowhere (identity tests)."""
    return Settings(
        var_dir=directory,
        demo=True,
        gateway_database_url=database_url,
        intake_address=nowhere(),
        testing_address=nowhere(),
        review_address=nowhere(),
        reporting_address=nowhere(),
        temporal_address=nowhere(),
    )


async def prepare(settings: Settings) -> None:
    """Migrates and seeds the gateway's database, as `python -m services.gateway.main` does."""
    db = Database(settings.database_url("gateway"))
    try:
        await main.setup(db, settings)
    finally:
        await db.dispose()


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Runs the app's lifespan and yields a client that calls it directly."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway", timeout=60
        ) as client:
            yield client


@asynccontextmanager
async def gateway(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A prepared gateway for `settings`, served in-process."""
    await prepare(settings)
    async with serving(create_app(settings)) as client:
        yield client


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD
) -> dict[str, str]:
    """The Authorization header of a fresh session of `username`."""
    answer = await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    """The problem body of an error answer, once its status and media type are checked."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    assert body["status"] == status
    return body


@dataclass
class Stack:
    """The gateway's client, one session per demo user, and what stands behind the gateway."""

    client: httpx.AsyncClient
    sessions: dict[str, dict[str, str]]
    env: WorkflowEnvironment
    settings: Settings
    app: FastAPI

    async def get(self, user: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(path, headers=self.sessions[user], **kwargs)

    async def post(self, user: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        headers = self.sessions[user] | kwargs.pop("headers", {})
        return await self.client.post(path, json=body, headers=headers, **kwargs)

    async def ok(self, pending: Awaitable[httpx.Response], status: int = 200) -> Any:
        """The JSON body of the answer, once its status is checked (the problem shown if not)."""
        answer = await pending
        assert answer.status_code == status, (
            f"{answer.request.method} {answer.request.url} -> {answer.status_code}: {answer.text}"
        )
        return answer.json()

    async def create(self, user: str = "requester", **overrides: Any) -> Any:
        body = {
            "purpose": "market_surveillance",
            "requester_organisation": "Direction du Médicament — Inspection",
            "external_reference": "PMS-2026-017",
            "samples": [paracetamol_sample()],
        } | overrides
        return await self.ok(self.post(user, "/api/v1/requests", body), 201)

    async def received(self, lab: str) -> Any:
        body = {"accepted": True, "condition": "intact, sealed", "quantity_received": "60"}
        return await self.ok(self.post("reception", f"/api/v1/samples/{lab}/receipt", body))

    async def released(self, lab: str) -> Any:
        """Takes a registered paracetamol sample to release with conforming results."""
        tests = (await self.received(lab))["tests"]
        for test in tests:
            path = f"/api/v1/tests/{test['test_id']}"
            await self.ok(self.post("reviewer", f"{path}/assignment", assignment("analyst", test)))
        for test in tests:
            values = {"values": PARACETAMOL_CONFORMING[test["code"]]}
            await self.ok(self.post("analyst", f"/api/v1/tests/{test['test_id']}/results", values))
        review = {"decision": "accept", "password": DEMO_PASSWORD}
        for test in tests:
            await self.ok(self.post("reviewer", f"/api/v1/tests/{test['test_id']}/review", review))
        approval = {"password": DEMO_PASSWORD}
        return await self.ok(self.post("approver", f"/api/v1/samples/{lab}/approval", approval))


@asynccontextmanager
async def full_stack(
    directory: Path, settings_update: dict[str, Any] | None = None
) -> AsyncIterator[Stack]:
    """Temporal dev server, the four services, the worker and the gateway, all in this process;
    every demo user signed in. `settings_update` changes the worker's and gateway's settings."""
    temporal = Path(sys.executable).parent / "temporal"
    async with (
        await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(temporal), search_attributes=SEARCH_ATTRIBUTES
        ) as env,
        running_services(directory, task_queue=f"gateway-{uuid.uuid4().hex[:8]}") as services,
    ):
        settings = services.settings.model_copy(
            update={
                "temporal_address": env.client.service_client.config.target_host,
                "gateway_database_url": sqlite_url(directory, "gateway"),
            }
            | (settings_update or {})
        )
        await prepare(settings)
        app = create_app(settings)
        async with build_worker(env.client, settings, services.channels), serving(app) as client:
            sessions = {user: await sign_in(client, user) for user, _, _ in DEMO_USERS}
            yield Stack(client, sessions, env, settings, app)
