"""The quality manager reads a sample's audit trail in the browser, verifies the chains,
records the review of the trail and exports it; other roles are not offered the page."""

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.support import screenshot
from tests.browser.test_lifecycle import create_request


def test_quality_reads_verifies_reviews_and_exports_the_audit_trail(
    login_as: Callable[[str], Page],
) -> None:
    lab_number, _ = create_request(login_as("requester"))
    quality = login_as("quality")
    quality.click("[data-testid=nav-audit]")
    quality.fill("[data-testid=audit-sample]", lab_number)
    quality.click("[data-testid=audit-apply]")
    entries = quality.locator("[data-testid=audit-entries] tbody tr")
    expect(entries.first).to_contain_text(lab_number)
    expect(quality.locator("[data-testid=audit-entries]")).to_contain_text("Youssef Benali")

    quality.click("[data-testid=audit-verify]")
    expect(quality.locator("[data-testid=verification]")).to_be_visible()
    for service in ("intake", "testing", "review", "reporting", "gateway"):
        expect(quality.locator(f"[data-testid=chain-{service}]")).to_contain_text("intacte")
    screenshot(quality, "audit-trail")

    export = quality.request.get(f"/audit/export.csv?related_to={lab_number}")
    assert export.status == 200 and "text/csv" in export.headers["content-type"]
    assert lab_number in export.text()
    printed = quality.request.get(f"/audit/export.pdf?related_to={lab_number}")
    assert printed.status == 200 and printed.body().startswith(b"%PDF")

    # The review needs a comment: refused next to the field, then recorded.
    quality.fill("[data-testid=review-start]", "2026-01-01")
    quality.fill("[data-testid=review-end]", "2026-12-31")
    quality.click("[data-testid=review-record]")
    expect(quality.locator("#review .field-error[data-field=comment]")).to_be_visible()
    quality.fill("[data-testid=review-comment]", "Piste de l'échantillon revue : complète.")
    quality.click("[data-testid=review-record]")
    expect(quality.locator("[data-testid=done]")).to_be_visible()
    expect(quality.locator("[data-testid=audit-reviews]")).to_contain_text("complète")


def test_the_audit_trail_is_not_offered_to_an_analyst(login_as: Callable[[str], Page]) -> None:
    analyst = login_as("analyst")
    expect(analyst.locator("[data-testid=nav-audit]")).to_have_count(0)
    response = analyst.goto("/audit")
    assert response is not None and response.status == 403
    # A page, in French, not a bare error.
    expect(analyst.locator("h1")).to_have_text("Non autorisé")
