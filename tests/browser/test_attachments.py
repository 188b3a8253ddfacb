"""Files attached to a result, and the resources that gate an assignment, in the browser: the
analyst attaches a chromatogram PDF and downloads the same bytes back, a wrong-type or too-large
file is refused in French next to the field; quality adds an instrument then marks it overdue,
and the reviewer's assignment naming it is refused next to the instrument field."""

import hashlib
from collections.abc import Callable
from datetime import date, timedelta

from playwright.sync_api import FilePayload, Page, expect

from tests.browser.support import screenshot
from tests.browser.test_lifecycle import create_request, scan

# A small but real PDF: what an HPLC data system exports as a chromatogram report.
CHROMATOGRAM = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)
TOO_LARGE = 10 * 1024 * 1024 + 1


def chosen(name: str, mime_type: str, content: bytes) -> FilePayload:
    """A file as the file picker hands it to the form."""
    return {"name": name, "mimeType": mime_type, "buffer": content}


def received_sample(login_as: Callable[[str], Page]) -> str:
    """A paracetamol sample registered by the requester and received by reception."""
    lab_number, _second = create_request(login_as("requester"))
    reception = login_as("reception")
    scan(reception, lab_number)
    reception.fill("input[name=condition]", "intact")
    reception.fill("input[name=quantity_received]", "100")
    reception.click("#receipt button[type=submit]")
    expect(reception.locator("[data-testid=done]")).to_be_visible()
    return lab_number


def test_the_analyst_attaches_a_chromatogram_and_downloads_the_same_bytes(
    login_as: Callable[[str], Page],
) -> None:
    lab_number = received_sample(login_as)
    reviewer = login_as("reviewer")
    reviewer.goto(f"/samples/{lab_number}")
    assay = reviewer.locator("[data-testid=test-ASSAY]")
    assay.locator("[data-testid=assign-ASSAY]").select_option("analyst")
    assay.locator("[data-testid=assign-submit-ASSAY]").click()
    expect(reviewer.locator("[data-testid=done]")).to_be_visible()
    # Only the assigned analyst is offered the upload form.
    expect(reviewer.locator("[data-testid=attach-form-ASSAY]")).to_have_count(0)

    analyst = login_as("analyst")
    analyst.goto(f"/samples/{lab_number}")
    assay = analyst.locator("[data-testid=test-ASSAY]")
    assay.locator("[data-testid=attach-file-ASSAY]").set_input_files(
        files=chosen("chromatogramme.pdf", "application/pdf", CHROMATOGRAM)
    )
    assay.locator("[data-testid=attach-ASSAY]").click()
    expect(analyst.locator("[data-testid=done]")).to_have_text("Fichier joint.")
    listed = analyst.locator("[data-testid=test-ASSAY] [data-testid=attachment]")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("chromatogramme.pdf")
    expect(listed).to_contain_text(hashlib.sha256(CHROMATOGRAM).hexdigest()[:12])
    expect(listed).to_contain_text("Amina El Fassi")
    screenshot(analyst, "attachment-added")
    with analyst.expect_download() as downloading:
        listed.locator("[data-testid=attachment-download]").click()
    download = downloading.value
    assert download.suggested_filename == "chromatogramme.pdf"
    with open(download.path(), "rb") as saved:
        assert saved.read() == CHROMATOGRAM

    # A program is refused, saying which types are accepted, in French, next to the field.
    assay = analyst.locator("[data-testid=test-ASSAY]")
    assay.locator("[data-testid=attach-file-ASSAY]").set_input_files(
        files=chosen("outil.exe", "application/x-msdownload", b"MZ")
    )
    assay.locator("[data-testid=attach-ASSAY]").click()
    error = analyst.locator("[data-testid=test-ASSAY] .field-error[data-field=content_type]")
    expect(error).to_contain_text("le type application/x-msdownload n'est pas accepté")
    # So is a file over 10 MB; nothing was added either time.
    assay = analyst.locator("[data-testid=test-ASSAY]")
    assay.locator("[data-testid=attach-file-ASSAY]").set_input_files(
        files=chosen("gros.pdf", "application/pdf", b"%" * TOO_LARGE)
    )
    assay.locator("[data-testid=attach-ASSAY]").click()
    error = analyst.locator("[data-testid=test-ASSAY] .field-error[data-field=file]")
    expect(error).to_have_text("10 Mo au plus")
    screenshot(analyst, "attachment-refused")
    analyst.goto(f"/samples/{lab_number}")
    expect(analyst.locator("[data-testid=test-ASSAY] [data-testid=attachment]")).to_have_count(1)


def test_quality_marks_an_instrument_overdue_and_the_assignment_naming_it_is_refused(
    login_as: Callable[[str], Page],
) -> None:
    quality = login_as("quality")
    quality.goto("/resources")
    quality.fill("[data-testid=instrument-code]", "HPLC-88")
    quality.fill("[data-testid=instrument-name]", "HPLC du banc 8")
    quality.fill("[data-testid=instrument-techniques]", "HPLC")
    quality.fill("[data-testid=instrument-due]", (date.today() + timedelta(days=90)).isoformat())
    quality.click("[data-testid=instrument-save]")
    expect(quality.locator("[data-testid=done]")).to_be_visible()
    expect(quality.locator("[data-testid=instrument-HPLC-88]")).to_contain_text("HPLC du banc 8")

    # The reviewer opens the sample while HPLC-88 is valid: it is offered, and chosen.
    lab_number = received_sample(login_as)
    reviewer = login_as("reviewer")
    reviewer.goto(f"/samples/{lab_number}")
    assay = reviewer.locator("[data-testid=test-ASSAY]")
    assay.locator("[data-testid=assign-ASSAY]").select_option("analyst")
    assay.locator("[data-testid=instrument-ASSAY]").select_option("HPLC-88")

    # Meanwhile quality finds its calibration is overdue, and records it (with a reason).
    overdue = (date.today() - timedelta(days=1)).isoformat()
    quality.fill("[data-testid=instrument-code]", "HPLC-88")
    quality.fill("[data-testid=instrument-name]", "HPLC du banc 8")
    quality.fill("[data-testid=instrument-techniques]", "HPLC")
    quality.fill("[data-testid=instrument-due]", overdue)
    quality.fill("[data-testid=instrument-reason]", "certificat d'étalonnage périmé")
    quality.click("[data-testid=instrument-save]")
    expect(quality.locator("[data-testid=done]")).to_be_visible()

    assay.locator("[data-testid=assign-submit-ASSAY]").click()
    error = reviewer.locator("[data-testid=test-ASSAY] .field-error[data-field=instrument]")
    expect(error).to_contain_text(f"l'étalonnage de HPLC-88 était à faire le {overdue}")
    expect(reviewer.locator("[data-testid=test-ASSAY] .badge.status-pending")).to_be_visible()
    screenshot(reviewer, "assignment-overdue-instrument")
