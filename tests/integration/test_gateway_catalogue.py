"""The catalogue's administration and formula results through the REST API, against the real
services, a Temporal dev server and the real worker (tests.support.gateway.full_stack)."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.api import paracetamol_sample
from tests.support.gateway import Stack, full_stack, problem
from tests.support.resources import assignment

pytestmark = pytest.mark.timeout(600)

ASSAY = ["15234.7", "15102.3", "50.12", "50.31", "99.8"]  # 100.29 % of label claim
HEADER = "code;name;method_code;unit;replicates;calculation;decimals;criterion;low;high;expected_text;warning_high;loq;formula;inputs"


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with full_stack(tmp_path_factory.mktemp("gateway-catalogue")) as running:
        yield running


async def _chloroquine_sample(stack: Stack) -> str:
    sample = paracetamol_sample(product_code="CHLQ-250-TAB")
    lab: str = (await stack.create(samples=[sample]))["samples"][0]["lab_number"]
    return lab


async def test_admin_manages_methods_and_staff_read_them(stack: Stack) -> None:
    body = {
        "code": "SOP-UV-007",
        "title": "Assay by UV absorbance",
        "reference": "Ph. Eur. 2.2.25",
        "technique": "UV",
        "reason": "new spectrophotometer",
    }
    refused = await stack.post("reviewer", "/api/v1/methods", body)
    assert refused.status_code == 403
    created = await stack.ok(stack.post("admin", "/api/v1/methods", body), 201)
    assert (created["code"], created["active"]) == ("SOP-UV-007", True)
    twice = await stack.post("admin", "/api/v1/methods", body)
    assert problem(twice, 409)["detail"] == "code: a method SOP-UV-007 already exists"
    bad = await stack.post("admin", "/api/v1/methods", {**body, "technique": "NMR"})
    assert [e["field"] for e in problem(bad, 422)["errors"]] == ["technique"]
    no_reason = await stack.post("admin", "/api/v1/methods", {**body, "reason": ""})
    assert [e["field"] for e in problem(no_reason, 422)["errors"]] == ["reason"]

    patch = {"active": False, "reason": "instrument retired"}
    retired = await stack.ok(
        stack.client.patch(
            "/api/v1/methods/SOP-UV-007", json=patch, headers=stack.sessions["admin"]
        )
    )
    assert (retired["active"], retired["title"]) == (False, "Assay by UV absorbance")
    listed = await stack.ok(stack.get("analyst", "/api/v1/methods"))
    every = await stack.ok(stack.get("analyst", "/api/v1/methods?include_inactive=true"))
    assert "SOP-UV-007" not in [m["code"] for m in listed]
    assert "SOP-UV-007" in [m["code"] for m in every]


async def test_formula_result_through_preview_and_submission(stack: Stack) -> None:
    lab = await _chloroquine_sample(stack)
    tests = (await stack.received(lab))["tests"]
    assay = next(t for t in tests if t["code"] == "ASSAY")
    assert [i["name"] for i in assay["inputs"]] == [
        "area_sample",
        "area_standard",
        "weight_standard",
        "declared_sample",
        "purity",
    ]
    assert (assay["warning_low"], assay["warning_high"], assay["method_code"]) == (
        "95.0",
        "105.0",
        "SOP-HPLC-012",
    )
    path = f"/api/v1/tests/{assay['test_id']}"
    await stack.ok(stack.post("reviewer", f"{path}/assignment", assignment("analyst", assay)))
    preview = await stack.ok(stack.post("analyst", f"{path}/preview", {"values": ASSAY * 2}))
    assert (preview["reportable_value"], preview["conformity"]) == ("100.3", "conforms")
    assert preview["replicate_values"] == ["100.294726817540", "100.294726817540"]
    names = [i["name"] for i in assay["inputs"]]
    by_name = {"inputs": [dict(zip(names, ASSAY, strict=True))] * 2}
    assert await stack.ok(stack.post("analyst", f"{path}/preview", by_name)) == preview
    odd = {"inputs": [dict(zip(names, ASSAY, strict=True)) | {"area": "1"}, {"purity": "99"}]}
    refused = problem(await stack.post("analyst", f"{path}/preview", odd), 422)
    assert [e["field"] for e in refused["errors"]] == [
        "inputs[0].area",
        "inputs[1].area_sample",
        "inputs[1].area_standard",
        "inputs[1].weight_standard",
        "inputs[1].declared_sample",
    ]
    both = problem(
        await stack.post("analyst", f"{path}/preview", {**by_name, "values": ["1"]}), 422
    )
    assert [e["field"] for e in both["errors"]] == ["values"]
    short = await stack.post("analyst", f"{path}/preview", {"values": ASSAY})
    assert "expected 10 values" in problem(short, 422)["detail"]

    high = ["16234.7", *ASSAY[1:]]  # 106.9 %: conforms, above the warning limit
    done = await stack.ok(stack.post("analyst", f"{path}/results", {"values": ASSAY + high}))
    result = done["result"]
    assert (result["reportable_value"], result["conformity"], result["warning"]) == (
        "103.6",
        "conforms",
        False,
    )
    assert result["replicate_inputs"][1]["area_sample"] == "16234.7"
    assert len(result["replicate_values"]) == 2

    related = next(t for t in tests if t["code"] == "RELATED")
    rpath = f"/api/v1/tests/{related['test_id']}"
    await stack.ok(stack.post("reviewer", f"{rpath}/assignment", assignment("analyst", related)))
    plain = await stack.post("analyst", f"{rpath}/preview", {"inputs": [{"x": "1"}]})
    assert problem(plain, 422)["errors"][0]["field"] == "inputs"
    below = await stack.ok(stack.post("analyst", f"{rpath}/results", {"values": ["0.04"]}))
    assert (below["result"]["reportable_value"], below["result"]["below_loq"]) == ("< LOQ", True)
    assert below["result"]["conformity"] == "conforms"


def _csv(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode()


async def test_a_new_version_by_rest_and_by_import_leaves_planned_tests_alone(
    stack: Stack,
) -> None:
    lab = await _chloroquine_sample(stack)
    planned = (await stack.received(lab))["tests"]
    current = await stack.ok(stack.get("analyst", "/api/v1/products/CHLQ-250-TAB/specifications/0"))
    tests: list[dict[str, Any]] = current["tests"]
    tests[3] = {**tests[3], "high": "0.30", "warning_high": "0.25", "limits": ""}
    body = {
        "source": "Int. Ph.",
        "reference": "Int. Ph. 2026",
        "tests": tests,
        "based_on_version": current["version"],
        "reason": "tighter impurity limit",
    }
    assert (
        await stack.post("analyst", "/api/v1/products/CHLQ-250-TAB/specifications", body)
    ).status_code == 403
    added = await stack.ok(
        stack.post("admin", "/api/v1/products/CHLQ-250-TAB/specifications", body), 201
    )
    assert added["version"] == current["version"] + 1
    assert added["tests"][3]["limits"] == "≤ 0.30 %"
    stale = await stack.post("admin", "/api/v1/products/CHLQ-250-TAB/specifications", body)
    assert "is version" in problem(stale, 409)["detail"]

    sample = await stack.ok(stack.get("reviewer", f"/api/v1/samples/{lab}"))
    related = next(t for t in sample["tests"] if t["code"] == "RELATED")
    assert related["limits"] == next(t for t in planned if t["code"] == "RELATED")["limits"]
    assert related["limits"] == "≤ 0.50 %"

    path = "/api/v1/products/CHLQ-250-TAB/specifications/import"
    form = {"source": "in-house", "reference": "SOP-SPEC-CHLQ rev 3", "reason": "registered file"}
    good = _csv(
        "APPEARANCE;Appearance;SOP-VIS-001;;1;text;0;text;;;conforms;;;;",
        "ASSAY;Assay (HPLC);SOP-HPLC-012;%;2;formula;1;range;93.0;107.0;;;;"
        '(a / b) * purity;"a|Peak area, sample|mAU·s; b|Peak area, standard|mAU·s; purity|Purity|%"',
        "RELATED;Related substances;SOP-HPLC-015;%;1;single;2;not_more_than;;0.50;;0.40;0.05;;",
    )
    checked = stack.post(
        "admin", path, data={**form, "dry_run": "true"}, files={"file": ("s.csv", good)}
    )
    report = await stack.ok(checked)
    assert (report["rows"], report["errors"], report["recorded"]) == (3, [], False)
    bad = _csv(
        "APPEARANCE;Appearance;SOP-VIS-001;;1;text;0;text;;;conforms;;;;",
        "ASSAY;Assay;SOP-HPLC-012;%;two;mean;1;range;93.0;107.0;;;;;",
        "RELATED;Related;SOP-NONE;%;1;single;2;not_more_than;;0.50;;;;;",
    )
    refused = problem(
        await stack.post("admin", path, data=form, files={"file": ("s.csv", bad)}), 422
    )
    assert [(e["row"], e["field"]) for e in refused["report"]["errors"]] == [(3, "replicates")]
    bad = bad.replace(b";two;", b";2;")
    refused = problem(
        await stack.post("admin", path, data=form, files={"file": ("s.csv", bad)}), 422
    )
    assert refused["report"]["errors"] == [
        {"row": 4, "field": "RELATED", "message": "unknown method 'SOP-NONE'"}
    ]
    versions = await stack.ok(stack.get("admin", "/api/v1/products/CHLQ-250-TAB/specifications"))
    assert versions["versions"][0]["version"] == added["version"]  # nothing recorded
    imported = await stack.ok(
        stack.post("admin", path, data=form, files={"file": ("s.csv", good)}), 201
    )
    assert imported["recorded"] is True
    assert imported["version"]["version"] == added["version"] + 1
    assert imported["version"]["tests"][1]["inputs"][0] == {
        "name": "a",
        "label": "Peak area, sample",
        "unit": "mAU·s",
    }
