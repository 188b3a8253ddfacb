"""Amended certificates and public verification through the REST API and the public page.

Runs against the real services, a Temporal dev server and the real worker, started once for the
module (tests.support.gateway.full_stack). Each test releases its own sample."""

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator
from typing import Any

import pypdf
import pytest

from services.gateway.api.verify import MAX_PDF_BYTES
from tests.support.gateway import Stack, full_stack, problem

pytestmark = pytest.mark.timeout(600)

JSON = {"Accept": "application/json"}
REASON = "condition on receipt misrecorded"


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with full_stack(tmp_path_factory.mktemp("gateway-amendments")) as running:
        yield running


async def released(stack: Stack) -> tuple[str, list[dict[str, Any]]]:
    """A released sample and its certificate's versions (once the workflow has issued it)."""
    lab = (await stack.create())["samples"][0]["lab_number"]
    await stack.released(lab)
    for _ in range(100):
        versions = await stack.ok(
            stack.get("requester", f"/api/v1/samples/{lab}/certificate/versions")
        )
        if versions:
            return lab, versions
        await asyncio.sleep(0.1)
    raise AssertionError(f"{lab}: no certificate issued")


async def amend(stack: Stack, lab: str, reason: str = REASON) -> Any:
    body = {"reason": reason, "password": "lims-demo"}
    return await stack.ok(
        stack.post("approver", f"/api/v1/samples/{lab}/certificate/amendments", body), 201
    )


async def test_an_amendment_is_version_2_and_version_1_stays_available_superseded(
    stack: Stack,
) -> None:
    lab, [first] = await released(stack)
    assert (first["version"], first["current"], first["replaces"]) == (1, True, None)
    old_pdf = await stack.get("requester", f"/api/v1/samples/{lab}/certificate")
    assert old_pdf.status_code == 200

    second = await amend(stack, lab)

    number = first["report_number"]
    assert second["report_number"] == f"{number}-V2"
    assert (second["version"], second["replaces"], second["reason"]) == (2, number, REASON)
    assert second["current"] and second["url"].endswith("?version=2")
    versions = await stack.ok(stack.get("requester", f"/api/v1/samples/{lab}/certificate/versions"))
    assert [(v["version"], v["current"]) for v in versions] == [(1, False), (2, True)]
    assert versions[0]["superseded_by"] == second["report_number"]
    assert versions[0]["superseded_at"] == second["issued_at"]
    # Version 1 is served exactly as issued, its replacement named in a header.
    again = await stack.get("requester", f"/api/v1/samples/{lab}/certificate?version=1")
    assert again.content == old_pdf.content
    assert again.headers["x-superseded-by"] == second["report_number"]
    new_pdf = await stack.get("requester", f"/api/v1/samples/{lab}/certificate")
    assert new_pdf.content.startswith(b"%PDF") and new_pdf.content != old_pdf.content
    assert second["report_number"] in new_pdf.headers["content-disposition"]
    missing = await stack.get("requester", f"/api/v1/samples/{lab}/certificate?version=3")
    problem(missing, 404)
    # The detail's certificate is the current version.
    detail = await stack.ok(stack.get("requester", f"/api/v1/samples/{lab}"))
    assert detail["certificate"]["report_number"] == second["report_number"]
    # Naming the version corrected makes a retry safe: it returns the version already made,
    # and another correction of that same (now superseded) version is refused.
    path = f"/api/v1/samples/{lab}/certificate/amendments"
    retry = {"reason": REASON, "password": "lims-demo", "replaces": number}
    retried = await stack.ok(stack.post("approver", path, retry), 201)
    assert retried["report_number"] == second["report_number"]
    other = retry | {"reason": "another correction"}
    assert "already replaced" in problem(await stack.post("approver", path, other), 409)["detail"]
    # Without it, the current version is amended: version 3.
    third = await stack.ok(
        stack.post("approver", path, {"reason": "v3", "password": "lims-demo"}), 201
    )
    assert (third["version"], third["replaces"]) == (3, second["report_number"])
    trail = await stack.ok(
        stack.get("quality", "/api/v1/audit", params={"service": "reporting", "action": "amended"})
    )
    ours = [e for e in trail["items"] if e["entity_id"].startswith(number)]
    assert {(e["entity_id"], e["reason"]) for e in ours} == {
        (f"{number}-V2", REASON),
        (f"{number}-V3", "v3"),
    }
    assert all(e["username"] == "approver" for e in ours)


