"""OOS investigations through the REST API, on the real stack: an out-of-specification assay
opens an investigation that blocks the review; Phase I and the conclusion are signed acts with
re-authentication and separation of duties; invalidation keeps the original result and sends
the retest to another analyst; a confirmed OOS is released as not conforming."""

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any

import pypdf
import pytest

from services.gateway.domain import DEMO_PASSWORD
from services.testing.investigation import CHECKLIST
from tests.support.api import PARACETAMOL_CONFORMING
from tests.support.gateway import Stack, full_stack, problem
from tests.support.resources import assignment

pytestmark = pytest.mark.timeout(600)

ALL_YES = dict.fromkeys(CHECKLIST, True)
OOS_ASSAY = ["93.1", "93.3"]  # limits 95.0-105.0


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with full_stack(tmp_path_factory.mktemp("gateway-oos")) as running:
        yield running


async def oos_in_review(stack: Stack) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A paracetamol sample whose assay is out of specification, in review: (lab, tests by
    code, its open investigation)."""
    lab = (await stack.create())["samples"][0]["lab_number"]
    tests = {t["code"]: t for t in (await stack.received(lab))["tests"]}
    for test in tests.values():
        path = f"/api/v1/tests/{test['test_id']}"
        await stack.ok(stack.post("reviewer", f"{path}/assignment", assignment("analyst", test)))
    for code, test in tests.items():
        values = OOS_ASSAY if code == "ASSAY" else PARACETAMOL_CONFORMING[code]
        path = f"/api/v1/tests/{test['test_id']}/results"
        await stack.ok(stack.post("analyst", path, {"values": values}))
    for _ in range(100):  # the investigation's workflow opens the record a moment later
        found = await stack.ok(
            stack.get("quality", "/api/v1/investigations", params={"lab_number": lab})
        )
        if found:
            break
        await asyncio.sleep(0.05)
    [investigation] = found
    return lab, tests, investigation


def phase_one(**changes: Any) -> dict[str, Any]:
    return {
        "checklist": ALL_YES,
        "cause_found": False,
        "summary": "No laboratory error found",
        "password": DEMO_PASSWORD,
    } | changes


async def test_an_assignable_cause_invalidates_the_result_and_the_retest_releases_the_sample(
    stack: Stack,
) -> None:
    lab, tests, investigation = await oos_in_review(stack)
    assay = tests["ASSAY"]["test_id"]
    ident = investigation["investigation_id"]
    assert ident == f"{assay}-OOS1"
    assert (investigation["phase"], investigation["reportable_value"]) == ("phase_1", "93.2 %")
    assert investigation["overdue"] is False

    review = {"decision": "accept", "password": DEMO_PASSWORD}
    blocked = problem(await stack.post("reviewer", f"/api/v1/tests/{assay}/review", review), 409)
    assert "under investigation" in blocked["detail"]

    path = f"/api/v1/investigations/{ident}/phase-one"
    cause = phase_one(cause_found=True, summary="Standard solution prepared at half strength")
    by_analyst = await stack.post("analyst", path, cause | {"retest_analyst": "analyst2"})
    assert by_analyst.status_code == 403
    no_retest = problem(await stack.post("reviewer", path, cause), 422)
    assert no_retest["errors"][0]["field"] == "retest_analyst"
    wrong = problem(
        await stack.post("reviewer", path, cause | {"retest_analyst": "analyst2", "password": "x"}),
        401,
    )
    assert "password does not match" in wrong["detail"]
    same = problem(await stack.post("reviewer", path, cause | {"retest_analyst": "analyst"}), 403)
    assert "another analyst" in same["detail"]

    signed = await stack.ok(stack.post("reviewer", path, cause | {"retest_analyst": "analyst2"}))
    assert (signed["phase"], signed["outcome"], signed["retest_analyst"]) == (
        "concluded",
        "invalidated",
        "analyst2",
    )
    [signature] = signed["signatures"]
    assert (signature["signer"]["username"], signature["meaning"], signature["intact"]) == (
        "reviewer",
        "reviewed",
        True,
    )

    # The sample returns to testing once the lifecycle has the outcome; the original stays.
    for _ in range(100):
        detail = await stack.ok(stack.get("quality", f"/api/v1/samples/{lab}"))
        if detail["status"] == "in_testing":
            break
        await asyncio.sleep(0.05)
    assert detail["status"] == "in_testing"
    [test] = [t for t in detail["tests"] if t["test_id"] == assay]
    assert (test["status"], test["analyst"]) == ("assigned", "analyst2")
    assert test["results"][0]["invalidated_reason"] == "Standard solution prepared at half strength"
    assert [i["investigation_id"] for i in detail["investigations"]] == [ident]

    retest = await stack.ok(
        stack.post("analyst2", f"/api/v1/tests/{assay}/results", {"values": ["99.7", "100.2"]})
    )
    assert [r["reportable_value"] for r in retest["results"]] == ["93.2", "100.0"]
    for t in tests.values():
        await stack.ok(stack.post("reviewer", f"/api/v1/tests/{t['test_id']}/review", review))
    released = await stack.ok(
        stack.post("approver", f"/api/v1/samples/{lab}/approval", {"password": DEMO_PASSWORD})
    )
    assert released["status"] == "released"

    # The certificate prints the OOS history: the investigation, who signed it, and the
    # invalidated result with its values and reason, next to the retest's result.
    pdf = await stack.get("requester", released["certificate"]["url"])
    pages = pypdf.PdfReader(io.BytesIO(pdf.content)).pages
    text = "".join("".join(page.extract_text().split()) for page in pages)
    for expected in (
        f"{ident} Assay",
        "Result invalidated (assignable cause)",
        "Standard solution prepared at half strength",
        "93.1; 93.3 93.2 %",
        "99.7; 100.2 100.0 %",
    ):
        assert "".join(expected.split()) in text, expected


async def test_no_cause_goes_to_phase_two_and_quality_confirms_the_oos(stack: Stack) -> None:
    lab, tests, investigation = await oos_in_review(stack)
    ident = investigation["investigation_id"]
    phase_two = await stack.ok(
        stack.post("reviewer", f"/api/v1/investigations/{ident}/phase-one", phase_one())
    )
    assert phase_two["phase"] == "phase_2" and phase_two["phase_2_due"]

    path = f"/api/v1/investigations/{ident}/conclusion"
    conclusion = {
        "outcome": "confirmed",
        "summary": "Manufacturing investigation by the MAH confirms a low-assay batch",
        "password": DEMO_PASSWORD,
    }
    assert (await stack.post("reviewer", path, conclusion)).status_code == 403
    concluded = await stack.ok(stack.post("quality", path, conclusion))
    assert (concluded["phase"], concluded["outcome"]) == ("concluded", "confirmed")
    assert [s["step"] for s in concluded["signatures"]] == ["phase_1", "concluded"]
    again = problem(await stack.post("quality", path, conclusion), 409)
    assert "is concluded; nothing more can be signed" in again["detail"]
    unknown = f"/api/v1/investigations/{lab}-09-OOS1/conclusion"
    assert problem(await stack.post("quality", unknown, conclusion), 404)

    review = {"decision": "accept", "password": DEMO_PASSWORD}
    for _ in range(100):
        answer = await stack.post(
            "reviewer", f"/api/v1/tests/{tests['ASSAY']['test_id']}/review", review
        )
        if answer.status_code != 409:
            break
        await asyncio.sleep(0.05)
    assert answer.status_code == 200, answer.text
    for code, test in tests.items():
        if code != "ASSAY":
            await stack.ok(
                stack.post("reviewer", f"/api/v1/tests/{test['test_id']}/review", review)
            )
    released = await stack.ok(
        stack.post("approver", f"/api/v1/samples/{lab}/approval", {"password": DEMO_PASSWORD})
    )
    assert released["status"] == "released"
    listed = await stack.ok(stack.get("quality", "/api/v1/investigations", params={"open": True}))
    assert ident not in [i["investigation_id"] for i in listed]
