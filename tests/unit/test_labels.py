"""Sample and aliquot labels: their codes, what a printable request is, the barcodes' geometry and
content, the template's context (no PDF here: see tests/integration/test_reporting_labels.py)."""

import re
from urllib.parse import unquote
from xml.dom import minidom

import pytest
from barcode.charsets.code128 import CODES, STOP

from kernel.errors import InvalidArgument
from lims.reporting.v1 import reporting_pb2
from services.reporting import labels
from services.reporting.domain import MAX_ALIQUOTS, Label, aliquot_code, labels_of


def request(**fields: object) -> reporting_pb2.RenderLabelsRequest:
    """A printable label request; keyword arguments override its fields."""
    values: dict[str, object] = {
        "lab_number": "LNCM-2026-00001",
        "product_name": "Paracetamol 500 mg tablets",
        "batch_number": "PT24117",
        "expiry_date": "2028-08-31",
        "aliquots": 2,
    }
    values.update(fields)
    return reporting_pb2.RenderLabelsRequest(**values)  # type: ignore[arg-type]


def test_aliquot_codes_follow_the_lab_number() -> None:
    assert aliquot_code("LNCM-2026-00001", 2) == "LNCM-2026-00001-A2"


def test_the_sample_label_comes_first_then_one_per_aliquot() -> None:
    assert labels_of(request(aliquots=3)) == [
        Label("LNCM-2026-00001", 0, 3),
        Label("LNCM-2026-00001-A1", 1, 3),
        Label("LNCM-2026-00001-A2", 2, 3),
        Label("LNCM-2026-00001-A3", 3, 3),
    ]
    assert labels_of(request(aliquots=0)) == [Label("LNCM-2026-00001", 0, 0)]
    assert len(labels_of(request(aliquots=MAX_ALIQUOTS))) == MAX_ALIQUOTS + 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"lab_number": ""}, "lab_number is required"),
        ({"lab_number": "LNCM 2026 00001"}, "cannot be printed as a barcode"),
        ({"lab_number": "LNCM-2026-"}, "cannot be printed as a barcode"),
        ({"lab_number": "LNCM-2026-0000é"}, "cannot be printed as a barcode"),
        ({"lab_number": "ABCDEFGHIJ-2026-00001"}, "at most 20 characters"),
        ({"product_name": "  "}, "product_name is required"),
        ({"expiry_date": "31/08/2028"}, "expiry_date '31/08/2028' is not a date"),
        ({"aliquots": -1}, "aliquots must be between 0 and 50, not -1"),
        ({"aliquots": 51}, "aliquots must be between 0 and 50, not 51"),
    ],
)
def test_a_label_that_cannot_be_printed_is_refused_saying_why(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=re.escape(message)):
        labels_of(request(**fields))


def test_batch_and_expiry_may_be_empty() -> None:
    assert len(labels_of(request(batch_number="", expiry_date=""))) == 3


def _root(svg: bytes | str) -> minidom.Element:
    root = minidom.parseString(svg).documentElement
    assert root is not None
    return root


def _svg_size_mm(svg: bytes | str) -> tuple[float, float]:
    root = _root(svg)
    return float(root.getAttribute("width").removesuffix("mm")), float(
        root.getAttribute("height").removesuffix("mm")
    )


def _bars(svg: bytes) -> str:
    """The modules of a barcode SVG as '1' (bar) and '0' (space), from its first bar to its last."""
    rects = minidom.parseString(svg).getElementsByTagName("rect")
    bars = [
        (float(r.getAttribute("x").removesuffix("mm")), float(r.getAttribute("width")[:-2]))
        for r in rects
        if r.getAttribute("x")  # the first rect is the white background
    ]
    module = min(width for _, width in bars)  # Code 128 always has a one-module bar
    modules = ""
    end = bars[0][0]
    for x, width in bars:
        modules += "0" * round((x - end) / module) + "1" * round(width / module)
        end = x + width
    return modules


