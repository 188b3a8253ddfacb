"""The receipt check's rules: what reception records when a sample arrives, and what it must
decide. Pure Python, no I/O.

A failed check (a broken seal, illegible labelling) does not block acceptance: it is recorded,
and the laboratory decides. Two things do block it until decided:
- a refrigerated or frozen sample needs its temperature on arrival;
- the quantity received must cover the test plan and a retained part for two full re-analyses
  (WHO TRS 957 §20.1), i.e. 3 x what one full analysis needs; below that, accepting is an
  explicit decision with a reason."""

import re
from dataclasses import dataclass
from decimal import Decimal

from services.intake.domain import _Errors

# One analysis for the test plan plus the retained part for two full re-analyses.
ANALYSES_COVERED = 3

# Storage conditions that make the temperature on arrival required: refrigerated (2–8 °C, also
# written 2-8°C or 2 °C to 8 °C), frozen (-20 °C, −18 °C, ...), or said in words. Deliberately
# plain: a cold-chain sample is recognised by what reception reads on its label.
_COLD_CHAIN = (
    re.compile(r"\b2\s*(°\s*C)?\s*(-|–|to|à)\s*8\s*°?\s*C", re.IGNORECASE),
    re.compile(r"(-|−|minus\s)\s*(1[5-9]|[2-9]\d)\s*°?\s*C", re.IGNORECASE),
    re.compile(
        r"refrigerat|réfrigér|frozen|freez|congel|cold chain|chaîne du froid", re.IGNORECASE
    ),
)
_TEMPERATURE = re.compile(r"^[-−]?\d{1,3}(\.\d{1,2})?$")
MAX_REASON = 2000


def requires_temperature(storage_conditions: str) -> bool:
    """Whether the storage conditions say refrigerated or frozen, e.g. "2–8 °C" or "-20 °C"."""
    return any(pattern.search(storage_conditions) for pattern in _COLD_CHAIN)


def quantity_required(units_per_analysis: int) -> str:
    """Units needed at receipt: 3 x one full analysis; '' when the catalogue does not say."""
    if units_per_analysis <= 0:
        return ""
    return str(units_per_analysis * ANALYSES_COVERED)


def _number(text: str) -> str:
    """A decimal as plain text without trailing zeros: 100.0 -> 100, 2.50 -> 2.5."""
    value = Decimal(text).normalize()
    return format(value, "f")


@dataclass(frozen=True)
class Receipt:
    """A validated receipt decision and the checks recorded with it.

    `reason` explains a rejection, or why an insufficient quantity was accepted; empty
    otherwise. `quantity_required` is '' when the catalogue gives no figure."""

    accepted: bool
    condition: str
    quantity_received: str
    reason: str
    seals_intact: bool = True
    labelling_legible: bool = True
    temperature_on_arrival: str = ""
    quantity_required: str = ""

    @property
    def quantity_sufficient(self) -> bool:
        """True when nothing is required, or what was received covers it."""
        return covers(self.quantity_received, self.quantity_required)

    @property
    def insufficient_quantity_reason(self) -> str:
        """Why an insufficient quantity was accepted; '' when there was nothing to decide."""
        return self.reason if self.accepted and not self.quantity_sufficient else ""

    def same_decision(self, other: "Receipt") -> bool:
        """True when `other` repeats this decision (numbers compared as numbers)."""
        return (
            self.accepted == other.accepted
            and self.condition == other.condition
            and self.reason == other.reason
            and self.seals_intact == other.seals_intact
            and self.labelling_legible == other.labelling_legible
            and _same_number(self.temperature_on_arrival, other.temperature_on_arrival)
            and _same_number(self.quantity_received, other.quantity_received)
        )

    def detail(self, unit: str) -> str:
        """Timeline text, e.g. 'accepted, condition: intact, quantity received: 100 tablets
        (60 required), seals intact, labelling legible'."""
        checks = [
            "seals intact" if self.seals_intact else "seals broken or missing",
            "labelling legible" if self.labelling_legible else "labelling illegible",
        ]
        if self.temperature_on_arrival:
            checks.append(f"temperature on arrival: {self.temperature_on_arrival} °C")
        if not self.accepted:
            return "; ".join([f"rejected: {self.reason}", ", ".join(checks)])
        parts = ["accepted"]
        if self.condition:
            parts.append(f"condition: {self.condition}")
        received = f"quantity received: {self.quantity_received} {unit}".rstrip()
        if self.quantity_required:
            received += f" ({self.quantity_required} required)"
        parts.append(received)
        parts.extend(checks)
        text = ", ".join(parts)
        if not self.quantity_sufficient:
            text += f"; insufficient quantity accepted: {self.reason}"
        return text


