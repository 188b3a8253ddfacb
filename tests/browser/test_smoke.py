"""The browser reaches the gateway of the real stack and the sign-in page is a usable form."""

from playwright.sync_api import Page

from tests.browser.support import screenshot


def test_login_page_is_a_french_sign_in_form(page: Page) -> None:
    response = page.goto("/login")

    assert response is not None and response.status == 200
    # French is the default language of the UI: no language chosen yet, the page says so.
    assert page.get_attribute("html", "lang") == "fr"
    form = page.locator("form").filter(has=page.locator("input[name=password]"))
    assert form.count() == 1
    assert form.locator("input[name=username]").is_visible()
    assert form.locator("input[name=password]").get_attribute("type") == "password"
    assert form.locator("button[type=submit]").is_visible()
    screenshot(page, "login")
