"""The human steps through the REST API: receipt to certificate, refusals, holds, the worklist.

Runs against the real services, a Temporal dev server and the real worker, started once for the
module (tests.support.gateway.full_stack; SQLite files: the gateway's database on PostgreSQL is
covered by test_gateway_identity). Each test makes its own samples."""

import io
import json
from collections.abc import AsyncIterator
from datetime import date

import pypdf
import pytest
from sqlalchemy import select, text

from kernel.db import Database
from services.gateway.models import AuditEntry
from tests.support.api import PARACETAMOL_CONFORMING, paracetamol_sample
from tests.support.gateway import Stack, full_stack, problem
from tests.support.resources import assignment

pytestmark = pytest.mark.timeout(600)

YEAR = date.today().year


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with full_stack(tmp_path_factory.mktemp("gateway-steps")) as running:
        yield running


async def test_a_sample_goes_from_request_to_certificate(stack: Stack) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    detail = await stack.received(lab)
    assert (detail["status"], detail["quantity_received"]) == ("received", "60")
    assert detail["sla"]["state"] == "ok" and detail["sla"]["due_at"]
    tests = {test["code"]: test for test in detail["tests"]}
    assert set(tests) == set(PARACETAMOL_CONFORMING)
    for test in tests.values():
        assigned = await stack.ok(
            stack.post(
                "reviewer",
                f"/api/v1/tests/{test['test_id']}/assignment",
                assignment("analyst", test),
            )
        )
        assert (assigned["status"], assigned["analyst"]) == ("assigned", "analyst")
    worklist = await stack.ok(
        stack.get("analyst", "/api/v1/tests", params={"assignee": "me", "lab_number": lab})
    )
    assert worklist["total"] == len(tests)
    for code, values in PARACETAMOL_CONFORMING.items():
        submitted = await stack.ok(
            stack.post(
                "analyst", f"/api/v1/tests/{tests[code]['test_id']}/results", {"values": values}
            )
        )
        assert submitted["status"] == "submitted"
        assert submitted["result"]["conformity"] == "conforms"
        assert submitted["result"]["submitted_by"]["username"] == "analyst"
    for test in tests.values():
        accepted = await stack.ok(
            stack.post(
                "reviewer",
                f"/api/v1/tests/{test['test_id']}/review",
                {"decision": "accept", "password": "lims-demo"},
            )
        )
        assert accepted["status"] == "accepted"
        assert accepted["result"]["review_outcome"] == "accepted"
    # One argon2 check for the reviewer's session; the other signatures used its verifier.
    assert len(stack.app.state.connections.signers) >= 1
    released = await stack.ok(
        stack.post("approver", f"/api/v1/samples/{lab}/approval", {"password": "lims-demo"})
    )
    assert released["status"] == "released"
    certificate = released["certificate"]
    assert certificate["url"] == f"/api/v1/samples/{lab}/certificate"
    assert certificate["verify_url"].endswith(f"/verify/{certificate['report_number']}")
    meanings = sorted(signature["meaning"] for signature in released["signatures"])
    assert meanings == ["approved"] + ["reviewed"] * len(tests)
    assert all(signature["intact"] for signature in released["signatures"])

    pdf = await stack.get("requester", certificate["url"])
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert lab in text and certificate["report_number"] in text
    assert (await stack.get("quality", certificate["url"])).content == pdf.content

    verified = await stack.client.get(
        f"/verify/{certificate['report_number']}", headers={"Accept": "application/json"}
    )
    assert verified.json() == {
        "authentic": True,
        "report_number": certificate["report_number"],
        "lab_number": lab,
        "product": "Paracetamol 500 mg tablets",
        "batch": "PT24117",
        "conclusion": "conforms",
        "issued_at": certificate["issued_at"],
        "version": 1,
        "current": True,
        "superseded_by": None,
        "superseded_by_version": None,
        "superseded_at": None,
    }
    page = await stack.client.get(f"/verify/{certificate['report_number']}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Authentic" in page.text and lab in page.text and "PT24117" in page.text
    released_list = await stack.ok(
        stack.get("requester", "/api/v1/samples", params={"status": "released"})
    )
    assert lab in {sample["lab_number"] for sample in released_list["items"]}


async def test_a_false_report_number_is_not_a_certificate_of_the_lab(stack: Stack) -> None:
    page = await stack.client.get("/verify/COA-1999-99999")
    assert page.status_code == 404
    assert "not a certificate issued by this laboratory" in page.text
    answer = await stack.client.get(
        "/verify/COA-1999-99999", headers={"Accept": "application/json"}
    )
    assert "not a certificate issued by this laboratory" in problem(answer, 404)["detail"]


async def test_refusals_of_the_workflow_keep_their_status_and_message(stack: Stack) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    problem(
        await stack.post("approver", f"/api/v1/samples/{lab}/approval", {"password": "lims-demo"}),
        409,
    )
    tests = {t["code"]: t for t in (await stack.received(lab))["tests"]}
    for code, test in tests.items():
        analyst = "reviewer" if code == "ASSAY" else "analyst"
        await stack.ok(
            stack.post(
                "reviewer",
                f"/api/v1/tests/{test['test_id']}/assignment",
                assignment(analyst, test),
            )
        )
    identification = tests["IDENTIFICATION"]["test_id"]
    problem(
        await stack.post(
            "analyst2", f"/api/v1/tests/{identification}/results", {"values": ["positive"]}
        ),
        403,
    )
    # The testing service refuses a result it cannot use: 422, with its reason.
    short = await stack.post(
        "reviewer", f"/api/v1/tests/{tests['ASSAY']['test_id']}/results", {"values": ["99.1"]}
    )
    assert problem(short, 422)["detail"]
    for code, values in PARACETAMOL_CONFORMING.items():
        who = "reviewer" if code == "ASSAY" else "analyst"
        await stack.ok(
            stack.post(who, f"/api/v1/tests/{tests[code]['test_id']}/results", {"values": values})
        )
    own = await stack.post(
        "reviewer",
        f"/api/v1/tests/{tests['ASSAY']['test_id']}/review",
        {"decision": "accept", "password": "lims-demo"},
    )
    assert "separation of duties" in problem(own, 403)["detail"]
    assay = await stack.ok(stack.get("reviewer", f"/api/v1/tests/{tests['ASSAY']['test_id']}"))
    assert assay["status"] == "submitted"
    # A wrong password in the same session is not a signature, and the attempt is recorded.
    wrong = await stack.post(
        "reviewer",
        f"/api/v1/tests/{tests['APPEARANCE']['test_id']}/review",
        {"decision": "accept", "password": "not-my-password"},
    )
    assert problem(wrong, 401)["type"] == "/problems/signature-refused"
    appearance = await stack.ok(
        stack.get("reviewer", f"/api/v1/tests/{tests['APPEARANCE']['test_id']}")
    )
    assert appearance["status"] == "submitted"
    db = Database(stack.settings.database_url("gateway"))
    try:
        with db.read() as session:
            refused = session.scalars(
                select(AuditEntry).where(AuditEntry.action == "signature_refused")
            ).all()
    finally:
        await db.dispose()
    records = [json.loads(entry.new_value)["record_id"] for entry in refused]
    assert tests["APPEARANCE"]["test_id"] in records
    sent_back = await stack.ok(
        stack.post(
            "reviewer",
            f"/api/v1/tests/{tests['APPEARANCE']['test_id']}/review",
            {"decision": "send_back", "reason": "photograph missing", "password": "lims-demo"},
        )
    )
    assert sent_back["status"] == "assigned"
    assert sent_back["result"]["review_outcome"] == "sent_back"
    in_testing = await stack.ok(stack.get("reviewer", f"/api/v1/samples/{lab}"))
    assert in_testing["status"] == "in_testing"
    # A step's answer still shows the signatures already given (the send-back was signed).
    held = await stack.ok(
        stack.post("quality", f"/api/v1/samples/{lab}/hold", {"reason": "awaiting photograph"})
    )
    assert held["signatures"] and held["signatures"] == in_testing["signatures"]


async def test_hold_resume_and_cancel_then_nothing_more(stack: Stack) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    await stack.received(lab)
    held = await stack.ok(
        stack.post(
            "quality", f"/api/v1/samples/{lab}/hold", {"reason": "reference standard expired"}
        )
    )
    assert held["status"] == "on_hold"
    problem(await stack.post("quality", f"/api/v1/samples/{lab}/hold", {"reason": "again"}), 409)
    resumed = await stack.ok(
        stack.post("reviewer", f"/api/v1/samples/{lab}/resume", {"reason": "new standard"})
    )
    assert resumed["status"] == "received"
    cancelled = await stack.ok(
        stack.post(
            "reception", f"/api/v1/samples/{lab}/cancel", {"reason": "withdrawn by the requester"}
        )
    )
    assert (cancelled["status"], cancelled["rejection_reason"]) == (
        "cancelled",
        "withdrawn by the requester",
    )
    again = problem(
        await stack.post("quality", f"/api/v1/samples/{lab}/hold", {"reason": "late"}), 409
    )
    assert again["detail"] == f"sample {lab} is cancelled; no further action is possible"


async def test_a_rejected_sample_accepts_no_further_step(stack: Stack) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    rejected = await stack.ok(
        stack.post(
            "reception",
            f"/api/v1/samples/{lab}/receipt",
            {"accepted": False, "reason": "seal broken"},
        )
    )
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "seal broken")
    again = await stack.post(
        "reception", f"/api/v1/samples/{lab}/receipt", {"accepted": True, "quantity_received": 60}
    )
    assert (
        problem(again, 409)["detail"] == f"sample {lab} is rejected; no further action is possible"
    )


