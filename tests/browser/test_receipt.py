"""The receipt checklist in the browser: a refrigerated sample is refused without its temperature
on arrival, too few units are refused saying how many are needed, then accepted as a decision
with its reason; the sample page shows the checks."""

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.support import screenshot
from tests.browser.test_lifecycle import scan, status_of


def register_refrigerated_sample(requester: Page) -> str:
    """The requester registers one paracetamol sample kept at 2–8 °C; its lab number."""
    requester.goto("/requests/new")
    requester.select_option("[data-testid=purpose]", "complaint")
    requester.select_option("[data-testid=product-0]", "PARA-500-TAB")
    requester.fill("[data-testid=batch-0]", "PCM-COLD-1")
    requester.fill("[data-testid=quantity-0]", "40")
    requester.fill("[data-testid=unit-0]", "tablets")
    requester.fill("[data-testid=storage-0]", "2–8 °C")
    requester.click("[data-testid=register]")
    expect(requester.locator("[data-testid=done]")).to_be_visible()
    # One sample: its page opens, with the catalogue's details and the conditions declared.
    expect(requester.locator("[data-testid=storage-conditions]")).to_have_text("2–8 °C")
    return requester.locator("[data-testid=lab-number]").inner_text()


def test_too_few_units_are_refused_then_accepted_with_the_decision_and_reason(
    login_as: Callable[[str], Page],
) -> None:
    lab_number = register_refrigerated_sample(login_as("requester"))
    reception = login_as("reception")
    scan(reception, lab_number)
    receipt = reception.locator("#receipt")
    receipt.locator("input[name=quantity_received]").fill("40")
    receipt.locator("input[name=temperature_on_arrival]").fill("5")
    receipt.locator("button[type=submit]").click()

    error = reception.locator("#receipt .field-error[data-field=quantity_received]")
    expect(error).to_contain_text("60 tablets requis")
    assert "status-registered" in status_of(reception)
    screenshot(reception, "receipt-insufficient")

    # The decision needs its reason: refused next to the reason field.
    receipt = reception.locator("#receipt")
    receipt.locator("input[name=accept_insufficient_quantity]").check()
    receipt.locator("input[name=seals_intact]").uncheck()
    receipt.locator("button[type=submit]").click()
    expect(reception.locator("#receipt .field-error[data-field=reason]")).to_be_visible()
    # What was typed and unchecked is kept.
    receipt = reception.locator("#receipt")
    expect(receipt.locator("input[name=seals_intact]")).not_to_be_checked()
    expect(receipt.locator("input[name=temperature_on_arrival]")).to_have_value("5")

    receipt.locator("input[name=reason]").fill("tout le stock saisi")
    receipt.locator("button[type=submit]").click()
    expect(reception.locator("[data-testid=done]")).to_be_visible()
    assert "status-received" in status_of(reception)
    checks = reception.locator("[data-testid=receipt-checks]")
    expect(checks).to_contain_text("scellés rompus ou absents")
    expect(checks).to_contain_text("étiquetage lisible")
    expect(checks).to_contain_text("5 °C")
    expect(checks).to_contain_text("quantité insuffisante acceptée")
    expect(checks).to_contain_text("tout le stock saisi")
    screenshot(reception, "receipt-insufficient-accepted")


def test_a_refrigerated_sample_needs_its_temperature_on_arrival(
    login_as: Callable[[str], Page],
) -> None:
    lab_number = register_refrigerated_sample(login_as("requester"))
    reception = login_as("reception")
    scan(reception, lab_number)
    receipt = reception.locator("#receipt")
    receipt.locator("input[name=quantity_received]").fill("60")
    receipt.locator("button[type=submit]").click()

    error = reception.locator("#receipt .field-error[data-field=temperature_on_arrival]")
    expect(error).to_contain_text("2–8 °C")
    assert "status-registered" in status_of(reception)

    reception.locator("#receipt input[name=temperature_on_arrival]").fill("4,5")
    reception.locator("#receipt button[type=submit]").click()
    expect(reception.locator("[data-testid=done]")).to_be_visible()
    expect(reception.locator("[data-testid=receipt-checks]")).to_contain_text("4,5 °C")
