"""Certificate rules without I/O: complete content, canonical form and hash, report numbers."""

import hashlib

import pytest

from kernel.errors import InvalidArgument
from lims.common.v1 import common_pb2
from lims.reporting.v1 import reporting_pb2
from services.reporting.domain import (
    Conformity,
    canonical_content,
    parse_content,
    report_number,
    sha256_hex,
    validate_content,
)


def content(**fields: object) -> reporting_pb2.CertificateContent:
    """A complete certificate content; keyword arguments override its fields."""
    values: dict[str, object] = {
        "lab_number": "LNCM-2026-00001",
        "product_name": "Paracétamol 500 mg",
        "batch_number": "B17",
        "purpose": common_pb2.PURPOSE_BATCH_RELEASE,
        "tests": [
            reporting_pb2.CertificateTest(
                name="Assay",
                values=["99.6", "100.1"],
                result="99.8",
                unit="%",
                conformity=common_pb2.CONFORMITY_CONFORMS,
            )
        ],
        "conclusion": common_pb2.CONFORMITY_CONFORMS,
    }
    values.update(fields)
    return reporting_pb2.CertificateContent(**values)  # type: ignore[arg-type]


def test_report_numbers_are_prefixed_by_year_and_padded_to_five_digits() -> None:
    assert report_number(2026, 1) == "COA-2026-00001"
    assert report_number(2027, 12345) == "COA-2027-12345"


def test_complete_content_is_valid_and_gives_its_conclusion() -> None:
    assert validate_content(content()) is Conformity.CONFORMS
    failing = content(conclusion=common_pb2.CONFORMITY_DOES_NOT_CONFORM)
    assert validate_content(failing) is Conformity.DOES_NOT_CONFORM


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lab_number": ""}, "content.lab_number"),
        ({"product_name": "  "}, "content.product_name"),
        ({"tests": []}, "content.tests"),
        ({"tests": [reporting_pb2.CertificateTest(result="1")]}, r"content.tests\[0\].name"),
        ({"conclusion": common_pb2.CONFORMITY_UNSPECIFIED}, "content.conclusion"),
    ],
)
def test_incomplete_content_names_the_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument, match=field):
        validate_content(content(**fields))


def test_canonical_content_round_trips_exactly() -> None:
    original = content(
        signatures=[
            common_pb2.Signature(
                full_name="Aïcha",
                meaning=common_pb2.SIGNATURE_MEANING_REVIEWED,
                signed_at="2026-01-02Z",
            )
        ]
    )
    assert parse_content(canonical_content(original)) == original


def test_canonical_content_does_not_depend_on_field_order() -> None:
    # Same content built in a different order of assignment serialises to the same text.
    built = reporting_pb2.CertificateContent()
    built.conclusion = common_pb2.CONFORMITY_CONFORMS
    built.tests.add(
        name="Assay",
        values=["99.6", "100.1"],
        result="99.8",
        unit="%",
        conformity=common_pb2.CONFORMITY_CONFORMS,
    )
    built.purpose = common_pb2.PURPOSE_BATCH_RELEASE
    built.batch_number = "B17"
    built.product_name = "Paracétamol 500 mg"
    built.lab_number = "LNCM-2026-00001"
    assert canonical_content(built) == canonical_content(content())
    assert canonical_content(content()) != canonical_content(content(batch_number="B18"))


def test_canonical_content_is_compact_sorted_json_keeping_accents() -> None:
    text = canonical_content(content())
    assert text.startswith('{"batch_number":"B17","conclusion":"CONFORMITY_CONFORMS"')
    assert "Paracétamol" in text


def test_sha256_hex_hashes_text_as_utf8() -> None:
    assert sha256_hex("é") == hashlib.sha256("é".encode()).hexdigest()
    assert sha256_hex(b"%PDF") == hashlib.sha256(b"%PDF").hexdigest()
