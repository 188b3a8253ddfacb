"""Requests and samples through the REST API: registration, idempotency, who sees what, 404s.

Runs against the real services, a Temporal dev server and the real worker, started once for the
module (tests.support.gateway.full_stack; SQLite files: the gateway's database on PostgreSQL is
covered by test_gateway_identity). Each test makes its own samples."""

import uuid
from collections.abc import AsyncIterator
from datetime import date

import pytest

from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from tests.support.api import PARACETAMOL_CONFORMING, paracetamol_sample
from tests.support.gateway import Stack, full_stack, problem
from workflows.contracts import LAB_NUMBER, REQUEST_TYPE, SAMPLE_STATUS, sample_workflow_id

pytestmark = pytest.mark.timeout(600)

YEAR = date.today().year


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with full_stack(tmp_path_factory.mktemp("gateway-requests")) as running:
        yield running


async def test_a_request_registers_its_samples_and_starts_their_lifecycles(stack: Stack) -> None:
    second = paracetamol_sample(batch_number="PT24118", quantity=40, manufacture_date=None)
    request = await stack.create(priority="urgent", samples=[paracetamol_sample(), second])
    assert request["request_id"].startswith(f"REQ-{YEAR}-")
    assert (request["purpose"], request["priority"]) == ("market_surveillance", "urgent")
    assert request["requester"] == "requester"
    assert request["created_by"] == {"username": "requester", "full_name": "Youssef Benali"}
    first, other = request["samples"]
    assert first["lab_number"].startswith(f"LNCM-{YEAR}-")
    assert (first["status"], first["product_name"]) == ("registered", "Paracetamol 500 mg tablets")
    assert (other["quantity"], other["manufacture_date"]) == ("40", None)
    assert first["sla"]["state"] == "none" and first["received_at"] is None
    for sample in request["samples"]:
        handle = stack.env.client.get_workflow_handle(sample_workflow_id(sample["lab_number"]))
        attributes = (await handle.describe()).typed_search_attributes
        assert attributes.get(LAB_NUMBER) == sample["lab_number"]
        assert attributes.get(REQUEST_TYPE) == "market_surveillance"
        assert attributes.get(SAMPLE_STATUS) == "registered"
    detail = await stack.ok(stack.get("requester", f"/api/v1/samples/{first['lab_number']}"))
    assert (detail["tests"], detail["signatures"], detail["certificate"]) == ([], [], None)
    assert [event["action"] for event in detail["timeline"]] == ["registered"]
    assert detail["timeline"][0]["actor"]["username"] == "requester"


async def test_a_retry_with_the_same_idempotency_key_registers_nothing_twice(
    stack: Stack,
) -> None:
    key = {"Idempotency-Key": f"retry-{uuid.uuid4()}"}
    body = {"purpose": "complaint", "samples": [paracetamol_sample()]}
    first = await stack.ok(stack.post("requester", "/api/v1/requests", body, headers=key), 201)
    again = await stack.ok(stack.post("requester", "/api/v1/requests", body, headers=key), 201)
    assert again == first
    # The same key from someone else is their own request.
    other = await stack.ok(stack.post("reception", "/api/v1/requests", body, headers=key), 201)
    assert other["request_id"] != first["request_id"]


async def test_requesters_see_only_their_own_samples(stack: Stack) -> None:
    other = await stack.create("reception", requester="someone-else")
    own = await stack.create("reception", requester="requester")
    other_lab = other["samples"][0]["lab_number"]
    own_lab = own["samples"][0]["lab_number"]
    assert own["requester"] == "requester" and own["created_by"]["username"] == "reception"
    problem(await stack.get("requester", f"/api/v1/samples/{other_lab}"), 404)
    problem(await stack.get("requester", f"/api/v1/samples/{other_lab}/certificate"), 404)
    await stack.ok(stack.get("requester", f"/api/v1/samples/{own_lab}"))
    mine = await stack.ok(stack.get("requester", "/api/v1/samples", params={"page_size": 500}))
    listed = {sample["lab_number"] for sample in mine["items"]}
    assert own_lab in listed and other_lab not in listed
    assert {sample["requester"] for sample in mine["items"]} == {"requester"}
    everyone = await stack.ok(stack.get("quality", "/api/v1/samples", params={"q": other_lab}))
    assert [sample["lab_number"] for sample in everyone["items"]] == [other_lab]
    on_behalf = await stack.post(
        "requester",
        "/api/v1/requests",
        {"purpose": "complaint", "requester": "someone-else", "samples": [paracetamol_sample()]},
    )
    problem(on_behalf, 403)