async def test_an_amendment_needs_the_approver_a_reason_and_the_right_password(
    stack: Stack,
) -> None:
    lab, [first] = await released(stack)
    path = f"/api/v1/samples/{lab}/certificate/amendments"

    forbidden = await stack.post("reviewer", path, {"reason": REASON, "password": "lims-demo"})
    problem(forbidden, 403)
    no_reason = problem(await stack.post("approver", path, {"password": "lims-demo"}), 422)
    assert any(error["field"] == "reason" for error in no_reason["errors"])
    blank = problem(await stack.post("approver", path, {"reason": " ", "password": "x"}), 422)
    assert any(error["field"] == "reason" for error in blank["errors"])
    wrong = problem(await stack.post("approver", path, {"reason": REASON, "password": "nope"}), 401)
    assert "password does not match" in wrong["detail"]

    versions = await stack.ok(stack.get("approver", f"/api/v1/samples/{lab}/certificate/versions"))
    assert [v["version"] for v in versions] == [1]
    refusals = await stack.ok(
        stack.get(
            "quality",
            "/api/v1/audit",
            params={"service": "gateway", "action": "signature_refused", "username": "approver"},
        )
    )
    assert any(first["report_number"] in str(e["new_value"]) for e in refusals["items"])
    unreleased = (await stack.create())["samples"][0]["lab_number"]
    problem(
        await stack.post(
            "approver",
            f"/api/v1/samples/{unreleased}/certificate/amendments",
            {"reason": REASON, "password": "lims-demo"},
        ),
        409,
    )


async def test_verification_says_current_or_superseded_and_nothing_more(stack: Stack) -> None:
    lab, [first] = await released(stack)
    number = first["report_number"]
    current = await stack.ok(stack.client.get(f"/verify/{number}", headers=JSON))
    assert current == {
        "authentic": True,
        "report_number": number,
        "lab_number": lab,
        "product": "Paracetamol 500 mg tablets",
        "batch": "PT24117",
        "conclusion": "conforms",
        "issued_at": first["issued_at"],
        "version": 1,
        "current": True,
        "superseded_by": None,
        "superseded_by_version": None,
        "superseded_at": None,
    }
    second = await amend(stack, lab)
    old = await stack.ok(stack.client.get(f"/verify/{number}", headers=JSON))
    assert (old["current"], old["superseded_by"], old["superseded_by_version"]) == (
        False,
        second["report_number"],
        2,
    )
    assert old["superseded_at"] == second["issued_at"]
    new = await stack.ok(stack.client.get(f"/verify/{second['report_number']}", headers=JSON))
    assert (new["current"], new["version"]) == (True, 2)
    page = await stack.client.get(f"/verify/{number}")
    assert page.status_code == 200
    assert "SUPERSEDED" in page.text and second["report_number"] in page.text
    unknown = await stack.client.get(f"/verify/{number}-V9")
    assert unknown.status_code == 404 and "PT24117" not in unknown.text


