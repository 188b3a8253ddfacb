"""The KPI tables as files: CSV (one table, UTF-8 with a BOM so spreadsheet programs read the
accents) and XLSX (one sheet per table, headings in bold), and the yearly summary as a PDF
(HTML template in pdf_templates/, rendered by WeasyPrint in a worker thread)."""

import asyncio
import csv
import io
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from weasyprint import HTML

from services.gateway.kpi_figures import Figures, Table

_environment = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "pdf_templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)
# Excel refuses sheet names longer than 31 characters.
_SHEET_NAME = 31


def to_csv(table: Table) -> bytes:
    """One table as CSV: a heading row, then the rows; empty cells for missing figures."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(["" if cell is None else cell for cell in row] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(tables: Iterable[Table]) -> bytes:
    """Tables as a workbook, one sheet each named after the table."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.name[:_SHEET_NAME])
        sheet.append(list(table.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def render_yearly(
    figures: Figures, *, year: int, lab_name: str, printed_by: str, printed_at: str
) -> bytes:
    """The yearly summary's PDF (blocking: call it in a thread)."""
    html = _environment.get_template("yearly_summary.html").render(
        year=year,
        lab_name=lab_name,
        tables=list(figures.tables.values()),
        printed_by=printed_by,
        printed_at=printed_at,
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


async def render_yearly_async(
    figures: Figures, *, year: int, lab_name: str, printed_by: str, printed_at: datetime
) -> bytes:
    """render_yearly() in a worker thread, so the gateway keeps answering meanwhile."""
    stamp = printed_at.strftime("%Y-%m-%d %H:%M %z")
    return await asyncio.to_thread(
        render_yearly,
        figures,
        year=year,
        lab_name=lab_name,
        printed_by=printed_by,
        printed_at=stamp,
    )