async def test_the_sample_list_sorts_as_asked(stack: Stack) -> None:
    marker = f"sort{uuid.uuid4().hex[:8]}"
    codes = ["PARA-500-TAB", "AMOX-500-CAP", "IBU-400-TAB", "PARA-500-TAB"]
    samples = [
        paracetamol_sample(product_code=code, batch_number=f"{marker}-{i}")
        for i, code in enumerate(codes)
    ]
    labs = [sample["lab_number"] for sample in (await stack.create(samples=samples))["samples"]]
    await stack.received(labs[2])  # the only one with a due time

    async def listed(**params: object) -> list[str]:
        page = await stack.ok(
            stack.get("quality", "/api/v1/samples", params={"q": marker, **params})
        )
        return [sample["lab_number"] for sample in page["items"]]

    newest = labs[::-1]
    assert await listed() == newest
    assert await listed(sort="newest") == newest
    assert await listed(sort="oldest") == labs
    assert await listed(sort="due") == [labs[2], labs[0], labs[1], labs[3]]
    # Amoxicillin, Ibuprofen, then both paracetamol samples newest first
    assert await listed(sort="product") == [labs[1], labs[2], labs[3], labs[0]]
    assert await listed(sort="product", page=2, page_size=2) == [labs[3], labs[0]]
    refused = problem(await stack.get("quality", "/api/v1/samples", params={"sort": "age"}), 422)
    assert any("sort" in error["field"] for error in refused["errors"]), refused


async def test_an_unknown_product_registers_nothing(stack: Stack) -> None:
    before = (await stack.ok(stack.get("quality", "/api/v1/samples")))["total"]
    body = {
        "purpose": "complaint",
        "samples": [paracetamol_sample(), paracetamol_sample(product_code="NOPE")],
    }
    refused = problem(await stack.post("reception", "/api/v1/requests", body), 422)
    assert [e["field"] for e in refused["errors"]] == ["samples[1].product_code"]
    assert (await stack.ok(stack.get("quality", "/api/v1/samples")))["total"] == before


async def test_products_come_from_the_catalogue(stack: Stack) -> None:
    products = {p["code"]: p for p in await stack.ok(stack.get("requester", "/api/v1/products"))}
    paracetamol = products["PARA-500-TAB"]
    assert paracetamol["specification"]["version"] >= 1
    assert {t["code"] for t in paracetamol["tests"]} == set(PARACETAMOL_CONFORMING)
    assert all(t["limits"] for t in paracetamol["tests"])


async def test_unknown_lab_numbers_and_test_ids_are_404(stack: Stack) -> None:
    unknown = f"LNCM-{YEAR}-99999"
    problem(await stack.get("reception", f"/api/v1/samples/{unknown}"), 404)
    problem(
        await stack.post(
            "reception",
            f"/api/v1/samples/{unknown}/receipt",
            {"accepted": True, "quantity_received": "1"},
        ),
        404,
    )
    problem(await stack.get("reception", f"/api/v1/samples/{unknown}/certificate"), 404)
    problem(await stack.get("analyst", f"/api/v1/tests/{unknown}-01"), 404)
    problem(await stack.get("analyst", "/api/v1/tests/not-a-test"), 404)
    problem(
        await stack.post("analyst", f"/api/v1/tests/{unknown}-01/results", {"values": ["1"]}), 404
    )
    lab = (await stack.create())["samples"][0]["lab_number"]
    problem(await stack.get("requester", f"/api/v1/samples/{lab}/certificate"), 404)


async def test_a_registered_sample_without_its_workflow_gets_one_on_the_next_step(
    stack: Stack,
) -> None:
    # As if the gateway had stopped between registering the sample and starting its lifecycle.
    created = await stack.app.state.connections.intake.CreateRequest(
        intake_pb2.CreateRequestRequest(
            request_key=str(uuid.uuid4()),
            actor=common_pb2.Actor(
                username="reception", full_name="Salma Idrissi", role="reception"
            ),
            purpose=common_pb2.PURPOSE_COMPLAINT,
            requester="requester",
            samples=[
                intake_pb2.NewSample(
                    product_code="PARA-500-TAB",
                    product_name="Paracetamol 500 mg tablets",
                    batch_number="ORPHAN1",
                    quantity="10",
                    quantity_unit="tablets",
                )
            ],
        )
    )
    lab = created.samples[0].lab_number
    detail = await stack.received(lab)
    assert detail["status"] == "received"
