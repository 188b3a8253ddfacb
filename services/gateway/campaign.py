"""Reading a market-surveillance campaign spreadsheet (CSV or XLSX) into new samples, and saying
row by row what is wrong, so reception fixes the file before anything is registered.

Pure: bytes in, samples and errors out; no I/O, no service calls. The columns are NewSampleIn's
fields, found from its model, so a field added to NewSampleIn is importable without a change
here; French headers (and a few usual English ones) are aliases in one table. Row numbers are the
spreadsheet's own (the header is row 1), so a person finds the row the report names.
"""

import csv
import io
import re
import types
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import ValidationError

from kernel.email_address import email_problem
from services.gateway.schemas import NewSampleIn, RequestIn

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
HEADER_ROW = 1

# Header (normalised: lower case, no accents, words joined by "_") -> NewSampleIn field. An
# alias of a field NewSampleIn does not have is ignored, so the table may run ahead of the model.
ALIASES: dict[str, str] = {
    "code_produit": "product_code",
    "code_du_produit": "product_code",
    "produit": "product_code",
    "product": "product_code",
    "code": "product_code",
    "lot": "batch_number",
    "numero_de_lot": "batch_number",
    "numero_lot": "batch_number",
    "no_lot": "batch_number",
    "n_lot": "batch_number",
    "n_de_lot": "batch_number",
    "batch": "batch_number",
    "lot_number": "batch_number",
    "fabricant": "manufacturer",
    "date_de_fabrication": "manufacture_date",
    "date_fabrication": "manufacture_date",
    "fabrication": "manufacture_date",
    "manufacturing_date": "manufacture_date",
    "date_de_peremption": "expiry_date",
    "date_peremption": "expiry_date",
    "peremption": "expiry_date",
    "date_d_expiration": "expiry_date",
    "date_expiration": "expiry_date",
    "expiration": "expiry_date",
    "expiry": "expiry_date",
    "quantite": "quantity",
    "quantite_recue": "quantity",
    "qty": "quantity",
    "unite": "quantity_unit",
    "unite_de_quantite": "quantity_unit",
    "unit": "quantity_unit",
    "forme_pharmaceutique": "dosage_form",
    "dosage": "strength",
    "conditionnement": "pack",
    "titulaire_amm": "marketing_authorisation_holder",
    "titulaire_de_l_amm": "marketing_authorisation_holder",
    "conditions_de_stockage": "storage_conditions",
    "conditions_de_conservation": "storage_conditions",
    "categorie": "product_category",
    "categorie_de_produit": "product_category",
    "dci": "inns",
    "nom_du_produit": "product_name",
}
# Header (normalised) -> the request's contact field. The contact is the request's, not a
# sample's: the rows that give it must agree (it may be given on the first row only).
CONTACT_ALIASES: dict[str, str] = {
    "contact_name": "contact_name",
    "contact": "contact_name",
    "contact_person": "contact_name",
    "nom_du_contact": "contact_name",
    "personne_a_contacter": "contact_name",
    "contact_email": "contact_email",
    "contact_e_mail": "contact_email",
    "courriel_contact": "contact_email",
    "email": "contact_email",
    "e_mail": "contact_email",
    "courriel": "contact_email",
    "courriel_du_contact": "contact_email",
    "contact_phone": "contact_phone",
    "contact_telephone": "contact_phone",
    "telephone_contact": "contact_phone",
    "phone": "contact_phone",
    "telephone": "contact_phone",
    "tel": "contact_phone",
    "telephone_du_contact": "contact_phone",
}
# A choice's value -> its French name (normalised), for Literal fields such as the category.
CHOICE_ALIASES: dict[str, str] = {
    "medicine": "medicament",
    "medical_device": "dispositif_medical",
}
_TRUE = {"oui", "vrai", "yes", "true", "1", "o", "y", "x"}
_FALSE = {"non", "faux", "no", "false", "0", "n", ""}
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


class CampaignRefused(ValueError):
    """The file as a whole cannot be read (too big, not CSV or XLSX, no header, too many rows)."""


@dataclass(frozen=True)
class RowError:
    """One thing wrong in the file: the spreadsheet row (1 is the header), the field, why."""

    row: int
    field: str
    message: str


