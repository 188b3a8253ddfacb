"""Gated assignment through the REST API and the real lifecycle: each refusal is a 409 naming the
field and saying why, nothing changes; the quality manager keeps the resources; the web form
shows the refusal next to its field."""

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest

from services.testing.demo_resources import OVERDUE_INSTRUMENT
from tests.support.gateway import Stack, full_stack, problem

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with full_stack(tmp_path_factory.mktemp("gateway-resources")) as running:
        yield running


async def test_each_refusal_of_gating_reaches_the_caller_and_changes_nothing(stack: Stack) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    tests = {t["code"]: t["test_id"] for t in (await stack.received(lab))["tests"]}
    assay, dissolution = tests["ASSAY"], tests["DISSOLUTION"]
    cases = [
        (assay, {"analyst": "analyst"}, "instrument", "an instrument is required for HPLC"),
        (
            assay,
            {"analyst": "analyst", "instrument": "X-1"},
            "instrument",
            "unknown instrument 'X-1'",
        ),
        (
            dissolution,
            {"analyst": "analyst", "instrument": OVERDUE_INSTRUMENT},
            "instrument",
            f"{OVERDUE_INSTRUMENT}'s calibration was due on",
        ),
        (
            assay,
            {"analyst": "analyst", "instrument": "HPLC-01", "reagent_lots": ["NOPE"]},
            "reagents",
            "unknown reagent lot 'NOPE'",
        ),
    ]
    for test_id, body, field, why in cases:
        refused = problem(
            await stack.post("reviewer", f"/api/v1/tests/{test_id}/assignment", body), 409
        )
        assert refused["errors"][0]["field"] == field
        assert why in refused["errors"][0]["message"]
    sample = await stack.ok(stack.get("reviewer", f"/api/v1/samples/{lab}"))
    assert sample["status"] == "received"
    assert all(t["status"] == "pending" for t in sample["tests"])
    assigned = await stack.ok(
        stack.post(
            "reviewer",
            f"/api/v1/tests/{assay}/assignment",
            {
                "analyst": "analyst",
                "instrument": "HPLC-01",
                "reference_standard_lots": ["Y0001015"],
            },
        )
    )
    assert (assigned["instrument"], assigned["reference_standard_lots"]) == (
        "HPLC-01",
        ["Y0001015"],
    )
    result = await stack.ok(
        stack.post("analyst", f"/api/v1/tests/{assay}/results", {"values": ["99.6", "100.1"]})
    )
    assert result["result"]["instrument"] == "HPLC-01"


async def test_an_unqualified_analyst_is_refused_after_quality_lets_the_qualification_lapse(
    stack: Stack,
) -> None:
    today = date.today()
    lapsed = {
        "analyst": "analyst2",
        "technique": "KF",
        "qualified_on": (today - timedelta(days=800)).isoformat(),
        "expires_on": (today - timedelta(days=1)).isoformat(),
        "training_record": "TR-ANALYST2-KF",
    }
    refused = problem(await stack.post("quality", "/api/v1/qualifications", lapsed), 422)
    assert refused["errors"][0]["field"] == "reason"
    await stack.ok(
        stack.post("quality", "/api/v1/qualifications", lapsed | {"reason": "retraining due"})
    )
    assert problem(await stack.post("reviewer", "/api/v1/qualifications", lapsed), 403)
    lab = (await stack.create(samples=[_ibuprofen()]))["samples"][0]["lab_number"]
    water = {t["code"]: t["test_id"] for t in (await stack.received(lab))["tests"]}["WATER"]
    body = {"analyst": "analyst2", "instrument": "KF-01"}
    refused = problem(await stack.post("reviewer", f"/api/v1/tests/{water}/assignment", body), 409)
    assert refused["errors"][0]["field"] == "analyst"
    assert "expired on" in refused["detail"]
    choices = await stack.ok(stack.get("reviewer", f"/api/v1/tests/{water}/assignment-choices"))
    assert "analyst2" not in choices["analysts"] and "analyst" in choices["analysts"]
    expiring = await stack.ok(stack.get("quality", "/api/v1/resources/expiring"))
    assert "analyst2 / KF" in {i["key"] for i in expiring["items"]}


