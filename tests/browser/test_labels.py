"""Labels in the browser: reception prints a sample's labels from its page, then scans an aliquot
label, which opens the sample; a requester is not offered labels."""

import io
from collections.abc import Callable

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.support import screenshot
from tests.browser.test_lifecycle import create_request


def test_reception_prints_labels_and_an_aliquot_label_opens_its_sample(
    login_as: Callable[[str], Page],
) -> None:
    requester = login_as("requester")
    lab_number, _ = create_request(requester)
    requester.goto(f"/samples/{lab_number}")
    expect(requester.locator("[data-testid=lab-number]")).to_have_text(lab_number)
    expect(requester.locator("[data-testid=labels]")).to_have_count(0)

    reception = login_as("reception")
    reception.goto(f"/samples/{lab_number}")
    link = reception.locator("[data-testid=labels]")
    expect(link).to_have_text("Imprimer les étiquettes")
    screenshot(reception, "sample-labels-link")
    href = link.get_attribute("href")
    assert href == f"/samples/{lab_number}/labels.pdf"
    # The session cookie goes with the request, as when the link opens the PDF in a tab.
    answer = reception.request.get(href)
    assert answer.ok, answer.text()
    assert answer.headers["content-type"] == "application/pdf"
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(answer.body())).pages]
    codes = [lab_number, f"{lab_number}-A1", f"{lab_number}-A2"]
    assert len(pages) == len(codes)
    for text, code in zip(pages, codes, strict=True):
        assert code in text.splitlines() and "PCM-2611" in text

    reception.goto("/")
    reception.fill("[data-testid=scan]", f"{lab_number}-A2")
    reception.press("[data-testid=scan]", "Enter")
    expect(reception.locator("[data-testid=lab-number]")).to_have_text(lab_number)
    assert reception.url.endswith(f"/samples/{lab_number}")


def test_a_requester_opening_the_labels_address_is_refused(
    login_as: Callable[[str], Page],
) -> None:
    requester = login_as("requester")
    lab_number, _ = create_request(requester)
    answer = requester.request.get(f"/samples/{lab_number}/labels.pdf")
    assert answer.status == 403
