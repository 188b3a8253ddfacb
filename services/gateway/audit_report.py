"""The audit trail as a PDF for the file (EU GMP Annex 11 §9 asks that the trail can be printed):
the entries the quality manager selected, with the filters, the verification of the chains and
who printed it when. HTML template (pdf_templates/) rendered by WeasyPrint in a worker thread."""

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML

from services.gateway.audit_trail import ChainStatus, TrailEntry

# A printed trail is for reading: beyond this many entries, narrow the filters (the CSV export
# has no limit).
MAX_PRINTED = 2000

_environment = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "pdf_templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)


def render(
    *,
    lab_name: str,
    timezone: str,
    entries: Sequence[TrailEntry],
    total: int,
    filters: Mapping[str, str],
    chains: Sequence[ChainStatus],
    printed_by: str,
    printed_at: datetime,
) -> bytes:
    """The PDF of a selection of the audit trail (blocking: call it in a thread)."""
    zone = ZoneInfo(timezone)
    html = _environment.get_template("audit_trail.html").render(
        lab_name=lab_name,
        entries=entries,
        total=total,
        truncated=total > len(entries),
        filters={name: value for name, value in filters.items() if value},
        chains=chains,
        printed_by=printed_by,
        printed_at=printed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %z"),
        local=lambda moment: moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
        timezone=timezone,
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


async def render_async(**kwargs: object) -> bytes:
    """render() in a worker thread, so the gateway keeps answering meanwhile."""
    return await asyncio.to_thread(lambda: render(**kwargs))  # type: ignore[arg-type]
