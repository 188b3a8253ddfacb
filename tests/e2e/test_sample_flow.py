"""One sample of Paracetamol 500 mg tablets from request to certificate, through the REST API of
the real stack, as each role in turn — and the refusals a user meets on the way."""

import asyncio
import io
from datetime import date

import pypdf
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.converter import DataConverter

from deploy.local.launcher import Stack
from tests.support.api import PARACETAMOL_CONFORMING, Api, paracetamol_sample
from workflows.contracts import LAB_NUMBER, REQUEST_TYPE, SAMPLE_STATUS, SLA_DUE, sample_workflow_id

pytestmark = pytest.mark.e2e

YEAR = date.today().year


def users(stack: Stack) -> dict[str, Api]:
    names = ("requester", "reception", "analyst", "analyst2", "reviewer", "approver", "quality")
    return {name: Api(stack.config.gateway_url, name) for name in names}


def test_sample_goes_from_request_to_certificate(stack: Stack) -> None:
    u = users(stack)

    # 1. The requester asks for market surveillance of one sample: the first lab number of the year.
    request = u["requester"].create_request()
    (sample,) = request["samples"]
    lab = sample["lab_number"]
    assert lab == f"LNCM-{YEAR}-00001"
    assert sample["status"] == "registered"
    assert u["requester"].sample(lab)["status"] == "registered"

    # 2. Reception accepts it: the clock starts and the test plan comes from the specification.
    detail = u["reception"].ok(u["reception"].receive(lab))
    assert detail["status"] == "received"
    assert detail["sla"]["target_days"] == 30
    assert detail["sla"]["due_at"]
    tests = {t["code"]: t for t in detail["tests"]}
    assert set(tests) == set(PARACETAMOL_CONFORMING)
    assert all(t["status"] == "pending" for t in tests.values())

    # 3. The reviewer assigns every test to the analyst.
    for test in tests.values():
        assigned = u["reviewer"].ok(u["reviewer"].assign(test["test_id"], "analyst"))
        assert assigned["status"] == "assigned"
    assert u["analyst"].sample(lab)["status"] == "in_testing"
    worklist = u["analyst"].ok(u["analyst"].get("/api/v1/tests", params={"assignee": "me"}))
    assert {t["test_id"] for t in worklist["items"]} >= {t["test_id"] for t in tests.values()}

    # 4. The analyst enters raw values; the service computes, rounds and judges.
    for code, values in PARACETAMOL_CONFORMING.items():
        result = u["analyst"].ok(u["analyst"].submit(tests[code]["test_id"], values))
        assert result["status"] == "submitted"
        assert result["result"]["conformity"] == "conforms", (code, result)
    assay = u["analyst"].ok(u["analyst"].get(f"/api/v1/tests/{tests['ASSAY']['test_id']}"))
    assert assay["result"]["reportable_value"] == "99.9"  # mean of 99.6 and 100.1 = 99.85 -> 99.9

    # 5. Every test submitted -> in review. The reviewer sends the assay back; the analyst redoes it.
    assert u["reviewer"].sample(lab)["status"] == "in_review"
    sent_back = u["reviewer"].review(
        tests["ASSAY"]["test_id"], "send_back", "integration of peak 2"
    )
    assert u["reviewer"].ok(sent_back)["status"] == "assigned"
    assert u["reviewer"].sample(lab)["status"] == "in_testing"
    redone = u["analyst"].ok(u["analyst"].submit(tests["ASSAY"]["test_id"], ["100.3", "100.6"]))
    assert [r["reportable_value"] for r in redone["results"]] == ["99.9", "100.5"]  # both kept
    assert u["reviewer"].sample(lab)["status"] == "in_review"
    for test in tests.values():
        accepted = u["reviewer"].ok(u["reviewer"].review(test["test_id"]))
        assert accepted["status"] == "accepted"

    # 6. The approver approves: the certificate is issued and the sample released.
    assert u["approver"].sample(lab)["status"] == "awaiting_approval"
    released = u["approver"].ok(u["approver"].approve(lab))
    assert released["status"] == "released"
    report_number = released["certificate"]["report_number"]
    assert report_number
    meanings = sorted(s["meaning"] for s in released["signatures"])
    assert meanings == ["approved"] + ["reviewed"] * 7  # 6 accepted + 1 sent back

    # 7. The requester downloads the certificate; it names the lab number and the conclusion.
    pdf = u["requester"].get(f"/api/v1/samples/{lab}/certificate")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert lab in text
    assert report_number in text
    assert "CONFORMS" in text.upper()
    verified = u["requester"].client.get(
        f"/verify/{report_number}", headers={"Accept": "application/json"}
    )
    assert verified.status_code == 200
    assert verified.json()["lab_number"] == lab

    # The operator sees the workflow with its search attributes and readable timer summaries.
    asyncio.run(check_temporal_view(stack, lab))


async def check_temporal_view(stack: Stack, lab: str) -> None:
    client = await Client.connect(f"127.0.0.1:{stack.config.temporal_port}")
    handle = client.get_workflow_handle(sample_workflow_id(lab))
    description = await handle.describe()
    attributes = description.typed_search_attributes
    assert attributes.get(LAB_NUMBER) == lab
    assert attributes.get(REQUEST_TYPE) == "market_surveillance"
    assert attributes.get(SAMPLE_STATUS) == "released"
    assert attributes.get(SLA_DUE) is not None
    summaries = []
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            payload = event.user_metadata.summary
            summaries.append(DataConverter.default.payload_converter.from_payload(payload, str))
    assert summaries, "the SLA timer was never started"
    assert all(lab in s and "SLA" in s for s in summaries), summaries
    listed = [w.id async for w in client.list_workflows(f"LabNumber = '{lab}'")]
    assert listed == [sample_workflow_id(lab)]


