"""The chain of custody in the browser: reception receives a sample, puts it in a refrigerator,
hands it to an analyst; the custody timeline shows each movement, a bad one is refused next to
its field, and a requester sees none of it."""

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.support import screenshot
from tests.browser.test_lifecycle import create_request, scan


def test_reception_stores_a_received_sample_and_the_timeline_shows_it(
    login_as: Callable[[str], Page],
) -> None:
    requester = login_as("requester")
    lab_number, _second = create_request(requester)
    reception = login_as("reception")
    scan(reception, lab_number)
    expect(reception.locator("[data-testid=custody-form]")).to_have_count(0)  # not received yet
    reception.fill("input[name=quantity_received]", "100")
    reception.click("#receipt button[type=submit]")
    expect(reception.locator("[data-testid=done]")).to_be_visible()

    custody = reception.locator("#custody")
    expect(custody.locator("[data-testid=custody-now]")).to_contain_text("à la réception")
    custody.locator("[data-testid=custody-kind]").select_option("stored")
    custody.locator("[data-testid=custody-location]").select_option("R2")
    custody.locator("[data-testid=custody-remarks]").fill("étagère 3")
    custody.locator("[data-testid=custody-submit]").click()

    expect(reception.locator("#custody [data-testid=done]")).to_have_text("Mouvement enregistré.")
    now = reception.locator("[data-testid=custody-now]")
    expect(now).to_contain_text("en stockage")
    expect(now).to_contain_text("Réfrigérateur R2 (R2), 2–8 °C")
    rows = reception.locator("[data-testid=custody-event]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Salma Idrissi")
    expect(rows.first).to_contain_text("Mise en stockage")
    expect(rows.first).to_contain_text("étagère 3")

    # Handing to an analyst without saying who: refused next to the field, nothing recorded.
    custody.locator("[data-testid=custody-kind]").select_option("handed_to_analyst")
    custody.locator("[data-testid=custody-submit]").click()
    expect(reception.locator("#custody .field-error[data-field=handed_to]")).to_be_visible()
    expect(reception.locator("[data-testid=custody-event]")).to_have_count(1)

    custody = reception.locator("#custody")
    custody.locator("[data-testid=custody-kind]").select_option("handed_to_analyst")
    custody.locator("[data-testid=custody-handed-to]").fill("analyst")
    custody.locator("[data-testid=custody-submit]").click()
    expect(reception.locator("#custody [data-testid=done]")).to_be_visible()
    expect(reception.locator("[data-testid=custody-now]")).to_contain_text("chez un analyste")
    expect(reception.locator("[data-testid=custody-event]")).to_have_count(2)
    screenshot(reception, "sample-custody")

    requester.goto(f"/samples/{lab_number}")
    expect(requester.locator("[data-testid=lab-number]")).to_have_text(lab_number)
    expect(requester.locator("#custody")).to_have_count(0)


def test_the_admin_adds_a_storage_location(login_as: Callable[[str], Page]) -> None:
    admin = login_as("admin")
    admin.goto("/storage-locations")
    expect(admin.locator("[data-testid=location-R2]")).to_contain_text("2–8 °C")
    admin.fill("[data-testid=location-code]", "f9")
    admin.fill("[data-testid=location-name]", "Congélateur F9")
    admin.fill("[data-testid=location-conditions]", "≤ −70 °C")
    admin.click("[data-testid=location-add]")
    expect(admin.locator("[data-testid=done]")).to_be_visible()
    expect(admin.locator("[data-testid=location-F9]")).to_contain_text("Congélateur F9")
    screenshot(admin, "storage-locations")
