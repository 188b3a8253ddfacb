"""A sample from request to certificate in the browser, one browser context per role, with the
real stack behind: the forms, the scanner search, the live result preview, a send-back, the
e-signatures, and the certificate download."""

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.support import screenshot
from tests.support.api import PARACETAMOL_CONFORMING

PASSWORD = "lims-demo"
# Raw values that conform to the paracetamol specification, by test code; the assay typed the
# French way (the form accepts a decimal comma).
VALUES = PARACETAMOL_CONFORMING | {"ASSAY": ["99,2", "100,4"]}
LAB_NUMBER = re.compile(r"LNCM-\d{4}-\d{5}")


def create_request(requester: Page) -> list[str]:
    """The requester registers two samples through the form; their lab numbers."""
    requester.goto("/requests/new")
    requester.select_option("[data-testid=purpose]", "market_surveillance")
    requester.select_option("[data-testid=product-0]", "PARA-500-TAB")
    requester.fill("[data-testid=batch-0]", "PCM-2611")
    requester.fill("[data-testid=quantity-0]", "100")
    requester.fill("[data-testid=unit-0]", "tablets")
    requester.click("[data-testid=add-row]")  # htmx adds a second row in place
    expect(requester.locator("[data-testid=sample-row-1]")).to_be_visible()
    requester.select_option("[data-testid=product-1]", "AMOX-500-CAP")
    requester.fill("[data-testid=batch-1]", "AMX-77")
    requester.fill("[data-testid=quantity-1]", "60")
    requester.fill("[data-testid=unit-1]", "capsules")
    screenshot(requester, "request-new")
    requester.click("[data-testid=register]")
    expect(requester.locator("[data-testid=done]")).to_be_visible()
    numbers = LAB_NUMBER.findall(requester.locator("main table").inner_text())
    assert len(numbers) == 2, numbers
    return numbers


def scan(page: Page, lab_number: str) -> None:
    """What a barcode scanner does: types the number into the search box, then Enter."""
    page.fill("[data-testid=scan]", lab_number)
    page.press("[data-testid=scan]", "Enter")
    expect(page.locator("[data-testid=lab-number]")).to_have_text(lab_number)


def status_of(page: Page) -> str:
    return page.locator("[data-testid=status] .badge").get_attribute("class") or ""


def enter_result(analyst: Page, code: str, values: list[str]) -> None:
    test = analyst.locator(f"[data-testid=test-{code}]")
    for index, value in enumerate(values):
        test.locator(f"[data-testid=value-{code}-{index}]").fill(value)
    # The reportable value and the verdict show before submitting (htmx preview).
    expect(test.locator("[data-testid=preview-value]")).to_be_visible()
    test.locator(f"[data-testid=submit-{code}]").click()
    expect(analyst.locator("[data-testid=done]")).to_be_visible()


def review(reviewer: Page, code: str, *, accept: bool, reason: str = "") -> None:
    test = reviewer.locator(f"[data-testid=test-{code}]")
    if not accept:
        test.locator(f"[data-testid=send-back-{code}]").check()
        test.locator("input[name=reason]").fill(reason)
    test.locator(f"[data-testid=password-{code}]").fill(PASSWORD)
    test.locator(f"[data-testid=review-{code}]").click()
    expect(reviewer.locator("[data-testid=done]")).to_be_visible()


