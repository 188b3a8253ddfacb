"""The KPI dashboard's figures, exports and yearly summary through the REST API and the web
pages, after driving samples through the real lifecycle (services, worker, Temporal dev server:
tests.support.gateway.full_stack)."""

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from tests.support.api import paracetamol_sample
from tests.support.gateway import Stack, full_stack, problem

pytestmark = pytest.mark.timeout(600)

KPIS = "/api/v1/kpis"


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with full_stack(tmp_path_factory.mktemp("gateway-kpis")) as running:
        created = await running.create(
            purpose="batch_release",
            samples=[paracetamol_sample(batch_number=batch) for batch in ("K1", "K2", "K3")],
        )
        released, held, _registered = (s["lab_number"] for s in created["samples"])
        await running.released(released)
        await running.received(held)
        await running.ok(
            running.post("quality", f"/api/v1/samples/{held}/hold", {"reason": "HPLC down"})
        )
        yield running


def table(figures: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(t for t in figures["tables"] if t["name"] == name)
    return found


def this_month() -> str:
    return datetime.now(ZoneInfo("Africa/Casablanca")).strftime("%Y-%m")


async def test_the_figures_count_the_samples_driven_through_the_lifecycle(stack: Stack) -> None:
    figures = await stack.ok(stack.get("quality", KPIS))

    monthly = table(figures, "monthly")
    assert len(monthly["rows"]) == 12 and monthly["rows"][-1] == [this_month(), 2, 1]
    [batch] = table(figures, "turnaround")["rows"]
    assert batch[:5] == ["batch_release", 1, 1, 100.0, 0]  # released the same day, within 15
    backlog = dict(map(tuple, table(figures, "backlog")["rows"]))
    assert backlog == {
        "registered": 1,
        "received": 0,
        "in_testing": 0,
        "in_review": 0,
        "awaiting_approval": 0,
        "on_hold": 1,
    }
    assert table(figures, "overdue")["rows"] == [] and figures["overdue_total"] == 0
    oos_total = table(figures, "oos")["rows"][-1]
    assert oos_total[0] == "total" and oos_total[1] >= 1 and oos_total[2:4] == [0, 0.0]
    assert table(figures, "products")["rows"] == [
        ["PARA-500-TAB", "Paracetamol 500 mg tablets", 1, 0, 0.0]
    ]
    assert table(figures, "manufacturers")["rows"][0][1:] == [1, 0, 0.0]

    other = await stack.ok(stack.get("approver", KPIS, params={"purpose": "complaint"}))
    assert table(other, "monthly")["rows"][-1] == [this_month(), 0, 0]


async def test_each_table_exports_to_csv_and_xlsx_that_parse_back(stack: Stack) -> None:
    answer = await stack.get("quality", f"{KPIS}/backlog", params={"format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == ["stage", "samples"] and ["on_hold", "1"] in rows

    answer = await stack.get("admin", f"{KPIS}/monthly", params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(answer.content))["monthly"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("month", "received", "released") and values[-1] == (this_month(), 2, 1)

    answer = await stack.get("quality", f"{KPIS}/export.xlsx")
    assert load_workbook(io.BytesIO(answer.content)).sheetnames == [
        "monthly",
        "turnaround",
        "backlog",
        "overdue",
        "oos",
        "products",
        "manufacturers",
    ]


async def test_the_yearly_summary_comes_as_json_pdf_and_xlsx(stack: Stack) -> None:
    year = datetime.now(ZoneInfo("Africa/Casablanca")).year
    summary = await stack.ok(stack.get("quality", f"{KPIS}/yearly/{year}"))
    purposes = table(summary, "purposes")["rows"]
    assert purposes[0][:7] == ["batch_release", 3, 2, 0, 1, 1, 0]
    assert purposes[-1][0] == "total"
    assert [row[0] for row in table(summary, "signals")["rows"]] == [
        "complaint",
        "suspected_falsified",
    ]

    pdf = await stack.get("quality", f"{KPIS}/yearly/{year}", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = await stack.get("approver", f"{KPIS}/yearly/{year}", params={"format": "xlsx"})
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == [
        "purposes",
        "signals",
        "turnaround",
        "oos",
        "products",
        "manufacturers",
    ]


async def test_only_the_head_of_lab_quality_and_admin_see_the_figures(stack: Stack) -> None:
    for user in ("requester", "analyst", "reviewer", "reception"):
        problem(await stack.get(user, KPIS), 403)
    assert (await stack.client.get(KPIS)).status_code == 401


async def test_a_bad_period_or_table_is_refused_naming_the_field(stack: Stack) -> None:
    backwards = await stack.get("quality", KPIS, params={"from": "2026-05-01", "to": "2026-04-01"})
    assert problem(backwards, 422)["errors"][0]["field"] == "to"
    too_long = await stack.get("quality", KPIS, params={"from": "2000-01-01", "to": "2026-04-01"})
    assert problem(too_long, 422)["errors"][0]["field"] == "from"
    problem(await stack.get("quality", f"{KPIS}/nothing"), 404)
    problem(await stack.get("quality", f"{KPIS}/monthly", params={"format": "doc"}), 422)
