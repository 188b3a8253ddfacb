"""Quality opens the KPI dashboard from the navigation after a sample is released: the charts
are drawn, the figures count that sample, and a table downloads as an XLSX that parses back."""

import io
from collections.abc import Callable

from openpyxl import load_workbook  # type: ignore[import-untyped]
from playwright.sync_api import Page, expect

from tests.browser.support import screenshot
from tests.support.api import PARACETAMOL_CONFORMING, Api, paracetamol_sample

MANUFACTURER = "Pharma Tableau de Bord"  # no other browser test uses it


def release_one(gateway_url: str) -> str:
    """Drives a sample of MANUFACTURER to release over the REST API; its lab number."""
    requester, reception = Api(gateway_url, "requester"), Api(gateway_url, "reception")
    reviewer, analyst = Api(gateway_url, "reviewer"), Api(gateway_url, "analyst")
    created = requester.create_request(samples=[paracetamol_sample(manufacturer=MANUFACTURER)])
    lab = created["samples"][0]["lab_number"]
    tests = reception.ok(reception.receive(lab))["tests"]
    for test in tests:
        reviewer.ok(reviewer.assign(test["test_id"], "analyst"))
    for test in tests:
        analyst.ok(analyst.submit(test["test_id"], PARACETAMOL_CONFORMING[test["code"]]))
    for test in tests:
        reviewer.ok(reviewer.review(test["test_id"]))
    approver = Api(gateway_url, "approver")
    approver.ok(approver.approve(lab))
    return str(lab)


def test_quality_sees_the_charts_and_figures_and_downloads_an_xlsx(
    login_as: Callable[[str], Page], gateway_url: str
) -> None:
    release_one(gateway_url)

    quality = login_as("quality")
    quality.click("[data-testid=nav-dashboard]")
    expect(quality.locator("h1")).to_have_text("Tableau de bord")
    expect(quality.locator("[data-testid=chart-monthly] svg")).to_be_visible()
    expect(quality.locator("[data-testid=chart-backlog] svg")).to_be_visible()
    manufacturers = quality.locator("[data-testid=kpi-manufacturers]")
    expect(manufacturers.locator("tr", has_text=MANUFACTURER)).to_contain_text("1")
    expect(quality.locator("[data-testid=kpi-turnaround]")).to_contain_text("Respect du délai")
    screenshot(quality, "kpi-dashboard")

    with quality.expect_download() as waiting:
        quality.click("[data-testid=export-manufacturers-xlsx]")
    download = waiting.value
    assert download.suggested_filename.endswith(".xlsx")
    path = download.path()
    sheet = load_workbook(io.BytesIO(path.read_bytes()))["manufacturers"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("manufacturer", "released", "non_conforming", "non_compliance_pct")
    assert (MANUFACTURER, 1, 0, 0.0) in rows
