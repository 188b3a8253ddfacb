"""Reading a campaign spreadsheet: CSV (BOM or not, `;` or `,`) and XLSX, French or English
headers, and a row-by-row report of every kind of error; whole-file refusals for the limits."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]

from services.gateway import campaign
from services.gateway.campaign import CampaignRefused, RowError, check_products, parse

ENGLISH = (
    "product_code,batch_number,manufacturer,manufacture_date,expiry_date,quantity,quantity_unit"
)
FRENCH = "Code produit;N° de lot;Fabricant;Date de fabrication;Date de péremption;Quantité;Unité"


def csv_bytes(*lines: str, bom: bool = False) -> bytes:
    return ("\ufeff" if bom else "").encode() + "\r\n".join(lines).encode()


def xlsx_bytes(*rows: list[object]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def errors(content: bytes) -> list[tuple[int, str]]:
    return [(error.row, error.field) for error in parse(content).errors]


def test_english_csv_with_commas_reads_every_field() -> None:
    read = parse(
        csv_bytes(
            ENGLISH,
            "PARA-500-TAB,PCM-1,Pharma SA,2025-02-01,2027-01-31,100,tablets",
            "AMOX-500-CAP,AMX-2,,,,60,capsules",
        )
    )

    assert read.ok and read.rows == 2 and read.errors == []
    (first_row, first), (second_row, second) = read.samples
    assert (first_row, second_row) == (2, 3)
    assert first.product_code == "PARA-500-TAB" and first.manufacturer == "Pharma SA"
    assert (first.manufacture_date, first.expiry_date) == (date(2025, 2, 1), date(2027, 1, 31))
    assert first.quantity == Decimal("100")
    assert second.manufacture_date is None and second.manufacturer == ""


@pytest.mark.parametrize("bom", [True, False])
def test_french_csv_with_semicolons_day_first_dates_and_decimal_commas(bom: bool) -> None:
    read = parse(
        csv_bytes(FRENCH, "PARA-500-TAB;PCM-1;Maroc Pharma;01/02/2025;31.01.2027;12,5;g", bom=bom)
    )

    assert read.errors == []
    assert read.columns["Date de péremption"] == "expiry_date"
    sample = read.samples[0][1]
    assert (sample.manufacture_date, sample.expiry_date) == (date(2025, 2, 1), date(2027, 1, 31))
    assert sample.quantity == Decimal("12.5")
    assert sample.batch_number == "PCM-1"


def test_headers_are_matched_without_case_accents_or_punctuation() -> None:
    assert campaign.field_for("Product Code") == "product_code"
    assert campaign.field_for(" LOT ") == "batch_number"
    assert campaign.field_for("Date de Péremption") == "expiry_date"
    assert campaign.field_for("Quantité") == "quantity"
    assert campaign.field_for("colour") is None


def test_xlsx_cells_keep_their_types_dates_and_numbers() -> None:
    read = parse(
        xlsx_bytes(
            [
                "Code produit",
                "Lot",
                "Date de fabrication",
                "Date de péremption",
                "Quantité",
                "Unité",
            ],
            ["PARA-500-TAB", 2611, datetime(2025, 2, 1), datetime(2027, 1, 31), 0.5, "g"],
            [None, None, None, None, None, None],  # a blank row is skipped, numbering kept
            ["AMOX-500-CAP", "AMX-2", "01/03/2025", None, 60, "capsules"],
        )
    )

    assert read.errors == []
    (row_a, a), (row_b, b) = read.samples
    assert (row_a, row_b) == (2, 4)
    assert a.batch_number == "2611" and a.quantity == Decimal("0.5")
    assert a.expiry_date == date(2027, 1, 31)
    assert b.manufacture_date == date(2025, 3, 1) and b.quantity == Decimal("60")


def test_every_bad_row_is_reported_with_its_row_and_field() -> None:
    found = errors(
        csv_bytes(
            ENGLISH,
            "PARA-500-TAB,PCM-1,,2025-02-01,2027-01-31,100,tablets",
            "PARA-500-TAB,,,2025-02-01,2027-01-31,100,tablets",  # no batch
            "PARA-500-TAB,PCM-3,,2025-02-01,2024-01-31,100,tablets",  # expiry before manufacture
            "PARA-500-TAB,PCM-4,,not a date,,100,tablets",
            "PARA-500-TAB,PCM-5,,,,-3,tablets",
            "PARA-500-TAB,PCM-6,,,,many,",
        )
    )

    assert found == [
        (3, "batch_number"),
        (4, "expiry_date"),
        (5, "manufacture_date"),
        (6, "quantity"),
        (7, "quantity"),
        (7, "quantity_unit"),
    ]


def test_the_message_says_what_is_wrong() -> None:
    read = parse(csv_bytes(ENGLISH, "PARA-500-TAB,PCM-3,,2025-02-01,2024-01-31,100,tablets"))

    assert read.errors == [
        RowError(2, "expiry_date", "must not precede the manufacture date 2025-02-01")
    ]
    assert not read.ok


def test_unknown_repeated_and_missing_columns_are_header_errors() -> None:
    read = parse(csv_bytes("product_code,Lot,batch_number,colour,quantity", "P,L,L,red,1"))

    assert [(e.row, e.field, e.message.split(";")[0]) for e in read.errors] == [
        (1, "batch_number", "a second column for batch_number"),
        (1, "colour", "unknown column"),
        (1, "quantity_unit", "required column missing"),
        (2, "quantity_unit", "Field required"),
    ]


def test_products_not_in_the_catalogue_are_reported_by_row() -> None:
    read = parse(
        csv_bytes(
            ENGLISH,
            "PARA-500-TAB,PCM-1,,,,100,tablets",
            "NOPE-1,X-1,,,,100,tablets",
            "PARA-500-TAB,,,,,100,tablets",
            "NOPE-2,,,,,100,tablets",  # invalid as well: both reported
        )
    )
    check_products(read, {"PARA-500-TAB"})

    assert [(e.row, e.field) for e in read.errors] == [
        (3, "product_code"),
        (4, "batch_number"),
        (5, "batch_number"),
        (5, "product_code"),
    ]
    assert "no product 'NOPE-1' in the catalogue" in read.errors[0].message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\n\n;;\n", "the file is empty"),
        ("é;x".encode("latin-1"), "neither an XLSX workbook nor UTF-8 text"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old Excel (.xls)"),
        (b"PK\x03\x04 not really a zip", "the XLSX workbook cannot be read"),
        (b"x" * (campaign.MAX_BYTES + 1), "the file is too large"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(content: bytes, message: str) -> None:
    with pytest.raises(CampaignRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(content)


def test_more_rows_than_the_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(campaign, "MAX_ROWS", 3)
    row = "PARA-500-TAB,PCM-1,,,,100,tablets"

    assert parse(csv_bytes(ENGLISH, row, "", row, row)).rows == 3
    with pytest.raises(CampaignRefused, match="at most 3 samples per file"):
        parse(csv_bytes(ENGLISH, row, row, row, row))


def test_a_header_without_rows_is_reported() -> None:
    read = parse(csv_bytes(ENGLISH, ",,,,,,"))

    assert read.rows == 0 and not read.ok
    assert read.errors == [RowError(1, "row", "no sample rows under the header")]


def test_choices_are_read_in_french_or_english_and_other_fields_by_name() -> None:
    read = parse(
        csv_bytes(
            "Code produit;Lot;Quantité;Unité;Catégorie;DCI;Titulaire AMM",
            "PARA-500-TAB;L1;10;cp;Médicament;paracétamol, caféine;Sothema",
            "PARA-500-TAB;L2;10;cp;Dispositif médical;;",
            "PARA-500-TAB;L3;10;cp;medical device;;",
            "PARA-500-TAB;L4;10;cp;cosmetic;;",
        )
    )

    values = [
        (s.product_category, s.inns, s.marketing_authorisation_holder) for _, s in read.samples
    ]
    assert values == [
        ("medicine", "paracétamol, caféine", "Sothema"),
        ("medical_device", "", ""),
        ("medical_device", "", ""),
    ]
    assert [(e.row, e.field) for e in read.errors] == [(5, "product_category")]


def test_contact_columns_in_french_or_english_give_the_request_its_contact() -> None:
    header = FRENCH + ";Personne à contacter;Courriel;Téléphone"
    read = parse(
        csv_bytes(
            header,
            "PARA-500-TAB;B1;Laprophan;01/03/2025;28/02/2028;100;comprimés;Dr Idrissi;"
            "a@example.org;+212 5 37",
            "PARA-500-TAB;B2;Laprophan;01/03/2025;28/02/2028;100;comprimés;;;",
        )
    )
    assert read.errors == []
    assert read.contact == {
        "contact_name": "Dr Idrissi",
        "contact_email": "a@example.org",
        "contact_phone": "+212 5 37",
    }
    english = parse(csv_bytes(ENGLISH + ",Contact e-mail", "P,B,M,,,1,u,a@example.org"))
    assert (english.errors, english.contact) == ([], {"contact_email": "a@example.org"})


def test_a_second_contact_or_a_bad_email_is_a_row_error() -> None:
    read = parse(
        csv_bytes(
            ENGLISH + ",email,contact",
            "P,B1,M,,,1,u,a@example.org,Dr A",
            "P,B2,M,,,1,u,b@example.org,Dr A",
            "P,B3,M,,,1,u,,Dr B",
        )
    )
    assert [(e.row, e.field) for e in read.errors] == [(3, "contact_email"), (4, "contact_name")]
    assert "one contact per request: row 2 gives 'a@example.org'" in read.errors[0].message
    bad = parse(csv_bytes(ENGLISH + ",email", "P,B1,M,,,1,u,not-an-address"))
    assert [(e.row, e.field) for e in bad.errors] == [(2, "contact_email")]
    assert "is not an e-mail address" in bad.errors[0].message