def _ibuprofen() -> dict[str, str]:
    return {
        "product_code": "IBU-400-TAB",
        "batch_number": "IB2401",
        "manufacturer": "Sothema",
        "expiry_date": "2028-01-31",
        "quantity": "100",
        "quantity_unit": "tablets",
    }


async def _web(stack: Stack, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=stack.app), base_url="http://gateway", timeout=60
    )
    signed_in = await client.post("/login", data={"username": username, "password": "lims-demo"})
    assert signed_in.status_code == 303
    return client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found[1]


async def test_quality_adds_an_overdue_instrument_and_the_form_refuses_it_next_to_the_field(
    stack: Stack,
) -> None:
    quality = await _web(stack, "quality")
    home = await quality.get("/")
    assert 'data-testid="section-expiring"' in home.text and OVERDUE_INSTRUMENT in home.text
    page = await quality.get("/resources")
    overdue = (date.today() - timedelta(days=2)).isoformat()
    form = {
        "csrf_token": _csrf(page.text),
        "code": "HPLC-77",
        "name": "Old HPLC",
        "techniques": "HPLC",
        "calibration_due": overdue,
        "status": "in_service",
    }
    added = await quality.post("/resources/instrument", data=form)
    assert added.status_code == 303
    assert "HPLC-77" in (await quality.get("/resources")).text
    lab = (await stack.create())["samples"][0]["lab_number"]
    assay = {t["code"]: t["test_id"] for t in (await stack.received(lab))["tests"]}["ASSAY"]
    reviewer = await _web(stack, "reviewer")
    sample = await reviewer.get(f"/samples/{lab}")
    assert 'data-testid="instrument-ASSAY"' in sample.text
    assert 'value="HPLC-77"' not in sample.text  # only valid choices are offered
    refused = await reviewer.post(
        f"/tests/{assay}/assignment",
        data={"csrf_token": _csrf(sample.text), "analyst": "analyst", "instrument": "HPLC-77"},
    )
    assert refused.status_code == 409
    assert f"l'étalonnage de HPLC-77 était à faire le {overdue}" in refused.text.replace(
        "&#39;", "'"
    )
    await quality.aclose()
    await reviewer.aclose()


async def test_only_the_assigned_analyst_or_a_reviewer_attaches_while_the_test_is_open(
    stack: Stack,
) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    assay = {t["code"]: t["test_id"] for t in (await stack.received(lab))["tests"]}["ASSAY"]
    path = f"/api/v1/tests/{assay}/attachments"
    pdf = {"file": ("chrom.pdf", b"%PDF-1.4 chromatogram", "application/pdf")}
    refused = problem(await stack.post("analyst", path, files=pdf), 409)
    assert refused["detail"] == "files are attached only while the test is assigned or submitted"
    body = {"analyst": "analyst", "instrument": "HPLC-01"}
    await stack.ok(stack.post("reviewer", f"/api/v1/tests/{assay}/assignment", body))
    refused = problem(await stack.post("analyst2", path, files=pdf), 403)
    assert "assigned to the test" in refused["detail"]
    assert problem(await stack.post("requester", path, files=pdf), 403)
    added = await stack.ok(stack.post("analyst", path, files=pdf), 201)
    by_reviewer = {"file": ("notes.txt", b"integration checked", "text/plain")}
    await stack.ok(stack.post("reviewer", path, files=by_reviewer), 201)
    test = await stack.ok(stack.get("analyst", f"/api/v1/tests/{assay}"))
    assert [a["filename"] for a in test["attachments"]] == ["chrom.pdf", "notes.txt"]
    download = await stack.get("quality", added["download"])
    assert download.status_code == 200 and download.content == b"%PDF-1.4 chromatogram"
    assert download.headers["x-content-sha256"] == added["sha256"]
