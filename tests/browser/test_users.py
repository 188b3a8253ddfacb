"""The admin manages accounts in the browser: a new analyst signs in; a deactivated one cannot."""

from collections.abc import Callable

from playwright.sync_api import Browser, Page, expect

from tests.browser.support import new_context, screenshot


def test_admin_creates_and_deactivates_an_account(
    login_as: Callable[[str], Page], browser: Browser, gateway_url: str
) -> None:
    admin = login_as("admin")
    admin.click("[data-testid=nav-users]")
    admin.click("[data-testid=create-user]")  # nothing filled: refused, next to the fields
    expect(admin.locator("#new-user .field-error[data-field=username]")).to_be_visible()
    admin.fill("[data-testid=new-username]", "analyst3")
    admin.fill("[data-testid=new-full-name]", "Rachid Amrani")
    admin.fill("[data-testid=new-password]", "bench-2026!")
    admin.check("[data-testid=new-role-analyst]")
    admin.fill("[data-testid=new-reason]", "recrutement, formation HPLC validée")
    admin.click("[data-testid=create-user]")
    expect(admin.locator("[data-testid=account-analyst3]")).to_contain_text("analyste")
    screenshot(admin, "users")

    newcomer = new_context(browser, gateway_url).new_page()
    newcomer.goto("/login")
    newcomer.fill("input[name=username]", "analyst3")
    newcomer.fill("input[name=password]", "bench-2026!")
    newcomer.click("button[type=submit]")
    expect(newcomer.locator("[data-testid=who]")).to_have_text("Rachid Amrani")

    admin.fill("[data-testid=reason-analyst3]", "départ")
    admin.click("[data-testid=deactivate-analyst3]")
    expect(admin.locator("[data-testid=account-analyst3]")).to_contain_text("désactivé")
    again = new_context(browser, gateway_url).new_page()
    again.goto("/login")
    again.fill("input[name=username]", "analyst3")
    again.fill("input[name=password]", "bench-2026!")
    again.click("button[type=submit]")
    expect(again.locator("[data-testid=refusal]")).to_be_visible()
    for page in (newcomer, again):
        page.context.close()
