"""Retention, the signed and witnessed disposal, and notifications through the REST API, against
the real services, a Temporal dev server and the real worker (tests.support.gateway)."""

from collections.abc import AsyncIterator

import pytest
from temporalio.client import WorkflowExecutionStatus

from services.gateway.domain import DEMO_PASSWORD
from tests.support.gateway import Stack, full_stack, problem
from workflows.contracts import retention_workflow_id

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with full_stack(tmp_path_factory.mktemp("gateway-retention")) as running:
        yield running


def disposal(**fields: str) -> dict[str, str]:
    """A disposal by reception witnessed by quality, both passwords right; fields override."""
    return {
        "kind": "disposed",
        "remarks": "incinerated",
        "password": DEMO_PASSWORD,
        "witness": "quality",
        "witness_password": DEMO_PASSWORD,
        "reason": "cancelled by the requester",
    } | fields


async def test_a_retained_sample_is_disposed_of_with_two_signatures(stack: Stack) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    await stack.received(lab)
    path = f"/api/v1/samples/{lab}/custody"
    retained = await stack.ok(
        stack.post("reception", path, {"kind": "retained", "location_code": "RET-1"})
    )
    assert retained["retain_until"]  # expiry + 365 days
    shown = await stack.ok(stack.get("reception", f"/api/v1/samples/{lab}"))
    assert shown["retain_until"] == retained["retain_until"]
    reminder = stack.env.client.get_workflow_handle(retention_workflow_id(lab))
    assert (await reminder.describe()).status == WorkflowExecutionStatus.RUNNING
    again = await stack.post("reception", path, {"kind": "stored", "location_code": "R2"})
    assert again.status_code == 200
    await stack.ok(stack.post("reception", path, {"kind": "retained", "location_code": "RET-1"}))
    await stack.ok(
        stack.post("reception", f"/api/v1/samples/{lab}/cancel", {"reason": "withdrawn"})
    )

    unsigned = problem(await stack.post("reception", path, {"kind": "disposed"}), 422)
    assert [e["field"] for e in unsigned["errors"]] == ["password", "witness", "witness_password"]
    myself = problem(await stack.post("reception", path, disposal(witness="reception")), 422)
    assert myself["errors"][0]["field"] == "witness"
    wrong = await stack.post("reception", path, disposal(witness_password="nope"))
    assert "witness's password does not match" in problem(wrong, 401)["detail"]
    no_reason = problem(await stack.post("reception", path, disposal(reason="")), 422)
    assert (
        "reason: required to dispose of the sample before its retention ends"
        in (no_reason["detail"])
    )

    disposed = await stack.ok(stack.post("reception", path, disposal()))
    assert disposed["state"] == "disposed"
    event = disposed["events"][-1]
    assert (event["reason"], event["witness"]) == ("cancelled by the requester", "quality")
    assert [(s["username"], s["meaning"], s["intact"]) for s in event["signatures"]] == [
        ("reception", "authored", True),
        ("quality", "witnessed", True),
    ]
    assert event["signatures"][0]["record_kind"] == "sample_disposal"
    ended = await reminder.result()
    assert ended["disposed"] is True
    detail = await stack.ok(stack.get("reception", f"/api/v1/samples/{lab}"))
    assert detail["disposed_at"] == event["at"]
    due = await stack.ok(stack.get("reception", "/api/v1/disposals/due"))
    assert lab not in [s["lab_number"] for s in due]
    problem(await stack.get("requester", "/api/v1/disposals/due"), 403)


async def test_the_requester_is_notified_of_a_rejection_and_marks_it_read(stack: Stack) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    rejection = {"accepted": False, "reason": "seal broken"}
    await stack.ok(stack.post("reception", f"/api/v1/samples/{lab}/receipt", rejection))

    async def mine() -> list[dict[str, object]]:
        page = await stack.ok(stack.get("requester", "/api/v1/notifications"))
        return [n for n in page["items"] if n["lab_number"] == lab]

    for _ in range(100):  # written by the workflow once the lifecycle has ended
        if await mine():
            break
        await stack.env.sleep(0.05)
    [note] = await mine()
    assert note["subject"] == f"{lab} rejected at receipt"
    assert (note["link"], note["read_at"]) == (f"/samples/{lab}", None)
    problem(await stack.post("analyst", f"/api/v1/notifications/{note['id']}/read"), 404)
    read = await stack.ok(stack.post("requester", f"/api/v1/notifications/{note['id']}/read"))
    assert read["read_by"] == "requester"
    [after] = await mine()
    assert after["read_at"] == read["read_at"]
