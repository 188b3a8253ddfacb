"""Label rendering: labels -> template context (barcodes as SVG) -> HTML (Jinja2) -> PDF.

One label per page, sized for the lab's thermal labels. The barcodes are drawn at their
printed size in millimetres (no scaling by the browser engine, so bars stay sharp): the Code 128
spans the label's printable width with its quiet zones, the QR code has a fixed size. Wording and
styles are in templates/labels.html and labels.css; rendering blocks (about 50 ms a label):
callers run render_labels_pdf in a thread."""

import base64
from dataclasses import dataclass
from typing import Any

import barcode
import segno
from barcode.writer import SVGWriter
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML

from services.reporting.domain import Label
from services.reporting.render import BLANK, TEMPLATES

TEMPLATE = "labels.html"

# The label stock: 62 x 40 mm, a common size of thermal labels. Change it here only: the page
# size, the barcode's width and the template follow.
LABEL_SIZE_MM = (62.0, 40.0)
MARGIN_MM = 2.0
BARCODE_HEIGHT_MM = 12.0
# Code 128 wants a quiet zone of at least 10 modules on each side.
QUIET_MODULES = 10
QR_SIZE_MM = 16.0
# QR quiet zone in modules; the label's margin adds to it.
QR_BORDER = 2

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class LabelText:
    """What a label prints besides its code (the same on every label of a sample)."""

    product_name: str
    batch_number: str
    expiry_date: str


def _svg_data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def code128_svg(code: str, width_mm: float, height_mm: float = BARCODE_HEIGHT_MM) -> bytes:
    """A Code 128 barcode of `code` as SVG, exactly `width_mm` wide including its quiet zones."""
    symbol = barcode.get("code128", code, writer=SVGWriter())
    modules = len(symbol.build()[0])
    module_mm = width_mm / (modules + 2 * QUIET_MODULES)
    svg: bytes = symbol.render(
        writer_options={
            "module_width": module_mm,
            "module_height": height_mm,
            "quiet_zone": QUIET_MODULES * module_mm,
            "write_text": False,
            "margin_top": 0,
            "margin_bottom": 0,
        }
    )
    return svg


def qr_data_uri(code: str, size_mm: float = QR_SIZE_MM) -> str:
    """A QR code (never a Micro QR: phones do not read those) of `code`, `size_mm` square."""
    symbol = segno.make_qr(code, error="m")
    modules, _ = symbol.symbol_size(scale=1, border=QR_BORDER)
    uri: str = symbol.svg_data_uri(scale=size_mm / modules, border=QR_BORDER, unit="mm")
    return uri


def part_caption(label: Label) -> str:
    """Which part of the sample a label marks, in the certificate's bilingual style."""
    if not label.is_aliquot:
        return "Échantillon / Sample"
    n, total = label.aliquot, label.aliquots
    return f"Aliquote {n} sur {total} / Aliquot {n} of {total}"


def labels_context(labels: list[Label], text: LabelText) -> dict[str, Any]:
    """Everything the template prints; the variables of templates/labels.html."""
    width, height = LABEL_SIZE_MM
    barcode_width = width - 2 * MARGIN_MM
    return {
        "page_width_mm": width,
        "page_height_mm": height,
        "margin_mm": MARGIN_MM,
        "qr_size_mm": QR_SIZE_MM,
        "product_name": text.product_name,
        "batch_number": text.batch_number.strip() or BLANK,
        "expiry_date": text.expiry_date.strip() or BLANK,
        "labels": [
            {
                "code": label.code,
                "part": part_caption(label),
                "barcode": _svg_data_uri(code128_svg(label.code, barcode_width)),
                "qr": qr_data_uri(label.code),
            }
            for label in labels
        ],
    }


def render_labels_html(context: dict[str, Any]) -> str:
    """The labels' HTML from their context."""
    return _environment.get_template(TEMPLATE).render(context)


def render_labels_pdf(labels: list[Label], text: LabelText) -> bytes:
    """The labels' PDF, one per page (blocking: run it in a thread)."""
    html = render_labels_html(labels_context(labels, text))
    pdf: bytes = HTML(string=html, base_url=TEMPLATES.as_uri() + "/").write_pdf()
    return pdf
