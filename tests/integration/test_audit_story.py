"""The audit trail of one sample, from request to release, read as the quality manager reads it.

Runs the whole system in this process (tests.support.gateway.full_stack: Temporal dev server, the
four services, the worker, the gateway; SQLite files)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.api import PARACETAMOL_CONFORMING
from tests.support.gateway import Stack, full_stack
from tests.support.resources import assignment

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with full_stack(tmp_path_factory.mktemp("audit-story")) as running:
        yield running


async def release(stack: Stack, lab: str) -> None:
    """Receipt, assignment, results, review and approval, each by its own user."""
    received = (await stack.received(lab))["tests"]
    tests = {test["code"]: f"/api/v1/tests/{test['test_id']}" for test in received}
    for test in received:
        path = tests[test["code"]]
        await stack.ok(stack.post("reviewer", f"{path}/assignment", assignment("analyst", test)))
    for code, path in tests.items():
        values = {"values": PARACETAMOL_CONFORMING[code]}
        await stack.ok(stack.post("analyst", f"{path}/results", values))
    review = {"decision": "accept", "password": "lims-demo"}
    for path in tests.values():  # the sample is in review once every result is in
        await stack.ok(stack.post("reviewer", f"{path}/review", review))
    await stack.ok(
        stack.post("approver", f"/api/v1/samples/{lab}/approval", {"password": "lims-demo"})
    )


async def story(stack: Stack, lab: str) -> list[dict[str, Any]]:
    params = {"related_to": lab, "order": "oldest", "page_size": 500}
    page = await stack.ok(stack.get("quality", "/api/v1/audit", params=params))
    items: list[dict[str, Any]] = page["items"]
    return items


async def test_a_released_samples_trail_tells_its_story_from_request_to_release(
    stack: Stack,
) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    await release(stack, lab)
    for _ in range(100):  # the certificate is issued by the workflow after the approval
        entries = await story(stack, lab)
        if any(e["service"] == "reporting" for e in entries):
            break
        await asyncio.sleep(0.1)
    steps = [(e["service"], e["action"], e["username"]) for e in entries]
    assert steps[:2] == [
        ("intake", "request_created", "requester"),
        ("intake", "sample_registered", "requester"),
    ]
    assert ("intake", "sample_received", "reception") in steps
    assert ("testing", "test_plan_created", "reception") in steps
    tests = len(PARACETAMOL_CONFORMING)
    by_action = [(service, action) for service, action, _ in steps]
    assert by_action.count(("testing", "test_planned")) == tests
    assert {(s, a, u) for s, a, u in steps if s == "review" and a == "signed"} == {
        ("review", "signed", "reviewer"),
        ("review", "signed", "approver"),
    }
    assert by_action.count(("review", "signed")) == tests + 1
    assert [s for s in steps if s[0] == "reporting"] == [("reporting", "issued", "approver")]
    assert {service for service, _, _ in steps} == {"intake", "testing", "review", "reporting"}
    last_status = [e for e in entries if e["action"] == "status_changed"][-1]
    assert '"status":"released"' in last_status["new_value"], last_status
    verified = await stack.ok(stack.get("quality", "/api/v1/audit/verify"))
    assert verified["intact"] is True
