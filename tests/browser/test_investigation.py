"""An out-of-specification assay in the browser: the analyst's result opens an investigation that
holds the review; the reviewer signs Phase I with the checklist, finds no cause; quality signs
the conclusion; the OOS result is then reviewed. A checklist left unanswered is refused in
French next to the checklist."""

from collections.abc import Callable

from playwright.sync_api import Page, expect

from services.gateway.domain import DEMO_PASSWORD
from services.testing.investigation import CHECKLIST
from tests.browser.support import screenshot
from tests.browser.test_lifecycle import enter_result, scan, status_of
from tests.support.api import PARACETAMOL_CONFORMING

OOS = PARACETAMOL_CONFORMING | {"ASSAY": ["93,0", "93,4"]}


def register_and_receive(requester: Page, reception: Page) -> str:
    requester.goto("/requests/new")
    requester.select_option("[data-testid=purpose]", "complaint")
    requester.select_option("[data-testid=product-0]", "PARA-500-TAB")
    requester.fill("[data-testid=batch-0]", "PCM-OOS-1")
    requester.fill("[data-testid=quantity-0]", "100")
    requester.fill("[data-testid=unit-0]", "tablets")
    requester.click("[data-testid=register]")
    expect(requester.locator("[data-testid=done]")).to_be_visible()
    lab_number = requester.locator("[data-testid=lab-number]").inner_text()
    scan(reception, lab_number)
    reception.fill("input[name=quantity_received]", "100")
    reception.click("#receipt button[type=submit]")
    expect(reception.locator("[data-testid=done]")).to_be_visible()
    return lab_number


def test_an_oos_result_is_investigated_signed_and_then_reviewed(
    login_as: Callable[[str], Page],
) -> None:
    lab_number = register_and_receive(login_as("requester"), login_as("reception"))
    reviewer = login_as("reviewer")
    reviewer.goto(f"/samples/{lab_number}")
    for code in OOS:
        test = reviewer.locator(f"[data-testid=test-{code}]")
        test.locator(f"[data-testid=assign-{code}]").select_option("analyst")
        test.locator("form.row button").click()
        expect(reviewer.locator("[data-testid=done]")).to_be_visible()
    analyst = login_as("analyst")
    analyst.goto(f"/samples/{lab_number}")
    for code, values in OOS.items():
        enter_result(analyst, code, values)
    assert "status-in_review" in status_of(analyst)

    # The reviewer sees the investigation instead of the review form for the assay.
    reviewer.goto(f"/samples/{lab_number}")
    expect(reviewer.locator("[data-testid=under-investigation-ASSAY]")).to_be_visible()
    expect(reviewer.locator("[data-testid=review-ASSAY]")).to_have_count(0)
    reviewer.goto("/")
    expect(reviewer.locator("[data-testid=section-investigations]")).to_contain_text(lab_number)
    reviewer.goto(f"/samples/{lab_number}")
    reviewer.click("[data-testid=investigation-ASSAY]")
    expect(reviewer.locator("[data-testid=oos-value]")).to_contain_text("93.2")

    # Unanswered checklist: refused in French, nothing signed.
    reviewer.fill("[data-testid=summary]", "Aucune erreur de laboratoire")
    reviewer.fill("[data-testid=password]", DEMO_PASSWORD)
    reviewer.click("[data-testid=sign-phase-one]")
    expect(reviewer.locator("[data-testid=refusal]")).to_contain_text("liste de contrôle")
    for item in CHECKLIST:
        reviewer.check(f"[data-testid=yes-{item}]")
    reviewer.check("[data-testid=no-cause]")
    reviewer.fill("[data-testid=password]", DEMO_PASSWORD)
    screenshot(reviewer, "investigation-phase-one")
    reviewer.click("[data-testid=sign-phase-one]")
    expect(reviewer.locator("[data-testid=done]")).to_be_visible()
    expect(reviewer.locator("[data-testid=checklist] li")).to_have_count(len(CHECKLIST))

    quality = login_as("quality")
    quality.goto(reviewer.url.split("?")[0])
    quality.check("[data-testid=confirmed]")
    quality.fill("[data-testid=summary]", "Lot non conforme, confirmé avec le titulaire")
    quality.fill("[data-testid=password]", DEMO_PASSWORD)
    quality.click("[data-testid=sign-conclusion]")
    expect(quality.locator("[data-testid=done]")).to_be_visible()
    expect(quality.locator("[data-testid=signature]")).to_have_count(2)
    expect(quality.locator("[data-testid=signature-broken]")).to_have_count(0)
    screenshot(quality, "investigation-concluded")

    # The review form is back for the assay once the lifecycle has the outcome.
    reviewer.goto(f"/samples/{lab_number}")
    expect(reviewer.locator("[data-testid=review-ASSAY]")).to_be_visible(timeout=10_000)