async def test_sample_details_default_to_the_catalogue_and_are_shown(stack: Stack) -> None:
    sample = paracetamol_sample(
        pack="blister of 10, box of 20",
        marketing_authorisation_holder="Laprophan",
        storage_conditions="Store below 25 °C",
    )
    created = (await stack.create(samples=[sample, paracetamol_sample(strength="1 g")]))["samples"]
    first, second = created
    assert (first["product_category"], first["inns"], first["dosage_form"]) == (
        "medicine",
        "paracetamol",
        "tablet",
    )
    assert (first["strength"], second["strength"]) == ("500 mg", "1 g")
    assert first["pack"] == "blister of 10, box of 20"
    assert first["seals_intact"] is None and first["quantity_required"] is None
    too_long = await stack.post(
        "requester",
        "/api/v1/requests",
        {"purpose": "complaint", "samples": [paracetamol_sample(pack="x" * 201)]},
    )
    assert [e["field"] for e in problem(too_long, 422)["errors"]] == ["samples[0].pack"]


async def test_receipt_refuses_too_few_units_until_accepted_as_a_decision(stack: Stack) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    path = f"/api/v1/samples/{lab}/receipt"
    body = {"accepted": True, "quantity_received": "40", "seals_intact": False}
    refused = problem(await stack.post("reception", path, body), 422)
    assert refused["errors"][0]["field"] == "quantity_received"
    assert "60 tablets required" in refused["errors"][0]["message"]
    no_reason = problem(
        await stack.post("reception", path, body | {"accept_insufficient_quantity": True}), 422
    )
    assert no_reason["errors"] == [
        {"field": "reason", "message": "required to accept an insufficient quantity"}
    ]
    decided = body | {"accept_insufficient_quantity": True, "reason": "all that was seized"}
    received = await stack.ok(stack.post("reception", path, decided))
    assert received["status"] == "received"
    assert (received["quantity_required"], received["quantity_sufficient"]) == ("60", False)
    assert received["insufficient_quantity_reason"] == "all that was seized"
    assert (received["seals_intact"], received["labelling_legible"]) == (False, True)
    (event,) = [e for e in received["timeline"] if e["action"] == "received"]
    assert event["detail"].endswith("insufficient quantity accepted: all that was seized")


