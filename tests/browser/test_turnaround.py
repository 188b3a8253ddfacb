"""The admin sets a turnaround target in working days, with a reason, in the browser; a sample
received afterwards shows it on its page."""

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.support import screenshot
from tests.browser.test_lifecycle import scan

KEY = "suspected_falsified-urgent"  # no other browser test registers one


def test_admin_changes_a_target_with_a_reason_and_a_received_sample_keeps_it(
    login_as: Callable[[str], Page],
) -> None:
    admin = login_as("admin")
    admin.click("[data-testid=nav-turnaround]")
    expect(admin.locator("[data-testid=turnaround-note]")).to_contain_text("garde l'objectif")
    row = admin.locator(f"[data-testid=target-{KEY}]")
    expect(row.locator(f"[data-testid=target-text-{KEY}]")).to_have_text("2 jours")

    row.locator(f"[data-testid=days-{KEY}]").fill("4")
    row.locator(f"[data-testid=basis-{KEY}]").select_option("working_days")
    row.locator(f"[data-testid=save-{KEY}]").click()  # no reason: refused next to the field
    row = admin.locator(f"[data-testid=target-{KEY}]")
    expect(row.locator(".field-error[data-field=reason]")).to_be_visible()
    expect(row.locator(f"[data-testid=target-text-{KEY}]")).to_have_text("2 jours")

    row.locator(f"[data-testid=reason-{KEY}]").fill("procédure QA-012 rév. 3")
    row.locator(f"[data-testid=save-{KEY}]").click()
    expect(admin.locator("[data-testid=done]")).to_be_visible()
    row = admin.locator(f"[data-testid=target-{KEY}]")
    expect(row.locator(f"[data-testid=target-text-{KEY}]")).to_have_text("4 jours ouvrés")
    expect(row).to_contain_text("admin")
    screenshot(admin, "turnaround-targets")

    requester = login_as("requester")
    requester.goto("/requests/new")
    requester.select_option("[data-testid=purpose]", "suspected_falsified")
    requester.select_option("select[name=priority]", "urgent")
    requester.select_option("[data-testid=product-0]", "PARA-500-TAB")
    requester.fill("[data-testid=batch-0]", "PCM-FAKE-1")
    requester.fill("[data-testid=quantity-0]", "100")
    requester.fill("[data-testid=unit-0]", "tablets")
    requester.click("[data-testid=register]")
    expect(requester.locator("[data-testid=done]")).to_be_visible()
    lab_number = requester.locator("[data-testid=lab-number]").inner_text()

    reception = login_as("reception")
    scan(reception, lab_number)
    reception.fill("input[name=quantity_received]", "100")
    reception.click("#receipt button[type=submit]")
    expect(reception.locator("[data-testid=done]")).to_be_visible()
    expect(reception.locator("[data-testid=due]")).to_contain_text("(4 jours ouvrés)")
