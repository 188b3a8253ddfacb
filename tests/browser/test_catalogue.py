"""The admin adds a specification version with a formula test in the browser; a sample planned
from it gives the analyst the formula's inputs per replicate, and the preview shows the value
computed from them before anything is submitted."""

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.support import screenshot
from tests.browser.test_lifecycle import scan
from tests.support.api import Api, paracetamol_sample

INPUTS = "a | Aire du pic, essai | mAU·s\nb | Aire du pic, témoin | mAU·s\np | Pureté du témoin | %"


def test_admin_adds_a_formula_test_and_the_analyst_preview_computes_it(
    login_as: Callable[[str], Page], gateway_url: str
) -> None:
    admin = login_as("admin")
    admin.click("[data-testid=nav-catalogue]")
    admin.click("[data-testid=product-IBU-400-TAB] a")
    admin.click("[data-testid=new-version]")
    rows = admin.locator("fieldset.spec-test")
    blank = rows.count() - 1  # the copy's tests, then one empty row for a new test
    admin.fill(f"[data-testid=t{blank}-code]", "ASSAY-F")
    admin.fill(f"[data-testid=t{blank}-name]", "Dosage (formule)")
    admin.select_option(f"[data-testid=t{blank}-method_code]", "SOP-HPLC-012")
    admin.fill(f"[data-testid=t{blank}-unit]", "%")
    admin.fill(f"[data-testid=t{blank}-replicates]", "2")
    admin.select_option(f"[data-testid=t{blank}-calculation]", "formula")
    admin.fill(f"[data-testid=t{blank}-decimals]", "1")
    admin.select_option(f"[data-testid=t{blank}-criterion]", "range")
    admin.fill(f"[data-testid=t{blank}-low]", "90.0")
    admin.fill(f"[data-testid=t{blank}-high]", "110.0")
    admin.fill(f"[data-testid=t{blank}-warning_low]", "95.0")
    admin.fill(f"[data-testid=t{blank}-formula]", "(a / b) * p")
    admin.click("[data-testid=spec-save]")  # no reason: refused, nothing recorded
    expect(admin.locator("[data-testid=refusal]")).to_be_visible()
    expect(admin.locator(f"[data-testid=t{blank}-formula]")).to_have_value("(a / b) * p")
    admin.fill(f"[data-testid=t{blank}-inputs]", INPUTS)
    admin.fill("[data-testid=spec-reason]", "dosage calculé par le LIMS")
    admin.click("[data-testid=spec-save]")
    expect(admin.locator("[data-testid=done]")).to_be_visible()
    expect(admin.locator("[data-testid=formula-ASSAY-F]")).to_have_text("(a / b) * p")
    expect(admin.locator("[data-testid=spec-test-ASSAY-F]")).to_contain_text("90.0 – 110.0 %")
    screenshot(admin, "catalogue-version")

    requester, reception, reviewer = (
        Api(gateway_url, name) for name in ("requester", "reception", "reviewer")
    )
    sample = paracetamol_sample(product_code="IBU-400-TAB", batch_number="IBU-F-1")
    lab = requester.create_request(samples=[sample])["samples"][0]["lab_number"]
    tests = reception.ok(reception.receive(lab))["tests"]
    formula_test = next(t for t in tests if t["code"] == "ASSAY-F")
    reviewer.ok(reviewer.assign(formula_test["test_id"], "analyst"))

    analyst = login_as("analyst")
    scan(analyst, lab)
    test = analyst.locator("[data-testid=test-ASSAY-F]")
    expect(test.locator("fieldset.replicate")).to_have_count(2)
    expect(test).to_contain_text("Aire du pic, essai (mAU·s)")
    for index, value in enumerate(["1000", "1010", "99.5", "1005", "1010", "99.5"]):
        test.locator(f"[data-testid=value-ASSAY-F-{index}]").fill(value)
    preview = test.locator("[data-testid=preview-ASSAY-F]")
    # (1000/1010 + 1005/1010) / 2 x 99.5 = 98.76... -> 98.8, within 95.0 – 110.0: no warning.
    expect(preview.locator("[data-testid=preview-value]")).to_contain_text("98,8")
    expect(preview.locator("[data-testid=preview-verdict]")).to_contain_text("conforme")
    expect(preview.locator("[data-testid=preview-replicates]")).to_contain_text("(a / b) * p")
    # (900/1010 + 1005/1010) / 2 x 99.5 = 93.8: conforms, below the warning limit.
    test.locator("[data-testid=value-ASSAY-F-0]").fill("900")
    expect(preview.locator("[data-testid=preview-value]")).to_contain_text("93,8")
    expect(preview.locator("[data-testid=preview-warning]")).to_be_visible()
    screenshot(analyst, "formula-preview")
    test.locator("[data-testid=submit-ASSAY-F]").click()
    result = analyst.locator("[data-testid=test-ASSAY-F] [data-testid=result]")
    expect(result).to_contain_text("93,8")
    expect(result.locator("[data-testid=result-warning]")).to_be_visible()
    expect(result.locator("[data-testid=result-replicates] li")).to_have_count(2)