async def test_an_uploaded_pdf_matches_only_if_byte_identical_to_an_issued_one(
    stack: Stack,
) -> None:
    lab, [first] = await released(stack)
    number = first["report_number"]
    issued = (await stack.get("requester", f"/api/v1/samples/{lab}/certificate")).content

    def upload(data: bytes, name: str = "certificate.pdf") -> dict[str, Any]:
        return {"file": (name, data, "application/pdf")}

    same = await stack.ok(
        stack.client.post(f"/verify/{number}", files=upload(issued), headers=JSON)
    )
    assert same == {
        "report_number": number,
        "matches": True,
        "matching_report_number": number,
        "matching_version": 1,
        "current": True,
        "sha256": hashlib.sha256(issued).hexdigest(),
    }
    altered = issued + b"% one byte more\n"  # still opens as a PDF, but not the one issued
    other = await stack.ok(
        stack.client.post(f"/verify/{number}", files=upload(altered), headers=JSON)
    )
    assert (other["matches"], other["matching_version"], other["current"]) == (False, None, None)

    await amend(stack, lab)
    superseded = await stack.ok(
        stack.client.post(f"/verify/{number}-V2", files=upload(issued), headers=JSON)
    )
    assert (superseded["matches"], superseded["matching_version"], superseded["current"]) == (
        True,
        1,
        False,
    )
    page = await stack.client.post(f"/verify/{number}", files=upload(issued))
    assert page.status_code == 200 and "The file matches" in page.text and "superseded" in page.text

    not_pdf = problem(
        await stack.client.post(
            f"/verify/{number}", files=upload(b"hello", "note.txt"), headers=JSON
        ),
        422,
    )
    assert not_pdf["errors"][0]["field"] == "file" and "not a PDF" in not_pdf["detail"]
    huge = b"%PDF-" + b"0" * MAX_PDF_BYTES
    too_big = problem(
        await stack.client.post(f"/verify/{number}", files=upload(huge), headers=JSON), 422
    )
    assert "larger than" in too_big["detail"]
    refused_page = await stack.client.post(f"/verify/{number}", files=upload(b"hello"))
    assert refused_page.status_code == 422 and "not a PDF" in refused_page.text
    unknown = await stack.client.post("/verify/COA-1999-99999", files=upload(issued), headers=JSON)
    problem(unknown, 404)


async def test_corrected_details_reach_the_amended_certificate_only(stack: Stack) -> None:
    lab, [first] = await released(stack)
    path = f"/api/v1/samples/{lab}/details"
    fix = {"batch_number": "PT24171", "reason": "batch digits swapped at registration"}

    problem(await stack.client.patch(path, json=fix, headers=stack.sessions["analyst"]), 403)
    no_reason = await stack.client.patch(
        path, json={"batch_number": "PT24171"}, headers=stack.sessions["quality"]
    )
    assert problem(no_reason, 422)["errors"][0]["field"] == "reason"
    bad_date = await stack.client.patch(
        path, json={"expiry_date": "2020-01-01", "reason": "x"}, headers=stack.sessions["quality"]
    )
    assert "details.expiry_date" in problem(bad_date, 422)["detail"]
    corrected = await stack.ok(
        stack.client.patch(path, json=fix, headers=stack.sessions["quality"])
    )
    assert corrected["batch_number"] == "PT24171"
    trail = await stack.ok(
        stack.get(
            "quality",
            "/api/v1/audit",
            params={"service": "intake", "action": "sample_details_corrected", "entity_id": lab},
        )
    )
    [entry] = trail["items"]
    assert entry["username"] == "quality" and entry["reason"] == fix["reason"]
    assert "PT24117" in str(entry["old_value"]) and "PT24171" in str(entry["new_value"])

    second = await amend(stack, lab, reason="batch number corrected (PT24171)")
    v1 = await stack.ok(stack.client.get(f"/verify/{first['report_number']}", headers=JSON))
    v2 = await stack.ok(stack.client.get(f"/verify/{second['report_number']}", headers=JSON))
    assert (v1["batch"], v1["current"]) == ("PT24117", False)
    assert (v2["batch"], v2["current"]) == ("PT24171", True)
    pdf = await stack.get("quality", f"/api/v1/samples/{lab}/certificate")
    pages = pypdf.PdfReader(io.BytesIO(pdf.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert f"Remplace / Replaces {first['report_number']}" in text
    assert "batch number corrected (PT24171)" in text
