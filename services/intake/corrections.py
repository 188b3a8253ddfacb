"""Pure rules of correcting a sample's details (what a certificate prints about the product).

A correction names the fields it changes and why; each value is checked as at registration.
Allowed in any state but rejected and cancelled (no certificate will ever print those); after
release the record is corrected first, then the approver amends the certificate from it."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from kernel.errors import FailedPrecondition, InvalidArgument

# Correctable text fields and their longest value (the columns' sizes).
TEXT_FIELDS: dict[str, int] = {
    "product_name": 300,
    "batch_number": 100,
    "manufacturer": 300,
    "marketing_authorisation_holder": 300,
    "condition_on_receipt": 2000,
    "inns": 300,
    "dosage_form": 100,
    "strength": 100,
    "pack": 200,
}
DATE_FIELDS = ("manufacture_date", "expiry_date")
CORRECTABLE = (*TEXT_FIELDS, *DATE_FIELDS)
REQUIRED = ("product_name",)
CLOSED_STATUSES = ("rejected", "cancelled")
MAX_REASON = 1000


@dataclass(frozen=True)
class Change:
    """One corrected field: its value before and after ('' for none; dates as YYYY-MM-DD)."""

    field: str
    old: str
    new: str


def _date(field: str, text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"details.{field}: {text!r} is not a date (YYYY-MM-DD)") from None


def changes(
    current: Mapping[str, str], asked: Mapping[str, str], *, status: str, reason: str
) -> list[Change]:
    """The fields a correction changes, in CORRECTABLE order; refuses a bad one, naming it.

    `current` and `asked` map field names to text; a field asked with its current value is no
    change, so a retried correction changes nothing."""
    if status in CLOSED_STATUSES:
        raise FailedPrecondition(f"the sample is {status}: its details are no longer corrected")
    if not reason.strip():
        raise InvalidArgument("reason is required: say what was wrong and where it comes from")
    if len(reason) > MAX_REASON:
        raise InvalidArgument(f"reason: at most {MAX_REASON} characters")
    unknown = sorted(set(asked) - set(CORRECTABLE))
    if unknown:
        raise InvalidArgument(f"details.{unknown[0]}: not a detail that can be corrected")
    if not asked:
        raise InvalidArgument(f"details: give at least one of {', '.join(CORRECTABLE)}")
    cleaned = {field: value.strip() for field, value in asked.items()}
    for field, value in cleaned.items():
        if field in REQUIRED and not value:
            raise InvalidArgument(f"details.{field}: cannot be empty")
        if field in TEXT_FIELDS and len(value) > TEXT_FIELDS[field]:
            raise InvalidArgument(f"details.{field}: at most {TEXT_FIELDS[field]} characters")
        if field in DATE_FIELDS:
            parsed = _date(field, value)
            cleaned[field] = parsed.isoformat() if parsed else ""
    after = dict(current) | cleaned
    made, expiry = (
        _date("manufacture_date", after["manufacture_date"]),
        _date("expiry_date", after["expiry_date"]),
    )
    if made and expiry and expiry < made:
        raise InvalidArgument(f"details.expiry_date: expiry {expiry} is before manufacture {made}")
    return [
        Change(field, current[field], cleaned[field])
        for field in CORRECTABLE
        if field in cleaned and cleaned[field] != current[field]
    ]
