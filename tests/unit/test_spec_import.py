"""Reading a specification version's tests from a spreadsheet: the columns are SpecTestIn's
fields, every row is checked, and the testing service's refusals land on their test's row."""

import pytest

from services.gateway.spec_import import ImportRefused, errors_of, parse

HEADER = "code;name;unit;replicates;calculation;decimals;criterion;low;high;formula;inputs"


def test_rows_become_tests_with_their_formula_inputs() -> None:
    content = "\n".join(
        [
            HEADER,
            'ASSAY;Assay;%;2;formula;1;range;93.0;107.0;a / b * p;"a|Area, sample|mAU·s; b|Area, std; p"',
            "",
            "WATER;Water;%;1;single;1;not_more_than;;0.5;;",
        ]
    ).encode()
    found = parse(content)
    assert (found.rows, found.errors) == (2, [])
    (row, assay), (water_row, water) = found.tests
    assert (row, water_row) == (2, 4)
    assert [(i.name, i.label, i.unit) for i in assay.inputs] == [
        ("a", "Area, sample", "mAU·s"),
        ("b", "Area, std", ""),
        ("p", "", ""),
    ]
    assert (water.calculation, water.high, water.replicates) == ("single", "0.5", 1)


def test_every_bad_row_and_header_is_named() -> None:
    content = "\n".join(
        [HEADER + ";colour", "ASSAY;Assay;%;two;mean;1;range;93.0;x;;;", ";;;;;;;;;;;"]
    ).encode()
    found = parse(content)
    assert [(e.row, e.field) for e in found.errors] == [
        (1, "colour"),
        (2, "replicates"),
        (2, "high"),
    ]


def test_an_empty_file_is_refused_as_a_whole() -> None:
    with pytest.raises(ImportRefused, match="the file is empty"):
        parse(b"\n\n")


def test_the_services_problems_go_to_their_rows() -> None:
    found = parse(f"{HEADER}\nASSAY;Assay;%;1;single;1;range;93.0;107.0;;\n".encode())
    errors = errors_of("test ASSAY: unknown method 'X'; source: required", found)
    assert [(e.row, e.field, e.message) for e in errors] == [
        (0, "file", "source: required"),
        (2, "ASSAY", "unknown method 'X'"),
    ]
