"""Demo samples for the dashboard: on a fresh demo stack (no sample yet), drives a few samples
through the real lifecycle over the REST API, as the demo users would in the browser, so the KPI
dashboard shows real figures. Spread over the stages: released, in testing, received, on hold,
registered. Runs in the background after start; idempotent (does nothing once a sample exists)."""

from typing import Any

import httpx

from services.gateway.domain import DEMO_PASSWORD
from services.testing.demo_resources import INSTRUMENTS

API = "/api/v1"
# Results within the demo paracetamol's specification, per test code.
CONFORMING = {
    "APPEARANCE": ["conforms"],
    "IDENTIFICATION": ["positive"],
    "ASSAY": ["99.6", "100.1"],
    "DISSOLUTION": ["93", "95", "91", "94", "96", "92"],
    "UNIFORMITY": [
        "99.1",
        "100.4",
        "101.2",
        "98.7",
        "100.0",
        "99.5",
        "100.8",
        "99.9",
        "100.3",
        "98.9",
    ],
    "RELATED": ["0.03"],
}
# (purpose, manufacturer, batches): one request each.
REQUESTS = (
    ("market_surveillance", "Laprophan", ("DEMO-PMS-1", "DEMO-PMS-2", "DEMO-PMS-3")),
    ("batch_release", "Cooper Pharma", ("DEMO-BR-1", "DEMO-BR-2")),
    ("complaint", "Sothema", ("DEMO-CP-1",)),
)


class Demo:
    """The demo users' sessions on one gateway."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}

    def _headers(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            answer = self.client.post(
                f"{API}/auth/token", data={"username": user, "password": DEMO_PASSWORD}
            )
            answer.raise_for_status()
            self.tokens[user] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, user: str, path: str) -> Any:
        """GET as `user`; the JSON answer."""
        answer = self.client.get(f"{API}{path}", headers=self._headers(user))
        answer.raise_for_status()
        return answer.json()

    def post(self, user: str, path: str, body: Any) -> Any:
        """POST as `user`; the JSON answer (raises on a refusal)."""
        answer = self.client.post(f"{API}{path}", json=body, headers=self._headers(user))
        if answer.status_code >= 400:
            raise RuntimeError(f"POST {path} as {user}: {answer.status_code} {answer.text}")
        return answer.json()


def _request(demo: Demo, purpose: str, manufacturer: str, batches: tuple[str, ...]) -> list[str]:
    body = {
        "purpose": purpose,
        "requester_organisation": "Direction du Médicament et de la Pharmacie",
        "samples": [
            {
                "product_code": "PARA-500-TAB",
                "batch_number": batch,
                "manufacturer": manufacturer,
                "expiry_date": "2028-02-29",
                "quantity": "100",
                "quantity_unit": "tablets",
            }
            for batch in batches
        ],
    }
    created = demo.post("requester", "/requests", body)
    return [sample["lab_number"] for sample in created["samples"]]


def _receive(demo: Demo, lab: str) -> list[dict[str, Any]]:
    body = {"accepted": True, "condition": "intact, sealed", "quantity_received": "100"}
    tests: list[dict[str, Any]] = demo.post("reception", f"/samples/{lab}/receipt", body)["tests"]
    return tests


def _assign(demo: Demo, tests: list[dict[str, Any]]) -> None:
    for test in tests:
        body = {"analyst": "analyst"}
        if INSTRUMENTS.get(test["technique"]):
            body["instrument"] = INSTRUMENTS[test["technique"]]
        demo.post("reviewer", f"/tests/{test['test_id']}/assignment", body)


def _release(demo: Demo, lab: str, tests: list[dict[str, Any]]) -> None:
    for test in tests:
        demo.post(
            "analyst", f"/tests/{test['test_id']}/results", {"values": CONFORMING[test["code"]]}
        )
    for test in tests:
        body = {"decision": "accept", "password": DEMO_PASSWORD}
        demo.post("reviewer", f"/tests/{test['test_id']}/review", body)
    demo.post("approver", f"/samples/{lab}/approval", {"password": DEMO_PASSWORD})


def seed(base_url: str) -> int:
    """Drives the demo samples through the lifecycle unless samples exist; how many it made."""
    with httpx.Client(base_url=base_url, timeout=60.0) as client:
        demo = Demo(client)
        if demo.get("admin", "/samples?page_size=1")["total"]:
            return 0
        labs = [lab for spec in REQUESTS for lab in _request(demo, *spec)]
        pms1, pms2, pms3, br1, _br2, complaint = labs
        for lab in (pms1, pms2, br1):
            tests = _receive(demo, lab)
            _assign(demo, tests)
            _release(demo, lab, tests)
        _assign(demo, _receive(demo, pms3))  # in testing
        _receive(demo, complaint)  # received, awaiting assignment
        demo.post(
            "quality",
            f"/samples/{complaint}/hold",
            {"reason": "awaiting the complainant's reference sample"},
        )
        return len(labs)  # br2 stays registered