async def test_receipt_of_a_refrigerated_sample_needs_its_temperature(stack: Stack) -> None:
    sample = paracetamol_sample(storage_conditions="2–8 °C")
    lab = (await stack.create(samples=[sample]))["samples"][0]["lab_number"]
    path = f"/api/v1/samples/{lab}/receipt"
    body = {"accepted": True, "quantity_received": "60"}
    refused = problem(await stack.post("reception", path, body), 422)
    assert refused["errors"][0]["field"] == "temperature_on_arrival"
    received = await stack.ok(stack.post("reception", path, body | {"temperature_on_arrival": 4.5}))
    assert (received["temperature_on_arrival"], received["quantity_sufficient"]) == ("4.5", True)


async def test_the_worklist_filters_and_pages(stack: Stack) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    tests = (await stack.received(lab))["tests"]
    first = tests[0]["test_id"]
    await stack.ok(
        stack.post(
            "reviewer", f"/api/v1/tests/{first}/assignment", assignment("analyst2", tests[0])
        )
    )
    mine = await stack.ok(
        stack.get("analyst2", "/api/v1/tests", params={"assignee": "me", "status": "assigned"})
    )
    assert first in {test["test_id"] for test in mine["items"]}
    assert {test["analyst"] for test in mine["items"]} == {"analyst2"}
    pending = await stack.ok(
        stack.get(
            "reviewer",
            "/api/v1/tests",
            params={"lab_number": lab, "status": ["pending", "submitted"], "page_size": 2},
        )
    )
    assert (pending["total"], pending["page"], pending["page_size"]) == (len(tests) - 1, 1, 2)
    assert len(pending["items"]) == 2
    second_page = await stack.ok(
        stack.get(
            "reviewer",
            "/api/v1/tests",
            params={"lab_number": lab, "status": "pending", "page_size": 2, "page": 2},
        )
    )
    assert not {t["test_id"] for t in second_page["items"]} & {
        t["test_id"] for t in pending["items"]
    }


