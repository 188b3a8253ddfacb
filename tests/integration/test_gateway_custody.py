"""The chain of custody and storage locations through the REST API, against the real services,
a Temporal dev server and the real worker (tests.support.gateway.full_stack, demo data on)."""

from collections.abc import AsyncIterator

import pytest

from services.gateway.domain import DEMO_PASSWORD
from services.intake import demo
from tests.support.gateway import Stack, full_stack, problem

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with full_stack(tmp_path_factory.mktemp("gateway-custody")) as running:
        yield running


async def test_reception_stores_a_received_sample_and_hands_it_to_an_analyst(stack: Stack) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    path = f"/api/v1/samples/{lab}/custody"
    early = await stack.post("reception", path, {"kind": "stored", "location_code": "R2"})
    assert "custody starts at receipt" in problem(early, 409)["detail"]
    await stack.received(lab)

    headers = {"Idempotency-Key": "store-once"}
    body = {"kind": "stored", "location_code": "r2", "remarks": "shelf 3"}
    for _ in range(2):  # a retried call records the movement once
        stored = await stack.ok(stack.post("reception", path, body, headers=headers))
    assert (stored["state"], stored["location"]["code"]) == ("in_storage", "R2")
    assert stored["location"]["conditions"] == "2–8 °C"
    assert len(stored["events"]) == 1
    event = stored["events"][0]
    assert (event["kind"], event["actor"]["username"], event["remarks"]) == (
        "stored",
        "reception",
        "shelf 3",
    )

    stranger = await stack.post("reception", path, {"kind": "handed_to_analyst", "handed_to": "x"})
    assert problem(stranger, 422)["errors"] == [
        {"field": "handed_to", "message": "'x' is not an active user with the role 'analyst'"}
    ]
    handed = await stack.ok(
        stack.post("reception", path, {"kind": "handed_to_analyst", "handed_to": "analyst"})
    )
    assert (handed["state"], handed["holder"], handed["location"]) == (
        "with_analyst",
        "analyst",
        None,
    )
    busy = await stack.post("reception", path, {"kind": "stored", "location_code": "C1"})
    assert problem(busy, 409)["detail"].endswith(
        "the sample is with analyst; record its return first"
    )
    returned = await stack.ok(stack.post("analyst", path, {"kind": "returned"}))
    assert returned["events"][-1]["actor"]["username"] == "analyst"

    shown = await stack.ok(stack.get("quality", path))
    assert [e["kind"] for e in shown["events"]] == ["stored", "handed_to_analyst", "returned"]
    assert shown["state"] == "returned"


async def test_bad_movements_are_refused_with_field_names(stack: Stack) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    await stack.received(lab)
    path = f"/api/v1/samples/{lab}/custody"

    no_place = problem(await stack.post("reception", path, {"kind": "stored"}), 422)
    assert [e["field"] for e in no_place["errors"]] == ["location_code"]
    bad_kind = problem(await stack.post("reception", path, {"kind": "lost"}), 422)
    assert [e["field"] for e in bad_kind["errors"]] == ["kind"]
    nowhere = await stack.post("reception", path, {"kind": "stored", "location_code": "NOPE"})
    assert problem(nowhere, 404)["detail"] == "location_code: no storage location NOPE"
    witnessed = await stack.post(
        "reception", path, {"kind": "stored", "location_code": "R2", "witness": "quality"}
    )
    assert problem(witnessed, 422)["errors"] == [
        {"field": "witness", "message": "only a disposal is witnessed"}
    ]
    signed = {"password": DEMO_PASSWORD, "witness": "quality", "witness_password": DEMO_PASSWORD}
    too_early = await stack.post("reception", path, {"kind": "disposed"} | signed)
    assert "once its lifecycle has ended" in problem(too_early, 409)["detail"]

    problem(await stack.post("approver", path, {"kind": "returned"}), 403)
    problem(await stack.get("requester", path), 403)
    problem(await stack.get("reception", "/api/v1/samples/LNCM-1999-00001/custody"), 404)
    empty = await stack.ok(stack.get("reception", path))
    assert (empty["state"], empty["events"]) == ("at_reception", [])


async def test_the_admin_manages_storage_locations(stack: Stack) -> None:
    listed = await stack.ok(stack.get("reception", "/api/v1/storage-locations"))
    assert {loc["code"] for loc in listed} >= {code for code, _, _ in demo.LOCATIONS}

    body = {"code": "f3", "name": "Congélateur F3", "conditions": "≤ −70 °C"}
    created = await stack.ok(stack.post("admin", "/api/v1/storage-locations", body), 201)
    assert (created["code"], created["active"]) == ("F3", True)
    clash = await stack.post("admin", "/api/v1/storage-locations", body | {"name": "Autre"})
    assert problem(clash, 409)["detail"] == "code: a storage location F3 exists already"
    bad = await stack.post("admin", "/api/v1/storage-locations", {"code": "f 3", "name": ""})
    assert {e["field"] for e in problem(bad, 422)["errors"]} == {"code", "name", "conditions"}
    problem(await stack.post("reception", "/api/v1/storage-locations", body), 403)

    retired = await stack.ok(
        stack.client.patch(
            "/api/v1/storage-locations/F3",
            json={"active": False, "reason": "decommissioned"},
            headers=stack.sessions["admin"],
        )
    )
    assert (retired["active"], retired["name"]) == (False, "Congélateur F3")
    in_use = await stack.ok(stack.get("reception", "/api/v1/storage-locations"))
    assert "F3" not in {loc["code"] for loc in in_use}
    every = await stack.ok(
        stack.get("admin", "/api/v1/storage-locations", params={"include_inactive": True})
    )
    assert "F3" in {loc["code"] for loc in every}

    lab = (await stack.create())["samples"][0]["lab_number"]
    await stack.received(lab)
    refused = await stack.post(
        "reception", f"/api/v1/samples/{lab}/custody", {"kind": "stored", "location_code": "F3"}
    )
    assert problem(refused, 409)["detail"].startswith("location_code: F3 is no longer in use")
