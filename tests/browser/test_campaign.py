"""Campaign import in the browser: a file with a bad row is reported row by row and registers
nothing, even when "import" is pressed; the fixed file imports as one request and its lab
numbers are listed, each with its labels."""

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.support import screenshot
from tests.support.api import Api

HEADER = "Code produit;Lot;Quantité;Unité;Date de fabrication;Date de péremption"
LAB_NUMBER = re.compile(r"LNCM-\d{4}-\d{5}")


def campaign(batch: str, bad_quantity: bool) -> dict[str, object]:
    rows = [
        HEADER,
        f"PARA-500-TAB;{batch}-1;100;comprimés;01/03/2025;28/02/2028",
        f"AMOX-500-CAP;{batch}-2;{'0' if bad_quantity else '60'};gélules;01/03/2025;28/02/2028",
    ]
    content = ("\ufeff" + "\r\n".join(rows)).encode()
    return {"name": "campagne.csv", "mimeType": "text/csv", "buffer": content}


def test_reception_checks_a_campaign_then_imports_the_fixed_file(
    login_as: Callable[[str], Page], gateway_url: str
) -> None:
    batch = f"WEB-{uuid.uuid4().hex[:6]}"
    api = Api(gateway_url, "reception")
    page = login_as("reception")
    page.goto("/requests/import")
    page.fill("[data-testid=reference]", "PMS-WEB-1")
    page.set_input_files("[data-testid=campaign-file]", campaign(batch, bad_quantity=True))  # type: ignore[arg-type]

    page.click("[data-testid=check]")
    expect(page.locator("[data-testid=report-row-3]")).to_contain_text("quantity")
    expect(page.locator("[data-testid=report-summary]")).to_contain_text("2")
    screenshot(page, "campaign-report")
    page.click("[data-testid=import]")  # refused as well: all or nothing
    expect(page.locator("[data-testid=report-row-3]")).to_be_visible()
    expect(page.locator("[data-testid=lab-numbers]")).to_have_count(0)
    assert api.ok(api.get("/api/v1/samples", params={"q": batch}))["total"] == 0

    page.set_input_files("[data-testid=campaign-file]", campaign(batch, bad_quantity=False))  # type: ignore[arg-type]
    page.click("[data-testid=check]")
    expect(page.locator("[data-testid=checked]")).to_be_visible()
    page.click("[data-testid=import]")
    expect(page.locator("[data-testid=done]")).to_be_visible()
    numbers = LAB_NUMBER.findall(page.locator("[data-testid=lab-numbers]").inner_text())
    assert len(numbers) == 2, numbers
    expect(page.locator(f"a[href='/samples/{numbers[0]}/labels.pdf']")).to_be_visible()
    screenshot(page, "campaign-imported")
    found = api.ok(api.get("/api/v1/samples", params={"q": batch}))
    assert found["total"] == 2
    assert {item["external_reference"] for item in found["items"]} == {"PMS-WEB-1"}


def test_an_analyst_cannot_open_the_import(login_as: Callable[[str], Page]) -> None:
    page = login_as("analyst")
    answer = page.goto("/requests/import")
    assert answer is not None and answer.status == 403
