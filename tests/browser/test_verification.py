"""Public verification in the browser: the URL the certificate's QR code encodes opens the page
without signing in; it says "authentic and current", an uploaded copy of the PDF "matches"; after
the approver issues a corrected version from the sample page, the old number says "superseded"."""

import io
import re
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import FilePayload, Page, expect
from pypdf import PdfReader

from tests.browser.support import screenshot
from tests.support.api import PARACETAMOL_CONFORMING, Api

# The certificate prints the URL its QR code encodes under the code, "Verify: <url>", which the
# narrow caption wraps at its slashes: the URL is the run of unspaced lines after "Verify:".
VERIFY_URL = re.compile(r"Verify:\s*((?:\S+\n)+)")


def released_sample(base_url: str) -> str:
    """A paracetamol sample taken to release through the REST API, each step by its own role."""
    requester, reception = Api(base_url, "requester"), Api(base_url, "reception")
    reviewer, analyst = Api(base_url, "reviewer"), Api(base_url, "analyst")
    lab = requester.create_request()["samples"][0]["lab_number"]
    tests = reception.ok(reception.receive(lab))["tests"]
    for test in tests:
        reviewer.ok(reviewer.assign(test["test_id"], "analyst"))
    for test in tests:
        analyst.ok(analyst.submit(test["test_id"], PARACETAMOL_CONFORMING[test["code"]]))
    for test in tests:
        reviewer.ok(reviewer.review(test["test_id"]))
    approver = Api(base_url, "approver")
    approver.ok(approver.approve(lab))
    return str(lab)


def certificate_of(page: Page, lab: str) -> tuple[bytes, str]:
    """The certificate PDF as the signed-in user downloads it, and the URL its QR code encodes."""
    for _ in range(100):  # the workflow issues the certificate just after the approval
        answer = page.request.get(f"/samples/{lab}/certificate")
        if answer.ok:
            break
        time.sleep(0.1)
    assert answer.ok, answer.text()
    pdf = answer.body()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    found = VERIFY_URL.search(text)
    assert found, "the certificate prints no verification URL"
    return pdf, "".join(found.group(1).split())


def upload(page: Page, pdf: bytes) -> None:
    page.set_input_files(
        "input[name=file]",
        files=FilePayload(name="certificate.pdf", mimeType="application/pdf", buffer=pdf),
    )
    page.click("form button[type=submit]")


def test_the_qr_url_verifies_the_certificate_and_an_amendment_supersedes_it(
    login_as: Callable[[str], Page], page: Page, gateway_url: str
) -> None:
    lab = released_sample(gateway_url)
    approver = login_as("approver")
    first_pdf, first_url = certificate_of(approver, lab)
    report_number = first_url.rsplit("/", 1)[1]
    assert first_url == f"{gateway_url}/verify/{report_number}"

    # Anyone, not signed in, opens the QR code's URL.
    page.goto(first_url)
    expect(page.locator("#verdict")).to_contain_text("Authentic and current")
    expect(page.locator("main")).to_contain_text("PT24117")
    upload(page, first_pdf)
    expect(page.locator("#pdf-check")).to_contain_text("The file matches")
    expect(page.locator("#pdf-check")).to_contain_text("current")
    screenshot(page, "verify-current-match")
    upload(page, first_pdf + b"%")
    expect(page.locator("#pdf-check")).to_contain_text("does not match")

    # The approver issues a corrected certificate from the sample page.
    approver.goto(f"/samples/{lab}")
    approver.click("#certificate summary")
    approver.fill("[data-testid=amendment-reason]", "Fabricant mal orthographié")
    approver.fill("[data-testid=amendment-password]", "lims-demo")
    approver.click("[data-testid=amend]")
    expect(approver.locator("[data-testid=done]")).to_be_visible()
    expect(approver.locator("[data-testid=certificate-version-1]")).to_contain_text("REMPLACÉ")
    expect(approver.locator("[data-testid=certificate-version-2]")).to_contain_text("en vigueur")
    screenshot(approver, "sample-certificate-versions")
    second_pdf, second_url = certificate_of(approver, lab)
    assert second_url == f"{first_url}-V2"
    old: Any = approver.request.get(f"/samples/{lab}/certificate?version=1")
    assert old.body() == first_pdf

    page.goto(first_url)
    expect(page.locator("#verdict")).to_contain_text("SUPERSEDED")
    expect(page.locator("#verdict")).to_contain_text(f"{report_number}-V2")
    upload(page, first_pdf)
    expect(page.locator("#pdf-check")).to_contain_text("The file matches")
    expect(page.locator("#pdf-check")).to_contain_text("superseded")
    screenshot(page, "verify-superseded")
    page.goto(second_url)
    expect(page.locator("#verdict")).to_contain_text("Authentic and current")
    upload(page, second_pdf)
    expect(page.locator("#pdf-check")).to_contain_text("version 2, current")