def _same_number(a: str, b: str) -> bool:
    return a == b or (bool(a) and bool(b) and Decimal(a) == Decimal(b))


def _temperature(errors: _Errors, value: str, *, required: bool, conditions: str) -> str:
    value = value.strip().replace("−", "-")
    if not value:
        if required:
            errors.add(
                "temperature_on_arrival",
                f"required for a sample kept at {conditions}: give the temperature measured "
                "on arrival in °C",
            )
        return ""
    if not _TEMPERATURE.match(value):
        errors.add(
            "temperature_on_arrival", f"{value!r} is not a temperature in °C (e.g. 5 or -18.5)"
        )
        return ""
    return _number(value)


def validate_receipt(
    accepted: bool,
    condition: str,
    quantity_received: str,
    reason: str,
    *,
    seals_intact: bool = True,
    labelling_legible: bool = True,
    temperature_on_arrival: str = "",
    storage_conditions: str = "",
    units_per_analysis: int = 0,
    accept_insufficient_quantity: bool = False,
    unit: str = "",
) -> Receipt:
    """Accepted needs a positive quantity received, the temperature of a cold-chain sample, and
    enough units (or the decision to accept fewer, with a reason); rejected needs a reason.

    Raises InvalidArgument naming each field, e.g. 'quantity_received: 40 tablets received,
    60 tablets required ...'."""
    errors = _Errors()
    condition = errors.text("condition", condition, max_length=500)
    required = quantity_required(units_per_analysis)
    if accepted:
        before = len(errors.messages)
        quantity = errors.decimal("quantity_received", quantity_received, required=True)
        quantity_valid = len(errors.messages) == before
        temperature = _temperature(
            errors,
            temperature_on_arrival,
            required=requires_temperature(storage_conditions),
            conditions=storage_conditions.strip(),
        )
        reason = errors.text("reason", reason, max_length=MAX_REASON)
        short = quantity_valid and not covers(quantity, required)
        if not short:
            reason = ""  # a reason only explains a rejection or an insufficient quantity
        elif not accept_insufficient_quantity:
            each = f" {unit}" if unit else ""
            errors.add(
                "quantity_received",
                f"{_number(quantity)}{each} received, {required}{each} required "
                f"({ANALYSES_COVERED} x {units_per_analysis} for one full analysis: the test plan "
                "and a retained part for two re-analyses, WHO TRS 957 §20.1). To accept fewer, "
                "decide it: accept_insufficient_quantity with a reason",
            )
        elif not reason:
            errors.add("reason", "required to accept an insufficient quantity")
    else:
        # What arrived may be nothing at all: zero is a valid quantity for a rejection.
        quantity = errors.decimal(
            "quantity_received", quantity_received, required=False, positive=False
        )
        temperature = _temperature(
            errors, temperature_on_arrival, required=False, conditions=storage_conditions
        )
        reason = errors.text("reason", reason, max_length=MAX_REASON)
        if not reason:
            errors.add("reason", "required when the sample is rejected")
    errors.raise_if_any()
    return Receipt(
        accepted=accepted,
        condition=condition,
        quantity_received=quantity,
        reason=reason,
        seals_intact=seals_intact,
        labelling_legible=labelling_legible,
        temperature_on_arrival=temperature,
        quantity_required=required,
    )


def covers(quantity_received: str, quantity_required: str) -> bool:
    """Whether the quantity received covers what is required ('' requires nothing)."""
    if not quantity_required:
        return True
    return Decimal(quantity_received or "0") >= Decimal(quantity_required)