async def test_a_preview_shows_what_the_submission_will_record_and_records_nothing(
    stack: Stack,
) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    tests = {t["code"]: t for t in (await stack.received(lab))["tests"]}
    assay = tests["ASSAY"]["test_id"]
    await stack.ok(
        stack.post(
            "reviewer",
            f"/api/v1/tests/{assay}/assignment",
            assignment("analyst", tests["ASSAY"]),
        )
    )
    path = f"/api/v1/tests/{assay}/preview"
    # JSON numbers are accepted as on submission; any staff may preview, not a requester.
    preview = await stack.ok(stack.post("analyst", path, {"values": ["94.94", 94.94]}))
    assert preview == {
        "test_id": assay,
        "values": ["94.94", "94.94"],
        "reportable_value": "94.9",
        "unrounded_value": "94.94",
        "conformity": "does_not_conform",
        "unit": "%",
        "limits": "95.0 – 105.0 % of label claim",
        "warning": False,
        "below_loq": False,
        "replicate_values": [],
        "formula": "",
    }
    assert await stack.ok(stack.post("quality", path, {"values": ["94.94", "94.94"]})) == preview
    problem(await stack.post("requester", path, {"values": ["94.94", "94.94"]}), 403)
    unchanged = await stack.ok(stack.get("analyst", f"/api/v1/tests/{assay}"))
    assert (unchanged["status"], unchanged["results"]) == ("assigned", [])

    short = problem(await stack.post("analyst", path, {"values": ["99.6"]}), 422)
    assert short["errors"] == [{"field": "values", "message": "expected 2 values, got 1"}]
    comma = problem(await stack.post("analyst", path, {"values": ["99.6", "100,1"]}), 422)
    assert comma["errors"] == [
        {
            "field": "values[1]",
            "message": "'100,1' is not a number (use a point as the decimal separator)",
        }
    ]
    problem(await stack.post("analyst", path, {"values": []}), 422)
    problem(await stack.post("analyst", f"/api/v1/tests/{lab}-99/preview", {"values": ["1"]}), 404)
    problem(await stack.post("analyst", "/api/v1/tests/nonsense/preview", {"values": ["1"]}), 404)

    in_spec = await stack.ok(stack.post("analyst", path, {"values": ["99.6", "100.1"]}))
    submitted = await stack.ok(
        stack.post("analyst", f"/api/v1/tests/{assay}/results", {"values": ["99.6", "100.1"]})
    )
    result = submitted["result"]
    assert (in_spec["reportable_value"], in_spec["unrounded_value"], in_spec["conformity"]) == (
        result["reportable_value"],
        result["unrounded_value"],
        result["conformity"],
    )
    assert (in_spec["reportable_value"], in_spec["conformity"]) == ("99.9", "conforms")
    assert (in_spec["values"], in_spec["unit"], in_spec["limits"]) == (
        result["values"],
        submitted["unit"],
        submitted["limits"],
    )


async def test_a_record_changed_after_signing_shows_its_signatures_broken(stack: Stack) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    released = await stack.released(lab)
    assert all(signature["intact"] for signature in released["signatures"])
    assay = next(test for test in released["tests"] if test["code"] == "ASSAY")

    # Someone edits the assay's result in the testing database behind the system's back.
    testing = Database(stack.settings.database_url("testing"))
    try:
        with testing.write() as session:
            session.execute(
                text("UPDATE results SET reportable_value = '101.9' WHERE test_id = :test_id"),
                {"test_id": assay["test_id"]},
            )
    finally:
        await testing.dispose()

    detail = await stack.ok(stack.get("quality", f"/api/v1/samples/{lab}"))
    broken = {
        (signature["record_kind"], signature["record_id"])
        for signature in detail["signatures"]
        if not signature["intact"]
    }
    # The assay's review signed that result; the approval signed the certificate printing it.
    assert broken == {("test_review", assay["test_id"]), ("sample_approval", lab)}
