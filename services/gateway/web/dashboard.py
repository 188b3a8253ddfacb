"""The KPI dashboard in the browser (quality, the head of lab as approver, admin): a period and
a purpose to choose, a chart and its table per figure, each table's CSV and XLSX, and the yearly
summary as PDF or XLSX. The REST handlers (services/gateway/api/kpis.py) compute the figures."""

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.gateway.api import kpis as api
from services.gateway.deps import Clients, act_as
from services.gateway.kpi_figures import Figures
from services.gateway.problems import Unprocessable
from services.gateway.web import charts
from services.gateway.web.i18n import N_, Lang
from services.gateway.web.pages import PURPOSES
from services.gateway.web.render import Refusal, language, page
from services.gateway.web.session import WebUser

router = APIRouter(include_in_schema=False)

# Headings of the tables' columns (the exports keep the column names).
HEADINGS = {
    "month": N_("Month"),
    "received": N_("Received"),
    "released": N_("Released"),
    "purpose": N_("Purpose"),
    "within_target": N_("Within target"),
    "sla_compliance_pct": N_("SLA compliance (%)"),
    "median_days": N_("Median (days)"),
    "p90_days": N_("90th percentile (days)"),
    "stage": N_("Stage"),
    "samples": N_("Samples"),
    "lab_number": N_("Lab number"),
    "product": N_("Product"),
    "product_code": N_("Product code"),
    "due": N_("Due"),
    "days_late": N_("Days late"),
    "results": N_("Results"),
    "oos_opened": N_("OOS investigations"),
    "oos_rate_pct": N_("OOS rate (%)"),
    "confirmed": N_("Confirmed"),
    "invalidated": N_("Invalidated"),
    "manufacturer": N_("Manufacturer"),
    "non_conforming": N_("Non-conforming"),
    "non_compliance_pct": N_("Non-compliance rate (%)"),
}
TITLES = {
    "monthly": N_("Samples received and released per month"),
    "turnaround": N_("Turnaround and SLA compliance per purpose"),
    "backlog": N_("Backlog per stage"),
    "overdue": N_("Overdue samples"),
    "oos": N_("OOS rate"),
    "products": N_("Non-compliance rate by product"),
    "manufacturers": N_("Non-compliance rate by manufacturer"),
}
# Columns whose values are words to translate (purposes, stages).
WORD_COLUMNS = frozenset({"purpose", "stage"})


def _day(text: str | None, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Unprocessable(f"{field}: not a date (YYYY-MM-DD): {text!r}") from None


def heading(lang: Lang, column: str) -> str:
    """A column's heading in the user's language."""
    if column.endswith(" d"):
        return lang.gettext("%(range)s days", range=column[:-2])
    return lang.gettext(HEADINGS.get(column, column))


def cell(lang: Lang, column: str, value: Any) -> str:
    """A cell as the page shows it."""
    if value is None:
        return "—"
    if column in WORD_COLUMNS:
        return "total" if value == "total" else lang.gettext(str(value).replace("_", " "))
    if isinstance(value, float):
        return lang.number(f"{value:.1f}")
    return str(value)


def _charts(figures: Figures, lang: Lang) -> dict[str, list[str]]:
    tables = figures.tables
    return {
        "monthly": [charts.monthly(tables["monthly"], lang)],
        "turnaround": [
            charts.turnaround(tables["turnaround"], lang),
            charts.compliance(tables["turnaround"], lang),
        ],
        "backlog": [charts.backlog(tables["backlog"], lang)],
        "overdue": [],
        "oos": [charts.oos(tables["oos"], lang)],
        "products": [
            charts.non_compliance(
                tables["products"], lang, lang.gettext("Non-compliance rate by product (%)")
            )
        ],
        "manufacturers": [
            charts.non_compliance(
                tables["manufacturers"],
                lang,
                lang.gettext("Non-compliance rate by manufacturer (%)"),
            )
        ],
    }


@router.get("/dashboard")
async def dashboard_page(
    request: Request,
    clients: Clients,
    identity: WebUser,
    first: Annotated[str | None, Query(alias="from")] = None,
    last: Annotated[str | None, Query(alias="to")] = None,
    purpose: str | None = None,
) -> HTMLResponse:
    """The figures of a period (the last twelve months unless asked), charts and tables."""
    act_as(identity, api.KPI_READERS)
    lang = language(request, clients)
    chosen = purpose if purpose in PURPOSES else ""
    refusal = None
    try:
        figures = await api.dashboard_figures(
            clients, _day(first, "from"), _day(last, "to"), chosen
        )
    except Unprocessable as problem:
        refusal = Refusal(problem, lang)
        figures = await api.dashboard_figures(clients, None, None, chosen)
    query = {"from": figures.period.first.isoformat(), "to": figures.period.last.isoformat()}
    if chosen:
        query["purpose"] = chosen
    context = {
        "figures": figures,
        "tables": list(figures.tables.values()),
        "titles": TITLES,
        "charts": _charts(figures, lang),
        "heading": lambda column: heading(lang, column),
        "cell": lambda column, value: cell(lang, column, value),
        "purposes": PURPOSES,
        "chosen": chosen,
        "query": "&".join(f"{k}={v}" for k, v in query.items()),
        "year": datetime.now(ZoneInfo(clients.settings.timezone)).year,
        "refusal": refusal,
    }
    status = 422 if refusal else 200
    return page(request, clients, "dashboard.html", context, identity=identity, status=status)


@router.get("/dashboard/export.xlsx")
async def export_all(
    clients: Clients,
    identity: WebUser,
    first: Annotated[str | None, Query(alias="from")] = None,
    last: Annotated[str | None, Query(alias="to")] = None,
    purpose: str | None = None,
) -> Response:
    """Every table of the page in one workbook."""
    acting = act_as(identity, api.KPI_READERS)
    return await api.export_all(
        clients, acting, _day(first, "from"), _day(last, "to"), _purpose(purpose)
    )


def _purpose(purpose: str | None) -> Any:
    return purpose if purpose in PURPOSES else None


@router.get("/dashboard/yearly/{year}.{fmt}")
async def yearly(clients: Clients, identity: WebUser, year: int, fmt: str) -> Response:
    """The yearly summary as PDF or XLSX."""
    acting = act_as(identity, api.KPI_READERS)
    if fmt not in ("pdf", "xlsx") or not 2000 <= year <= 2999:
        raise Unprocessable("format: pdf or xlsx, for a year from 2000 to 2999")
    answer = await api.get_yearly(clients, acting, year, fmt)  # type: ignore[arg-type]
    assert isinstance(answer, Response)
    return answer


@router.get("/dashboard/{table}.{fmt}")
async def export_table(
    clients: Clients,
    identity: WebUser,
    table: str,
    fmt: str,
    first: Annotated[str | None, Query(alias="from")] = None,
    last: Annotated[str | None, Query(alias="to")] = None,
    purpose: str | None = None,
) -> Response:
    """One table as CSV or XLSX."""
    acting = act_as(identity, api.KPI_READERS)
    if fmt not in ("csv", "xlsx"):
        raise Unprocessable("format: csv or xlsx")
    answer = await api.get_table(
        clients,
        acting,
        table,
        _day(first, "from"),
        _day(last, "to"),
        _purpose(purpose),
        fmt,  # type: ignore[arg-type]
    )
    assert isinstance(answer, Response)
    return answer