def test_rejected_receipt_ends_the_lifecycle(stack: Stack) -> None:
    u = users(stack)
    lab = u["reception"].create_request(requester="requester")["samples"][0]["lab_number"]
    rejected = u["reception"].receive(lab, accepted=False, reason="seal broken, blister crushed")
    detail = u["reception"].ok(rejected)
    assert detail["status"] == "rejected"
    assert detail["rejection_reason"] == "seal broken, blister crushed"
    again = u["reception"].receive(lab)
    assert again.status_code == 409, again.text
    assert again.headers["content-type"].startswith("application/problem+json")


def test_refusals_have_the_right_status_and_change_nothing(stack: Stack) -> None:
    u = users(stack)
    before = u["quality"].ok(u["quality"].get("/api/v1/samples"))["total"]

    # 401: no token.
    assert (
        u["quality"].client.get("/api/v1/samples", headers={"Authorization": ""}).status_code == 401
    )
    # 403: an analyst may not log requests.
    forbidden = u["analyst"].post(
        "/api/v1/requests", {"purpose": "complaint", "samples": [paracetamol_sample()]}
    )
    assert forbidden.status_code == 403, forbidden.text
    # 422: which field and why.
    for body, field in [
        ({"purpose": "market_surveillance", "samples": []}, "samples"),
        ({"purpose": "holiday", "samples": [paracetamol_sample()]}, "purpose"),
        (
            {"purpose": "complaint", "samples": [paracetamol_sample(quantity="-3")]},
            "samples[0].quantity",
        ),
        (
            {"purpose": "complaint", "samples": [paracetamol_sample(product_code="NOPE")]},
            "samples[0].product_code",
        ),
        (
            {"purpose": "complaint", "samples": [paracetamol_sample(expiry_date="2024-01-01")]},
            "samples[0].expiry_date",
        ),
    ]:
        answer = u["reception"].post("/api/v1/requests", body)
        assert answer.status_code == 422, (body, answer.text)
        problem = answer.json()
        assert (
            field in {e["field"] for e in problem.get("errors", [])} or field in problem["detail"]
        ), problem
    # 404: unknown lab number.
    assert u["reception"].get(f"/api/v1/samples/LNCM-{YEAR}-99999").status_code == 404
    assert u["reception"].receive(f"LNCM-{YEAR}-99999").status_code == 404
    # Nothing above created a sample.
    assert u["quality"].ok(u["quality"].get("/api/v1/samples"))["total"] == before

    # 409: approval of a sample that is only registered; receipt body refused before any change.
    lab = u["reception"].create_request(requester="requester")["samples"][0]["lab_number"]
    assert u["approver"].approve(lab).status_code == 409
    assert u["reception"].receive(lab, quantity_received=None).status_code == 422
    assert u["reception"].sample(lab)["status"] == "registered"
    # 403: wrong role for receipt.
    assert u["analyst"].receive(lab).status_code == 403


def test_requester_sees_only_their_own_requests(stack: Stack) -> None:
    u = users(stack)
    other = u["reception"].create_request(requester="someone-else")["samples"][0]["lab_number"]
    own = u["requester"].create_request()["samples"][0]["lab_number"]
    assert u["requester"].get(f"/api/v1/samples/{other}").status_code == 404
    listed = {
        s["lab_number"] for s in u["requester"].ok(u["requester"].get("/api/v1/samples"))["items"]
    }
    assert own in listed
    assert other not in listed


def test_analyst_cannot_accept_their_own_result(stack: Stack) -> None:
    u = users(stack)
    lab = u["requester"].create_request()["samples"][0]["lab_number"]
    tests = u["reception"].ok(u["reception"].receive(lab))["tests"]
    by_code = {t["code"]: t for t in tests}
    # The section head analyses the assay herself; everything else goes to the analyst.
    for code, test in by_code.items():
        analyst = "reviewer" if code == "ASSAY" else "analyst"
        u["reviewer"].ok(u["reviewer"].assign(test["test_id"], analyst))
    # Only the assigned analyst may enter a result.
    assert (
        u["analyst2"].submit(by_code["IDENTIFICATION"]["test_id"], ["positive"]).status_code == 403
    )
    for code, values in PARACETAMOL_CONFORMING.items():
        who = "reviewer" if code == "ASSAY" else "analyst"
        u[who].ok(u[who].submit(by_code[code]["test_id"], values))
    own = u["reviewer"].review(by_code["ASSAY"]["test_id"])
    assert own.status_code == 403, own.text
    assert "separation of duties" in own.json()["detail"]
    assay = u["reviewer"].ok(u["reviewer"].get(f"/api/v1/tests/{by_code['ASSAY']['test_id']}"))
    assert assay["status"] == "submitted"
    # A wrong password is not a signature.
    impostor = u["reviewer"]
    impostor.password = "not-my-password"  # same session, wrong password
    assert impostor.review(by_code["APPEARANCE"]["test_id"]).status_code == 401