def test_a_sample_from_request_to_certificate(login_as: Callable[[str], Page]) -> None:
    requester = login_as("requester")
    screenshot(requester, "home-requester")
    lab_number, _second = create_request(requester)

    # Reception: the sample waits for receipt on the home page; the scanner opens it.
    reception = login_as("reception")
    expect(reception.locator("[data-testid=section-awaiting_receipt]")).to_contain_text(lab_number)
    screenshot(reception, "home-reception")
    scan(reception, lab_number)
    reception.fill("input[name=condition]", "intact, scellé")
    reception.fill("input[name=quantity_received]", "100")
    reception.click("#receipt button[type=submit]")
    expect(reception.locator("[data-testid=done]")).to_be_visible()
    assert "status-received" in status_of(reception)
    expect(reception.locator("[data-testid=sla-badge]")).to_be_visible()

    # The reviewer assigns every test to the analyst.
    reviewer = login_as("reviewer")
    expect(reviewer.locator("[data-testid=section-to_assign]")).to_contain_text(lab_number)
    reviewer.goto(f"/samples/{lab_number}")
    for code in VALUES:
        test = reviewer.locator(f"[data-testid=test-{code}]")
        test.locator(f"[data-testid=assign-{code}]").select_option("analyst")
        test.locator("form.row button").click()
        expect(reviewer.locator("[data-testid=done]")).to_be_visible()
    assert "status-in_testing" in status_of(reviewer)

    # The analyst enters every result; the preview shows the verdict first.
    analyst = login_as("analyst")
    expect(analyst.locator("[data-testid=section-my_tests]")).to_contain_text(lab_number)
    screenshot(analyst, "home-analyst")
    analyst.goto(f"/samples/{lab_number}")
    assay = analyst.locator("[data-testid=test-ASSAY]")
    assay.locator("[data-testid=value-ASSAY-0]").fill("99,2")
    assay.locator("[data-testid=value-ASSAY-1]").fill("100,4")
    expect(assay.locator("[data-testid=preview-value]")).to_contain_text("99,8")
    expect(assay.locator("[data-testid=preview-verdict]")).to_be_visible()
    screenshot(analyst, "result-preview")
    for code, values in VALUES.items():
        enter_result(analyst, code, values)
    assert "status-in_review" in status_of(analyst)

    # The reviewer sends the assay back; the analyst resubmits; then everything is accepted.
    reviewer.goto(f"/samples/{lab_number}")
    review(reviewer, "ASSAY", accept=False, reason="intégration du pic à revoir")
    assert "status-in_testing" in status_of(reviewer)
    analyst.goto(f"/samples/{lab_number}")
    enter_result(analyst, "ASSAY", ["99,6", "100,0"])
    reviewer.goto(f"/samples/{lab_number}")
    screenshot(reviewer, "sample-in-review")
    for code in VALUES:
        review(reviewer, code, accept=True)
    assert "status-awaiting_approval" in status_of(reviewer)

    # The approver signs; the certificate is issued and downloads as a PDF.
    approver = login_as("approver")
    expect(approver.locator("[data-testid=section-to_approve]")).to_contain_text(lab_number)
    approver.goto(f"/samples/{lab_number}")
    approver.fill("[data-testid=approval-password]", PASSWORD)
    approver.click("[data-testid=approve]")
    expect(approver.locator("[data-testid=done]")).to_be_visible()
    assert "status-released" in status_of(approver)
    # Every signature is shown with its time zone and checked against its record.
    expect(approver.locator("[data-testid=signature]")).to_have_count(len(VALUES) + 2)
    expect(approver.locator("[data-testid=signature-broken]")).to_have_count(0)
    screenshot(approver, "sample-released")
    link = approver.locator("[data-testid=certificate]")
    pdf = approver.request.get(link.get_attribute("href") or "")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    # The requester sees the released sample and downloads its certificate too.
    requester.goto(f"/samples/{lab_number}")
    assert "status-released" in status_of(requester)
    expect(requester.locator("[data-testid=timeline] li")).not_to_have_count(0)
    screenshot(requester, "sample-requester")


