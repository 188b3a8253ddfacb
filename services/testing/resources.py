"""Pure rules of the resources that gate testing: analysts' qualifications, instruments, reference
standards and reagents. No I/O: the use cases (resources_service) read the records and pass them in.

A test is assigned only to an analyst qualified today for its technique, on an instrument in
service, calibrated and meant for that technique (when the technique needs one), with reference
standard and reagent lots that have not expired. Each refusal names the field and says why."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from kernel.errors import InvalidArgument

# Techniques done without an instrument. Every other technique needs one: a technique the
# catalogue adds later is gated until the lab says otherwise, which is the safe side.
INSTRUMENT_FREE_TECHNIQUES = frozenset({"visual", "tlc", "organoleptic", "wet chemistry"})
# The quality manager's home page lists what expires within this many days.
EXPIRY_WARNING_DAYS = 30
_MAX_TEXT = 200
_MAX_CODE = 40


class StandardSource(StrEnum):
    """Who issued a reference standard."""

    PH_EUR_CRS = "ph_eur_crs"  # EDQM chemical reference substance
    USP_RS = "usp_rs"
    WHO_ICRS = "who_icrs"  # WHO international chemical reference substance
    IN_HOUSE_SECONDARY = "in_house_secondary"  # qualified against a primary standard


class InstrumentStatus(StrEnum):
    """Whether an instrument may be used."""

    IN_SERVICE = "in_service"
    OUT_OF_SERVICE = "out_of_service"


def same_technique(a: str, b: str) -> bool:
    """Techniques compare without case or surrounding spaces ("HPLC" is "hplc ")."""
    return a.strip().casefold() == b.strip().casefold()


def needs_instrument(technique: str) -> bool:
    """Whether a test of this technique must name the instrument it is run on."""
    return technique.strip().casefold() not in INSTRUMENT_FREE_TECHNIQUES


@dataclass(frozen=True)
class Qualification:
    """An analyst's qualification for a technique, from a training record, valid until expiry."""

    analyst: str
    technique: str
    qualified_on: date
    expires_on: date
    training_record: str


@dataclass(frozen=True)
class Instrument:
    """An instrument, the techniques it serves and when its calibration falls due."""

    code: str
    name: str
    techniques: tuple[str, ...]
    calibration_due: date
    status: InstrumentStatus
    out_of_service_reason: str = ""


@dataclass(frozen=True)
class Lot:
    """A lot of a reference standard or a reagent: what matters to gating is its expiry."""

    lot: str
    name: str
    expires_on: date


@dataclass(frozen=True)
class Resources:
    """What an assignment (or a result) names: the instrument and the lots used."""

    instrument: str = ""
    reference_standards: tuple[str, ...] = ()
    reagents: tuple[str, ...] = ()


NO_RESOURCES = Resources()


# ---- validation of the records ----------------------------------------------------------------


def _text(problems: list[str], field: str, value: str, *, limit: int = _MAX_TEXT) -> None:
    if not value.strip():
        problems.append(f"{field}: required")
    elif len(value) > limit:
        problems.append(f"{field}: at most {limit} characters")


def qualification_problems(q: Qualification) -> list[str]:
    """What is wrong with a qualification, field by field ([] when fine)."""
    problems: list[str] = []
    _text(problems, "analyst", q.analyst, limit=100)
    _text(problems, "technique", q.technique, limit=50)
    _text(problems, "training_record", q.training_record)
    if q.expires_on <= q.qualified_on:
        problems.append("expires_on: must be after qualified_on")
    return problems


def instrument_problems(i: Instrument) -> list[str]:
    """What is wrong with an instrument, field by field ([] when fine)."""
    problems: list[str] = []
    _text(problems, "code", i.code, limit=_MAX_CODE)
    _text(problems, "name", i.name)
    if not [t for t in i.techniques if t.strip()]:
        problems.append("techniques: at least one technique is required")
    if i.status is InstrumentStatus.OUT_OF_SERVICE and not i.out_of_service_reason.strip():
        problems.append("out_of_service_reason: required when the instrument is out of service")
    return problems


def lot_problems(lot: Lot) -> list[str]:
    """What is wrong with a reference standard's or a reagent's lot ([] when fine)."""
    problems: list[str] = []
    _text(problems, "name", lot.name)
    _text(problems, "lot", lot.lot, limit=_MAX_CODE)
    return problems