def _decode_code128(modules: str) -> str:
    """Reads Code 128 modules back to text (code sets A, B and C), checking the checksum."""
    stop = STOP + "11"  # the stop pattern ends with a two-module termination bar
    assert modules.endswith(stop)
    body = modules[: -len(stop)]
    values = [CODES.index(body[i : i + 11]) for i in range(0, len(body), 11)]
    *symbols, checksum = values
    assert checksum == (symbols[0] + sum(i * v for i, v in enumerate(symbols[1:], 1))) % 103
    code_set = {103: "A", 104: "B", 105: "C"}[symbols[0]]
    text = ""
    for value in symbols[1:]:
        if code_set == "C":
            if value < 100:
                text += f"{value:02d}"
            else:
                code_set = {100: "B", 101: "A"}[value]
        elif value == 99:
            code_set = "C"
        elif (code_set, value) in (("A", 100), ("B", 101)):
            code_set = "B" if value == 100 else "A"
        else:
            assert value < 95, value
            text += chr(32 + value) if code_set == "B" or value < 64 else chr(value - 64)
    return text


@pytest.mark.parametrize("code", ["LNCM-2026-00001", "LNCM-2026-00001-A2", "LNCM-2026-00042-A50"])
def test_the_code128_spans_the_printable_width_and_reads_back_as_the_code(code: str) -> None:
    width = labels.LABEL_SIZE_MM[0] - 2 * labels.MARGIN_MM
    svg = labels.code128_svg(code, width)
    assert _svg_size_mm(svg) == pytest.approx((width, labels.BARCODE_HEIGHT_MM), abs=0.01)
    modules = _bars(svg)
    assert _decode_code128(modules) == code
    # The quiet zones (10 modules each side) fill the rest of the width.
    module = width / (len(modules) + 2 * labels.QUIET_MODULES)
    first_bar = float(
        minidom.parseString(svg).getElementsByTagName("rect")[1].getAttribute("x")[:-2]
    )
    assert first_bar == pytest.approx(labels.QUIET_MODULES * module, abs=0.002)


def test_the_qr_code_is_a_full_qr_code_of_the_set_size() -> None:
    uri = labels.qr_data_uri("LNCM-2026-00001-A2")
    assert uri.startswith("data:image/svg+xml")
    root = _root(unquote(uri.split(",", 1)[1]))
    assert root.getAttribute("width") == root.getAttribute("height")
    assert float(root.getAttribute("width").removesuffix("mm")) == pytest.approx(
        labels.QR_SIZE_MM, abs=0.01
    )
    # A version-1 QR code (21 modules + 2 x 2 border), not a Micro QR code (11 to 17 modules).
    path = root.getElementsByTagName("path")[0]
    assert path.getAttribute("transform") == f"scale({labels.QR_SIZE_MM / 25:g})"


def test_the_context_prints_each_label_and_blanks_what_is_missing() -> None:
    context = labels.labels_context(
        labels_of(request(aliquots=2)), labels.LabelText("Paracetamol 500 mg tablets", "", "")
    )
    assert (context["page_width_mm"], context["page_height_mm"]) == labels.LABEL_SIZE_MM
    assert (context["batch_number"], context["expiry_date"]) == ("—", "—")
    assert [label["code"] for label in context["labels"]] == [
        "LNCM-2026-00001",
        "LNCM-2026-00001-A1",
        "LNCM-2026-00001-A2",
    ]
    assert [label["part"] for label in context["labels"]] == [
        "Échantillon / Sample",
        "Aliquote 1 sur 2 / Aliquot 1 of 2",
        "Aliquote 2 sur 2 / Aliquot 2 of 2",
    ]
    html = labels.render_labels_html(context)
    assert html.count('class="label"') == 3
    assert "size: 62.0mm 40.0mm" in html
    assert "Paracetamol 500 mg tablets" in html


def test_the_template_escapes_what_it_prints() -> None:
    context = labels.labels_context(
        labels_of(request(aliquots=0)), labels.LabelText("<b>Bold</b> & co", "B<1>", "")
    )
    html = labels.render_labels_html(context)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html and "B&lt;1&gt;" in html