def test_the_language_switch_changes_every_page(login_as: Callable[[str], Page]) -> None:
    page = login_as("quality")
    expect(page.locator("nav.main-nav")).to_contain_text("Échantillons")
    screenshot(page, "home-quality-fr")
    page.click("[data-testid=lang-en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("nav.main-nav")).to_contain_text("Samples")
    page.goto("/samples")
    expect(page.locator("h1")).to_contain_text("Samples")
    screenshot(page, "samples-en")
    page.click("[data-testid=lang-fr]")
    expect(page.locator("h1")).to_contain_text("Échantillons")


def test_a_forbidden_action_is_not_offered_and_refused_if_forced(
    login_as: Callable[[str], Page],
) -> None:
    requester = login_as("requester")
    lab_number, _ = create_request(requester)
    # Reception may record receipt; the analyst is not offered the form...
    analyst = login_as("analyst")
    analyst.goto(f"/samples/{lab_number}")
    expect(analyst.locator("#receipt")).to_have_count(0)
    # ...and forcing it (the form posted by hand, with a valid CSRF token) is refused.
    token = analyst.evaluate(
        "() => JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']"
    )
    answer = analyst.request.post(
        f"/samples/{lab_number}/receipt",
        form={"csrf_token": token, "decision": "accept", "quantity_received": "10"},
    )
    assert answer.status == 403
    # Without the CSRF token, even the right role is refused.
    reception = login_as("reception")
    forged = reception.request.post(
        f"/samples/{lab_number}/receipt", form={"decision": "accept", "quantity_received": "10"}
    )
    assert forged.status == 403
    reception.goto(f"/samples/{lab_number}")
    assert "status-registered" in status_of(reception)


def test_a_refusal_shows_next_to_its_field_in_french(login_as: Callable[[str], Page]) -> None:
    requester = login_as("requester")
    lab_number, _ = create_request(requester)
    reception = login_as("reception")
    reception.goto(f"/samples/{lab_number}")
    reception.check("#receipt input[value=reject]")
    reception.click("#receipt button[type=submit]")
    error = reception.locator("#receipt .field-error[data-field=reason]")
    expect(error).to_be_visible()
    expect(error).to_contain_text("obligatoire")
    screenshot(reception, "receipt-refused")


def test_an_ended_session_goes_back_to_sign_in_then_to_the_page(
    login_as: Callable[[str], Page],
) -> None:
    page = login_as("reception")
    # A session the server no longer accepts (expired, or the server's key changed).
    page.context.add_cookies(
        [{"name": "lims_session", "value": "expired.token.value", "url": page.url}]
    )
    page.goto("/samples?status=registered")
    expect(page.locator("[data-testid=expired]")).to_be_visible()
    page.fill("input[name=username]", "reception")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Échantillons")
    assert page.url.endswith("/samples?status=registered")


def test_hold_stops_the_clock_resume_restarts_it_and_cancel_ends(
    login_as: Callable[[str], Page],
) -> None:
    requester = login_as("requester")
    first, second = create_request(requester)
    reception = login_as("reception")
    scan(reception, first)
    reception.fill("input[name=quantity_received]", "100")
    reception.click("#receipt button[type=submit]")
    expect(reception.locator("[data-testid=done]")).to_be_visible()

    quality = login_as("quality")
    quality.goto(f"/samples/{first}")
    quality.click("[data-testid=hold]")  # no reason: refused next to the field
    expect(quality.locator("#supervision .field-error[data-field=reason]")).to_be_visible()
    quality.fill("[data-testid=supervision-reason]", "en attente du standard de référence")
    quality.click("[data-testid=hold]")
    expect(quality.locator("[data-testid=done]")).to_be_visible()
    assert "status-on_hold" in status_of(quality)
    quality.fill("[data-testid=supervision-reason]", "standard reçu")
    quality.click("[data-testid=resume]")
    expect(quality.locator("[data-testid=done]")).to_be_visible()
    assert "status-received" in status_of(quality)

    # Reception may cancel (a sample registered by mistake), with a reason.
    scan(reception, second)
    reception.fill("[data-testid=supervision-reason]", "enregistré par erreur")
    reception.click("[data-testid=cancel]")
    expect(reception.locator("[data-testid=done]")).to_be_visible()
    assert "status-cancelled" in status_of(reception)
    expect(reception.locator("#supervision")).to_have_count(0)