def test_admin_adds_a_method_and_an_import_with_errors_records_nothing(
    login_as: Callable[[str], Page], tmp_path: Path
) -> None:
    admin = login_as("admin")
    admin.goto("/catalogue/methods")
    admin.fill("[data-testid=method-code]", "SOP-KF-001")
    admin.fill("[data-testid=method-title]", "Eau par Karl Fischer")
    admin.fill("[data-testid=method-reference]", "Ph. Eur. 2.5.12")
    admin.select_option("[data-testid=method-technique]", "Karl Fischer")
    admin.click("[data-testid=method-add]")  # no reason: refused next to the field
    expect(admin.locator("#new-method .field-error[data-field=reason]")).to_be_visible()
    admin.fill("[data-testid=method-new-reason]", "nouveau titrateur")
    admin.click("[data-testid=method-add]")
    expect(admin.locator("[data-testid=done]")).to_be_visible()
    expect(admin.locator("[data-testid=method-SOP-KF-001]")).to_contain_text("Karl Fischer")

    spreadsheet = tmp_path / "specification.csv"
    spreadsheet.write_text(
        "code;name;method_code;unit;replicates;calculation;decimals;criterion;high\n"
        "WATER;Eau;SOP-KF-001;%;1;single;1;not_more_than;0.5\n"
        "LOSS;Perte;SOP-NONE;%;1;single;1;not_more_than;x\n"
    )
    admin.goto("/catalogue/products/AMOX-500-CAP")
    admin.set_input_files("[data-testid=import-file]", str(spreadsheet))
    admin.fill("[data-testid=import-source]", "in-house")
    admin.fill("[data-testid=import-reference]", "SOP-SPEC-AMOX rev 2")
    admin.fill("[data-testid=import-reason]", "essai d'import")
    admin.click("[data-testid=import-check]")
    report = admin.locator("[data-testid=import-report]")
    expect(report).to_contain_text("1 erreur(s)")
    expect(report.locator("tbody tr")).to_have_count(1)
    expect(report.locator("tbody tr td").first).to_have_text("3")
    expect(admin.locator("[data-testid=versions] li")).to_have_count(1)


def test_admin_adds_a_product_with_its_first_specification(
    login_as: Callable[[str], Page],
) -> None:
    admin = login_as("admin")
    admin.goto("/catalogue/products")
    admin.click("[data-testid=new-product]")
    admin.fill("[data-testid=product-code]", "ORS-20-SACH")
    admin.fill("[data-testid=product-name]", "Sels de réhydratation orale")
    admin.fill("[data-testid=spec-source]", "Int. Ph.")
    admin.fill("[data-testid=spec-reference]", "Int. Ph. Oral rehydration salts")
    admin.fill("[data-testid=t0-code]", "WATER")
    admin.fill("[data-testid=t0-name]", "Eau")
    admin.fill("[data-testid=t0-unit]", "%")
    admin.fill("[data-testid=t0-replicates]", "1")
    admin.select_option("[data-testid=t0-calculation]", "single")
    admin.fill("[data-testid=t0-decimals]", "1")
    admin.select_option("[data-testid=t0-criterion]", "not_more_than")
    admin.fill("[data-testid=t0-high]", "1.0")
    admin.fill("[data-testid=t0-loq]", "2.0")  # above the limit it guards: refused
    admin.fill("[data-testid=spec-reason]", "nouvelle AMM")
    admin.click("[data-testid=spec-save]")
    expect(admin.locator("[data-testid=refusal]")).to_be_visible()
    admin.fill("[data-testid=t0-loq]", "0.2")
    admin.click("[data-testid=spec-save]")
    expect(admin.locator("[data-testid=done]")).to_be_visible()
    expect(admin.locator("[data-testid=spec-test-WATER]")).to_contain_text("≤ 1.0 %")
    admin.goto("/catalogue/products")
    expect(admin.locator("[data-testid=product-ORS-20-SACH]")).to_be_visible()