def quantity_problems(quantity: str, unit: str) -> list[str]:
    """A reference standard's quantity: a decimal not below zero, with its unit."""
    try:
        amount = Decimal(quantity.strip())
    except InvalidOperation:
        return [f"quantity: {quantity!r} is not a number"]
    problems = [] if amount >= 0 and amount.is_finite() else ["quantity: must not be negative"]
    if not unit.strip():
        problems.append("quantity_unit: required")
    return problems


# ---- gating ------------------------------------------------------------------------------------


def qualification_refusal(
    analyst: str, technique: str, qualifications: Iterable[Qualification], today: date
) -> str:
    """Why this analyst may not run this technique today ('' when qualified)."""
    mine = [
        q for q in qualifications if q.analyst == analyst and same_technique(q.technique, technique)
    ]
    if any(q.qualified_on <= today <= q.expires_on for q in mine):
        return ""
    if not mine:
        return f"analyst: {analyst} has no qualification for {technique}"
    latest = max(mine, key=lambda q: q.expires_on)
    if latest.qualified_on > today:
        return (
            f"analyst: {analyst}'s qualification for {technique} starts on "
            f"{latest.qualified_on.isoformat()}"
        )
    return (
        f"analyst: {analyst}'s qualification for {technique} expired on "
        f"{latest.expires_on.isoformat()} (training record {latest.training_record})"
    )


def instrument_refusal(
    code: str, instrument: Instrument | None, technique: str, today: date
) -> str:
    """Why this instrument may not be used for this technique today ('' when it may)."""
    if not code:
        if needs_instrument(technique):
            return f"instrument: an instrument is required for {technique}"
        return ""
    if instrument is None:
        return f"instrument: unknown instrument {code!r}"
    if instrument.status is InstrumentStatus.OUT_OF_SERVICE:
        return f"instrument: {code} is out of service ({instrument.out_of_service_reason})"
    if not any(same_technique(t, technique) for t in instrument.techniques):
        return f"instrument: {code} is not used for {technique} (it serves {', '.join(instrument.techniques)})"
    if instrument.calibration_due < today:
        return (
            f"instrument: {code}'s calibration was due on {instrument.calibration_due.isoformat()}"
        )
    return ""


def lot_refusal(field: str, kind: str, lot: str, found: Lot | None, today: date) -> str:
    """Why this lot may not be used today ('' when it may); `kind` names it in the message."""
    if found is None:
        return f"{field}: unknown {kind} lot {lot!r}"
    if found.expires_on < today:
        return f"{field}: {kind} {found.name} lot {lot} expired on {found.expires_on.isoformat()}"
    return ""


def gating_refusals(
    *,
    analyst: str,
    technique: str,
    today: date,
    wanted: Resources,
    qualifications: Sequence[Qualification],
    instrument: Instrument | None,
    standards: dict[str, Lot],
    reagents: dict[str, Lot],
    check_analyst: bool = True,
) -> list[str]:
    """Every reason the assignment (or result) is refused, "field: why" each; [] when allowed."""
    refusals = []
    if check_analyst:
        refusals.append(qualification_refusal(analyst, technique, qualifications, today))
    refusals.append(instrument_refusal(wanted.instrument, instrument, technique, today))
    for lot in wanted.reference_standards:
        refusals.append(
            lot_refusal("reference_standards", "reference standard", lot, standards.get(lot), today)
        )
    for lot in wanted.reagents:
        refusals.append(lot_refusal("reagents", "reagent", lot, reagents.get(lot), today))
    return [r for r in refusals if r]


def clean_lots(field: str, lots: Iterable[str]) -> tuple[str, ...]:
    """Lot numbers as given, trimmed, empty ones dropped, each once, in the given order."""
    seen: dict[str, None] = {}
    for lot in lots:
        lot = lot.strip()
        if len(lot) > _MAX_CODE:
            raise InvalidArgument(f"{field}: a lot number has at most {_MAX_CODE} characters")
        if lot:
            seen.setdefault(lot)
    return tuple(seen)


def days_left(expires_on: date, today: date) -> int:
    """Days until the date (0: today; negative: past)."""
    return (expires_on - today).days


def expiring(expires_on: date, today: date, within_days: int = EXPIRY_WARNING_DAYS) -> bool:
    """Whether a date falls before the end of the warning window (expired ones included)."""
    return days_left(expires_on, today) <= within_days
