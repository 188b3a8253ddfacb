"""A small REST client for end-to-end tests: one logged-in httpx client per demo user."""

from functools import cached_property
from typing import Any

import httpx

from deploy.local.demo_samples import CONFORMING
from tests.support.resources import assignment

DEMO_PASSWORD = "lims-demo"


class Api:
    """The gateway's REST API as one user sees it."""

    def __init__(self, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
        self.base_url = base_url
        self.username = username
        self.password = password

    @cached_property
    def client(self) -> httpx.Client:
        answer = httpx.post(
            f"{self.base_url}/api/v1/auth/token",
            data={"username": self.username, "password": self.password},
            timeout=10,
        )
        answer.raise_for_status()
        token = answer.json()["access_token"]
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.client.post(path, json=json, **kwargs)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        """The JSON body, after checking the status (the problem detail is shown if it differs)."""
        assert response.status_code == status, (
            f"{response.request.method} {response.request.url} -> {response.status_code}: "
            f"{response.text}"
        )
        return response.json()

    # The core flow, one method per REST call of DESIGN §6.

    def create_request(self, **overrides: Any) -> Any:
        body = {
            "purpose": "market_surveillance",
            "priority": "routine",
            "requester_organisation": "Direction du Médicament — Inspection",
            "external_reference": "PMS-2026-017",
            "samples": [paracetamol_sample()],
        }
        body.update(overrides)
        return self.ok(self.post("/api/v1/requests", body), 201)

    def sample(self, lab_number: str) -> Any:
        return self.ok(self.get(f"/api/v1/samples/{lab_number}"))

    def receive(self, lab_number: str, **body: Any) -> httpx.Response:
        body = {"accepted": True, "condition": "intact, sealed", "quantity_received": "60"} | body
        return self.post(f"/api/v1/samples/{lab_number}/receipt", body)

    def assign(self, test_id: str, analyst: str) -> httpx.Response:
        """Assigns with the demo instrument of the test's technique (gating needs one)."""
        test = self.ok(self.get(f"/api/v1/tests/{test_id}"))
        return self.post(f"/api/v1/tests/{test_id}/assignment", assignment(analyst, test))

    def submit(self, test_id: str, values: list[str], remarks: str = "") -> httpx.Response:
        return self.post(f"/api/v1/tests/{test_id}/results", {"values": values, "remarks": remarks})

    def review(self, test_id: str, decision: str = "accept", reason: str = "") -> httpx.Response:
        body = {"decision": decision, "reason": reason, "password": self.password}
        return self.post(f"/api/v1/tests/{test_id}/review", body)

    def approve(self, lab_number: str) -> httpx.Response:
        body = {"password": self.password, "meaning": "approved"}
        return self.post(f"/api/v1/samples/{lab_number}/approval", body)


def paracetamol_sample(**overrides: Any) -> dict[str, Any]:
    """A sample of the demo product "Paracetamol 500 mg tablets"."""
    return {
        "product_code": "PARA-500-TAB",
        "batch_number": "PT24117",
        "manufacturer": "Laprophan",
        "manufacture_date": "2025-03-01",
        "expiry_date": "2028-02-29",
        "quantity": "100",
        "quantity_unit": "tablets",
    } | overrides


# Raw values that conform to the paracetamol tablets specification, by test code (the same the
# demo drives through its lifecycle).
PARACETAMOL_CONFORMING = CONFORMING
