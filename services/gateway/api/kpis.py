"""The KPI dashboard's figures and the yearly summary, for the head of lab (approver), the
quality manager and the admin: JSON, each table as CSV or XLSX, the yearly summary as PDF."""

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kernel.timefmt import utcnow
from services.gateway import kpi, kpi_exports, kpi_figures
from services.gateway.deps import Acting, Clients, acting_as
from services.gateway.domain import Role
from services.gateway.kpi_figures import Figures, Table
from services.gateway.problems import FieldError, Missing, Unprocessable, responses
from services.gateway.schemas import Purpose

router = APIRouter(prefix="/kpis", tags=["kpis"])

# The head of lab signs as approver; quality watches the figures; admin configures the targets.
KPI_READERS = (Role.QUALITY, Role.APPROVER, Role.ADMIN)
AsKpiReader = Annotated[Acting, Depends(acting_as(*KPI_READERS))]

TABLES = ("monthly", "turnaround", "backlog", "overdue", "oos", "products", "manufacturers")
YEARLY_TABLES = ("purposes", "signals", "turnaround", "oos", "products", "manufacturers")
Format = Literal["json", "csv", "xlsx"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, XLSX_TYPE: {}, "application/pdf": {}}}
}
_ERRORS = responses(401, 403, 404, 422, 502, 503)

XLSX = XLSX_TYPE


class TableOut(BaseModel):
    """One table: its name (for its export), title, column headings and rows."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]


class FiguresOut(BaseModel):
    """Every table of a period, in the dashboard's order."""

    first_day: date = Field(description="The period's first day, in the lab's calendar.")
    last_day: date = Field(description="The period's last day, included.")
    purpose: str | None = Field(description="The purpose filter, if any.")
    overdue_total: int = Field(description="Samples overdue in all (the table lists 200 at most).")
    tables: list[TableOut]


def _table_out(table: Table) -> TableOut:
    return TableOut(**{**asdict(table), "rows": [list(row) for row in table.rows]})


def figures_out(figures: Figures) -> FiguresOut:
    """The REST form of the figures."""
    return FiguresOut(
        first_day=figures.period.first,
        last_day=figures.period.last,
        purpose=figures.purpose or None,
        overdue_total=figures.overdue_total,
        tables=[_table_out(table) for table in figures.tables.values()],
    )


def zone(clients: Clients) -> ZoneInfo:
    """The lab's time zone: months and days are the lab's."""
    return ZoneInfo(clients.settings.timezone)


def period_of(clients: Clients, first: date | None, last: date | None) -> kpi.Period:
    """The period asked, or the last twelve months; 422 naming the field when impossible."""
    today = datetime.now(zone(clients)).date()
    try:
        return kpi.checked_period(first, last, today)
    except kpi.PeriodError as error:
        field = str(error).split(":", 1)[0]
        message = str(error).split(": ", 1)[-1]
        raise Unprocessable(str(error), errors=[FieldError(field=field, message=message)]) from None


async def dashboard_figures(
    clients: Clients, first: date | None, last: date | None, purpose: str | None
) -> Figures:
    """The dashboard's figures (the web page calls this too)."""
    period = period_of(clients, first, last)
    return await kpi_figures.dashboard(clients, period, purpose or "", zone(clients), utcnow())


FromDay = Annotated[
    date | None, Query(alias="from", description="First day (default: 11 months before this one).")
]
ToDay = Annotated[
    date | None, Query(alias="to", description="Last day, included (default: today).")
]
PurposeFilter = Annotated[Purpose | None, Query(description="Only this purpose.")]


def file_response(content: bytes, media_type: str, name: str, *, inline: bool = False) -> Response:
    """A download with its file name."""
    how = "inline" if inline else "attachment"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'{how}; filename="{name}"'},
    )


def export(table: Table, fmt: str, stem: str) -> Response:
    """One table as CSV or XLSX."""
    if fmt == "csv":
        return file_response(kpi_exports.to_csv(table), "text/csv; charset=utf-8", f"{stem}.csv")
    return file_response(kpi_exports.to_xlsx([table]), XLSX, f"{stem}.xlsx")


@router.get("", responses=_ERRORS)
async def get_figures(
    clients: Clients,
    _acting: AsKpiReader,
    first: FromDay = None,
    last: ToDay = None,
    purpose: PurposeFilter = None,
) -> FiguresOut:
    """Every dashboard table for a period (default: the last 12 months) and optional purpose:
    received and released per month, turnaround and SLA compliance per purpose, backlog per
    stage now, overdue samples, OOS rate, non-compliance by product and by manufacturer."""
    return figures_out(await dashboard_figures(clients, first, last, purpose))


@router.get("/export.xlsx", response_class=Response, responses={**_FILES, **_ERRORS})
async def export_all(
    clients: Clients,
    _acting: AsKpiReader,
    first: FromDay = None,
    last: ToDay = None,
    purpose: PurposeFilter = None,
) -> Response:
    """Every dashboard table in one workbook, a sheet each."""
    figures = await dashboard_figures(clients, first, last, purpose)
    name = f"kpis-{figures.period.first}-{figures.period.last}.xlsx"
    return file_response(kpi_exports.to_xlsx(figures.tables.values()), XLSX, name)


@router.get("/yearly/{year}", response_model=None, responses={**_FILES, **_ERRORS})
async def get_yearly(
    clients: Clients,
    acting: AsKpiReader,
    year: Annotated[int, Path(ge=2000, le=2999)],
    fmt: Annotated[Literal["json", "pdf", "xlsx"], Query(alias="format")] = "json",
) -> FiguresOut | Response:
    """The yearly summary (WHO prequalification annual report, GBT indicators): samples tested,
    compliant and non-compliant by purpose, complaints and suspected falsified products,
    turnaround by purpose, OOS; as JSON, PDF or XLSX (a sheet per table)."""
    figures = await kpi_figures.yearly(clients, year, zone(clients), utcnow())
    if fmt == "json":
        return figures_out(figures)
    if fmt == "xlsx":
        return file_response(
            kpi_exports.to_xlsx(figures.tables.values()), XLSX, f"yearly-summary-{year}.xlsx"
        )
    pdf = await kpi_exports.render_yearly_async(
        figures,
        year=year,
        lab_name=clients.settings.lab_name,
        printed_by=acting.identity.full_name or acting.username,
        printed_at=datetime.now(zone(clients)),
    )
    return file_response(pdf, "application/pdf", f"yearly-summary-{year}.pdf", inline=True)


@router.get("/{table}", response_model=None, responses={**_FILES, **_ERRORS})
async def get_table(
    clients: Clients,
    _acting: AsKpiReader,
    table: Annotated[str, Path(description=f"One of: {', '.join(TABLES)}.")],
    first: FromDay = None,
    last: ToDay = None,
    purpose: PurposeFilter = None,
    fmt: Annotated[Format, Query(alias="format")] = "json",
) -> TableOut | Response:
    """One dashboard table, as JSON, CSV or XLSX."""
    if table not in TABLES:
        raise Missing(f"table: no KPI table {table!r}; known: {', '.join(TABLES)}")
    figures = await dashboard_figures(clients, first, last, purpose)
    found = figures.tables[table]
    if fmt == "json":
        return _table_out(found)
    return export(found, fmt, f"kpi-{table}-{figures.period.first}-{figures.period.last}")
