"""Reading a specification version's tests from a spreadsheet (CSV or XLSX, one row a test), and
saying row by row what is wrong, so the admin fixes the file before anything is recorded.

Pure: bytes in, tests and errors out. The columns are SpecTestIn's fields (header row first, in
any order); `inputs`, for a formula, lists "name|label|unit" separated by ";" or line breaks
(in a CSV with ";" between columns, the cell is quoted, as spreadsheets do). Row numbers are
the spreadsheet's own (the header is row 1). The testing service's own checks (methods, limits,
formulas) come back naming a test by its code; errors_of() puts them on that test's row.
"""

import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from services.gateway import campaign
from services.gateway.catalogue_schemas import SpecTestIn

MAX_BYTES = campaign.MAX_BYTES
MAX_TESTS = 100
HEADER_ROW = 1
_TEST_PROBLEM = re.compile(r"^test ([A-Z0-9-]+|\?): (.+)$", re.DOTALL)


class ImportRefused(ValueError):
    """The file as a whole cannot be read (too big, not CSV or XLSX, no header)."""


@dataclass(frozen=True)
class RowError:
    """One thing wrong in the file: the row (1 is the header), the field, why."""

    row: int
    field: str
    message: str


@dataclass
class SpecificationFile:
    """A read file: how many test rows, the valid tests with their rows, the errors."""

    rows: int = 0
    tests: list[tuple[int, SpecTestIn]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _inputs(text: str) -> list[dict[str, str]]:
    inputs = []
    for part in re.split(r"[;\n]", text):
        if not part.strip():
            continue
        name, label, unit = ([*part.split("|"), "", ""])[:3]
        inputs.append({"name": name.strip(), "label": label.strip(), "unit": unit.strip()})
    return inputs


def _columns(header: list[object], found: SpecificationFile) -> dict[int, str]:
    known = set(SpecTestIn.model_fields)
    by_index: dict[int, str] = {}
    for index, cell in enumerate(header):
        title = _text(cell)
        if not title:
            continue
        name = title.casefold().replace(" ", "_")
        if name not in known:
            found.errors.append(
                RowError(HEADER_ROW, title, f"unknown column; the columns are: {', '.join(known)}")
            )
        elif name in by_index.values():
            found.errors.append(RowError(HEADER_ROW, title, f"a second column for {name}"))
        else:
            by_index[index] = name
    for name in ("code", "name", "calculation", "criterion"):
        if name not in by_index.values():
            found.errors.append(RowError(HEADER_ROW, name, "required column missing"))
    return by_index


def parse(content: bytes) -> SpecificationFile:
    """The tests in a file, each row checked against SpecTestIn (not yet against the catalogue)."""
    try:
        rows = campaign.read_rows(content)
    except campaign.CampaignRefused as error:
        raise ImportRefused(str(error)) from None
    start = next((i for i, row in enumerate(rows) if any(_text(c) for c in row)), None)
    if start is None:
        raise ImportRefused("the file is empty: a header row, then one row per test")
    found = SpecificationFile()
    columns = _columns(rows[start], found)
    for number, cells in enumerate(rows[start + 1 :], start=start + 2):
        if not any(_text(c) for c in cells):
            continue
        found.rows += 1
        if found.rows > MAX_TESTS:
            found.errors.append(RowError(number, "row", f"at most {MAX_TESTS} tests"))
            break
        values: dict[str, object] = {}
        for index, name in columns.items():
            text = _text(cells[index]) if index < len(cells) else ""
            if text:
                values[name] = _inputs(text) if name == "inputs" else text
        try:
            found.tests.append((number, SpecTestIn.model_validate(values)))
        except ValidationError as error:
            found.errors.extend(
                RowError(
                    number,
                    ".".join(str(p) for p in item["loc"]) or "row",
                    str(item["msg"]).removeprefix("Value error, "),
                )
                for item in error.errors()
            )
    if found.rows == 0:
        found.errors.append(RowError(HEADER_ROW, "row", "no test rows under the header"))
    return found


def errors_of(detail: str, found: SpecificationFile) -> list[RowError]:
    """The testing service's refusal, one error per problem, each on its test's row."""
    rows = {test.code: row for row, test in found.tests}
    errors: list[RowError] = []
    for part in detail.split("; "):
        match = _TEST_PROBLEM.match(part)
        if match and match[1] in rows:
            errors.append(RowError(rows[match[1]], match[1], match[2]))
        else:
            errors.append(RowError(0, "file", part))
    return sorted(errors, key=lambda e: e.row)
