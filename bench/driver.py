"""Drives samples through the gateway's REST API, as the roles of the lab would (async httpx)."""

from dataclasses import dataclass, field
from typing import Any

import httpx

from services.testing.demo_resources import INSTRUMENTS

ROLES = ("requester", "reception", "analyst", "reviewer", "approver")
PASSWORD = "lims-demo"
# The demo metformin specification has five tests, the size the benchmark's targets name.
PRODUCT = "METF-850-TAB"
# Raw values that conform to it, by test code.
VALUES = {
    "APPEARANCE": ["conforms"],
    "IDENTIFICATION": ["positive"],
    "ASSAY": ["99.2", "100.4"],
    "DISSOLUTION": ["88", "91", "86", "90", "93", "89"],
    "UNIFORMITY": [
        "99.5",
        "100.2",
        "101.0",
        "98.8",
        "100.6",
        "99.7",
        "100.1",
        "99.4",
        "100.9",
        "99.0",
    ],
}


def _ok(response: httpx.Response, status: int = 200) -> Any:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.url} -> {response.status_code}: {response.text}")
    return response.json()


class Gateway:
    """One logged-in HTTP client per role, shared by every sample."""

    def __init__(self, clients: dict[str, httpx.AsyncClient]) -> None:
        self.clients = clients

    @classmethod
    async def open(cls, base_url: str) -> "Gateway":
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        clients = {}
        for role in ROLES:
            async with httpx.AsyncClient(base_url=base_url) as anonymous:
                login = {"username": role, "password": PASSWORD}
                token = _ok(await anonymous.post("/api/v1/auth/token", data=login))["access_token"]
            clients[role] = httpx.AsyncClient(
                base_url=base_url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=120,
                limits=limits,
            )
        return cls(clients)

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def new_sample(self) -> "Sample":
        body = {
            "purpose": "market_surveillance",
            "samples": [
                {
                    "product_code": PRODUCT,
                    "batch_number": "BENCH-1",
                    "manufacturer": "Bench Pharma",
                    "quantity": "100",
                    "quantity_unit": "tablets",
                }
            ],
        }
        created = _ok(await self.clients["requester"].post("/api/v1/requests", json=body), 201)
        return Sample(self, created["samples"][0]["lab_number"])


@dataclass
class Sample:
    """One sample's walk through the lifecycle."""

    gateway: Gateway
    lab_number: str
    tests: dict[str, str] = field(default_factory=dict)  # test id -> code

    def _client(self, role: str) -> httpx.AsyncClient:
        return self.gateway.clients[role]

    async def receive_and_assign(self) -> None:
        received = _ok(
            await self._client("reception").post(
                f"/api/v1/samples/{self.lab_number}/receipt",
                json={"accepted": True, "condition": "intact", "quantity_received": "100"},
            )
        )
        self.tests = {t["test_id"]: t["code"] for t in received["tests"]}
        for test in received["tests"]:
            # The demo instrument of each technique: assignment is gated (testing resources).
            body = {"analyst": "analyst", "instrument": INSTRUMENTS.get(test["technique"], "")}
            _ok(
                await self._client("reviewer").post(
                    f"/api/v1/tests/{test['test_id']}/assignment", json=body
                )
            )

    async def submit(self, test_id: str) -> None:
        body = {"values": VALUES[self.tests[test_id]]}
        _ok(await self._client("analyst").post(f"/api/v1/tests/{test_id}/results", json=body))

    async def run_lifecycle(self) -> None:
        await self.receive_and_assign()
        for test_id in self.tests:
            await self.submit(test_id)
        for test_id in self.tests:
            body = {"decision": "accept", "password": PASSWORD}
            _ok(await self._client("reviewer").post(f"/api/v1/tests/{test_id}/review", json=body))
        body = {"password": PASSWORD, "meaning": "approved"}
        _ok(
            await self._client("approver").post(
                f"/api/v1/samples/{self.lab_number}/approval", json=body
            )
        )