@dataclass
class Campaign:
    """A read file: how many rows, the column each header became, the valid samples, the errors."""

    rows: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    samples: list[tuple[int, NewSampleIn]] = field(default_factory=list)
    product_codes: list[tuple[int, str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # The request's contact fields the file gives (contact_name, contact_email, contact_phone).
    contact: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every row is valid (and there is at least one)."""
        return not self.errors and bool(self.samples)


def normalise(header: str) -> str:
    """ "Date de péremption" -> "date_de_peremption": the form headers are compared in."""
    plain = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def field_for(header: str) -> str | None:
    """The NewSampleIn field a header names, or None."""
    fields = NewSampleIn.model_fields
    key = normalise(header)
    if key in fields:
        return key
    for name, info in fields.items():
        if info.title and normalise(info.title) == key:
            return name
    target = ALIASES.get(key)
    return target if target in fields else None


def _required() -> list[str]:
    return [name for name, info in NewSampleIn.model_fields.items() if info.is_required()]


def _kind(name: str) -> Any:
    """The field's type without Optional: date, Decimal, bool, list, str, or the Literal's
    choices as a tuple."""
    annotation = NewSampleIn.model_fields[name].annotation
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    return get_origin(annotation) or annotation


def _choice(choices: tuple[Any, ...], text: str) -> str:
    """A choice as typed ("Médicament", "medical device") -> the value NewSampleIn takes."""
    key = normalise(text)
    for choice in choices:
        if key in (normalise(str(choice)), CHOICE_ALIASES.get(str(choice))):
            return str(choice)
    return text


def _value(kind: Any, cell: object) -> object:
    """A cell as NewSampleIn takes it: day-first dates, decimal commas, yes/no in French."""
    if isinstance(cell, datetime):
        return cell.date() if kind is date else cell.isoformat()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int | float):
        # repr keeps what the spreadsheet shows (0.1, not 0.1000000000000000055...).
        text = repr(cell) if isinstance(cell, float) else str(cell)
        return text.removesuffix(".0") if kind is not Decimal else text
    text = str(cell).strip()
    if kind is date:
        found = _DAY_FIRST.match(text)
        if found:
            day, month, year = found.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
        return text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[ T]", text) else text
    if kind is Decimal:
        return re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", ".")
    if kind is bool:
        lowered = text.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    if isinstance(kind, tuple):
        return _choice(kind, text)
    if kind is list:
        return [part.strip() for part in re.split(r"[;|]", text) if part.strip()]
    return text


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _read_csv(content: bytes) -> list[list[object]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CampaignRefused(
            f"the file is neither an XLSX workbook nor UTF-8 text (byte {error.start}); "
            "save it as “CSV UTF-8” or as .xlsx"
        ) from error
    first = text.split("\n", 1)[0]
    # The separator is the one the header uses most: `;` where Excel writes French CSV, `,`
    # elsewhere (tab too). A header has no quoted separators worth counting.
    separator = max(";,\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        return [list(row) for row in _limited(reader)]
    except csv.Error as error:
        raise CampaignRefused(f"the CSV cannot be read: {error}") from error


def _read_xlsx(content: bytes) -> list[list[object]]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise CampaignRefused(f"the XLSX workbook cannot be read: {error}") from error
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in _limited(sheet.iter_rows(values_only=True))]
    finally:
        book.close()


def _limited(rows: Any) -> Any:
    """The rows, refusing past MAX_ROWS data rows (blank rows not counted)."""
    filled = 0
    for row in rows:
        if any(not _blank(cell) for cell in row):
            filled += 1
            if filled > MAX_ROWS + 1:  # the header is a filled row too
                raise CampaignRefused(f"too many rows: at most {MAX_ROWS} samples per file")
        yield row


def read_rows(content: bytes) -> list[list[object]]:
    """Every row of the file's first sheet, header first, as cells."""
    if len(content) > MAX_BYTES:
        raise CampaignRefused(
            f"the file is too large ({len(content) / 1_048_576:.1f} MB): "
            f"at most {MAX_BYTES // 1_048_576} MB"
        )
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise CampaignRefused("old Excel (.xls) files are not read: save the sheet as .xlsx or CSV")
    return _read_csv(content)


def _columns(header: list[object], campaign: Campaign) -> dict[int, str]:
    """Column index -> field; unknown, repeated and missing required columns are errors."""
    by_index: dict[int, str] = {}
    for index, cell in enumerate(header):
        if _blank(cell):
            continue
        title = str(cell).strip()
        name = field_for(title) or CONTACT_ALIASES.get(normalise(title))
        if name is None:
            known = ", ".join([*NewSampleIn.model_fields, *sorted(set(CONTACT_ALIASES.values()))])
            campaign.errors.append(
                RowError(HEADER_ROW, title, f"unknown column; the columns are: {known}")
            )
        elif name in by_index.values():
            campaign.errors.append(RowError(HEADER_ROW, title, f"a second column for {name}"))
        else:
            by_index[index] = name
            campaign.columns[title] = name
    for name in _required():
        if name not in by_index.values():
            campaign.errors.append(RowError(HEADER_ROW, name, "required column missing"))
    return by_index


def _row_errors(row: int, error: ValidationError) -> list[RowError]:
    return [
        RowError(
            row,
            ".".join(str(part) for part in item["loc"]) or "row",
            str(item["msg"]).removeprefix("Value error, "),
        )
        for item in error.errors()
    ]


def parse(content: bytes) -> Campaign:
    """The campaign in a file: every data row checked against NewSampleIn (not the catalogue)."""
    rows = read_rows(content)
    start = next((i for i, row in enumerate(rows) if any(not _blank(c) for c in row)), None)
    if start is None:
        raise CampaignRefused("the file is empty: a header row, then one row per sample")
    campaign = Campaign()
    columns = _columns(rows[start], campaign)
    contact = {i: name for i, name in columns.items() if name in RequestIn.model_fields}
    columns = {i: name for i, name in columns.items() if i not in contact}
    kinds = {name: _kind(name) for name in columns.values()}
    given_on: dict[str, int] = {}
    for offset, cells in enumerate(rows[start + 1 :], start=start + 2):
        if all(_blank(cell) for cell in cells):
            continue
        campaign.rows += 1
        for index, name in contact.items():
            if index < len(cells) and not _blank(cells[index]):
                _contact(campaign, given_on, offset, name, str(cells[index]).strip())
        values = {
            name: _value(kinds[name], cells[index])
            for index, name in columns.items()
            if index < len(cells) and not _blank(cells[index])
        }
        code = values.get("product_code")
        if isinstance(code, str) and code:
            campaign.product_codes.append((offset, code))
        try:
            campaign.samples.append((offset, NewSampleIn.model_validate(values)))
        except ValidationError as error:
            campaign.errors.extend(_row_errors(offset, error))
    if campaign.rows == 0:
        campaign.errors.append(RowError(HEADER_ROW, "row", "no sample rows under the header"))
    return campaign


def _contact(campaign: Campaign, given_on: dict[str, int], row: int, name: str, value: str) -> None:
    """Takes a contact cell: the first row giving a field sets it, later rows must agree."""
    first = campaign.contact.get(name)
    if first is None:
        limit = RequestIn.model_fields[name].metadata
        longest = next((m.max_length for m in limit if hasattr(m, "max_length")), None)
        problem = email_problem(value) if name == "contact_email" else None
        if longest is not None and len(value) > longest:
            problem = f"at most {longest} characters (got {len(value)})"
        if problem:
            campaign.errors.append(RowError(row, name, problem))
            return
        campaign.contact[name], given_on[name] = value, row
    elif value != first:
        campaign.errors.append(
            RowError(
                row,
                name,
                f"one contact per request: row {given_on[name]} gives {first!r}, "
                f"this row {value!r}",
            )
        )


def check_products(campaign: Campaign, known: set[str]) -> None:
    """Adds an error for each row (valid or not) whose product code is not in the catalogue."""
    for row, code in campaign.product_codes:
        if code not in known:
            campaign.errors.append(
                RowError(row, "product_code", f"no product {code!r} in the catalogue")
            )
    campaign.errors.sort(key=lambda error: error.row)
