"""The requester's contact in the browser: the request form refuses a mistyped e-mail next to
its field (in French) and keeps what was typed, the sample page shows the contact, and after a
rejection reception sees the notice owed to that e-mail on the notifications page (pending:
this stack has no mail server)."""

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.support import screenshot


def test_the_request_form_takes_the_contact_and_the_rejection_notice_waits_for_it(
    login_as: Callable[[str], Page],
) -> None:
    requester = login_as("requester")
    requester.goto("/requests/new")
    requester.select_option("[data-testid=purpose]", "complaint")
    requester.select_option("[data-testid=product-0]", "PARA-500-TAB")
    requester.fill("[data-testid=batch-0]", "PCM-CONTACT-1")
    requester.fill("[data-testid=quantity-0]", "60")
    requester.fill("[data-testid=unit-0]", "tablets")
    requester.fill("[data-testid=contact-name]", "Dr Amina Idrissi")
    requester.fill("[data-testid=contact-email]", "amina at example")
    requester.fill("[data-testid=contact-phone]", "+212 5 37 00 00 00")
    requester.click("[data-testid=register]")

    error = requester.locator(".field-error[data-field=contact_email]")
    expect(error).to_contain_text("n'est pas une adresse électronique")
    expect(requester.locator("[data-testid=contact-name]")).to_have_value("Dr Amina Idrissi")
    screenshot(requester, "request-contact-refused")

    requester.fill("[data-testid=contact-email]", "amina.idrissi@example.org")
    requester.click("[data-testid=register]")
    expect(requester.locator("[data-testid=done]")).to_be_visible()
    contact = requester.locator("[data-testid=contact]")
    expect(contact).to_contain_text("Dr Amina Idrissi")
    expect(contact).to_contain_text("amina.idrissi@example.org")
    expect(contact).to_contain_text("+212 5 37 00 00 00")
    lab_number = requester.locator("[data-testid=lab-number]").inner_text()

    reception = login_as("reception")
    reception.goto(f"/samples/{lab_number}")
    reception.check("#receipt input[value=reject]")
    reception.fill("#receipt input[name=reason]", "scellé rompu")
    reception.click("#receipt button[type=submit]")
    expect(reception.locator("[data-testid=done]")).to_be_visible()

    email = reception.locator("[data-testid=outbox-email]").filter(has_text=lab_number)
    for _ in range(50):  # written by the workflow once the lifecycle has ended
        reception.goto("/notifications")
        if email.count():
            break
        reception.wait_for_timeout(200)
    expect(email).to_contain_text("amina.idrissi@example.org")
    expect(email.locator("[data-testid=outbox-status]")).to_have_text("pas encore envoyé")
    screenshot(reception, "outbox-pending")
