"""What the scanner search reads from a code: the sample of a lab number, a test id or an aliquot
label, and nothing from other text (which the search looks for in the sample list instead)."""

import pytest

from services.gateway.domain import lab_number_of_code


@pytest.mark.parametrize(
    ("code", "lab_number"),
    [
        ("LNCM-2026-00001", "LNCM-2026-00001"),
        ("LNCM-2026-00001-03", "LNCM-2026-00001"),
        ("LNCM-2026-00001-A2", "LNCM-2026-00001"),
        ("LNCM-2026-00042-A50", "LNCM-2026-00042"),
        # Typed by hand: lower case, spaces around.
        ("  lncm-2026-00001-a2 ", "LNCM-2026-00001"),
        ("lncm-2026-00001", "LNCM-2026-00001"),
        # Another prefix (it is configurable).
        ("QC7-2027-12345-A1", "QC7-2027-12345"),
    ],
)
def test_a_code_names_its_sample(code: str, lab_number: str) -> None:
    assert lab_number_of_code(code) == lab_number


@pytest.mark.parametrize(
    "text",
    [
        "",
        "paracetamol",
        "PT24117",
        "LNCM-2026",
        "LNCM-2026-",
        "LNCM-2026-00001-",
        "LNCM-2026-00001-A",
        "LNCM-2026-00001-B2",
        "LNCM-2026-00001-A2-1",
        "LNCM-2026-00001-03-A2",
        "LNCM-YYYY-00001",
        "LNCM 2026 00001",
    ],
)
def test_other_text_names_no_sample(text: str) -> None:
    assert lab_number_of_code(text) is None
