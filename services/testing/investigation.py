"""Out-of-specification investigations (WHO TRS 957 §18, DESIGN §5): pure rules, no I/O.

An OOS result opens an investigation. Phase I is the laboratory investigation by the analyst
and a supervisor, against a fixed checklist: an assignable laboratory cause invalidates the
result (the original is kept) and a retest goes to another analyst; no cause opens Phase II,
the full investigation, which ends in a signed conclusion: the OOS is confirmed (the result
stands and is reported) or invalidated for a cause found later (retest). Each phase has a
deadline; a missed one is escalated, never silently extended."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kernel.errors import FailedPrecondition, InvalidArgument, PermissionDenied

MAX_TEXT = 4000


class Phase(StrEnum):
    """Where an investigation stands."""

    PHASE_1 = "phase_1"  # laboratory investigation
    PHASE_2 = "phase_2"  # full investigation
    CONCLUDED = "concluded"


class Outcome(StrEnum):
    """How an investigation ended."""

    INVALIDATED = "invalidated"  # an assignable cause: the result is invalidated, a retest follows
    CONFIRMED = "confirmed"  # no laboratory cause: the OOS result stands


# The Phase I laboratory checklist: each question is answered yes or no, none skipped.
CHECKLIST: dict[str, str] = {
    "method_followed": "The method (version in force) was followed as written",
    "calculations_checked": "Calculations and transcriptions were checked",
    "instrument_suitable": "The instrument was calibrated and system suitability passed",
    "standards_in_date": "Reference standards and reagents were in date and correctly prepared",
    "sample_preparation": "The sample was prepared as the method says (weights, dilutions)",
    "analyst_qualified": "The analyst is qualified for the technique",
    "no_equipment_fault": "No equipment malfunction or environmental excursion was recorded",
}


@dataclass(frozen=True)
class Deadlines:
    """How long each phase may take before it is escalated (lab settings)."""

    phase_1: timedelta
    phase_2: timedelta

    def due(self, phase: Phase, started: datetime) -> datetime:
        """When `phase`, started at `started`, is due."""
        return started + (self.phase_1 if phase is Phase.PHASE_1 else self.phase_2)


@dataclass(frozen=True)
class PhaseOneFinding:
    """What the laboratory investigation found, validated."""

    checklist: dict[str, bool]
    cause_found: bool
    summary: str  # what was checked and, with a cause, what it was
    retest_analyst: str  # '' unless a cause was found


@dataclass(frozen=True)
class Conclusion:
    """The signed end of a Phase II investigation, validated."""

    outcome: Outcome
    summary: str
    retest_analyst: str  # '' unless invalidated


def _text(name: str, value: str, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidArgument(f"{name} is required")
    if len(value) > MAX_TEXT:
        raise InvalidArgument(f"{name}: at most {MAX_TEXT} characters")
    return value


def _retest_analyst(retest_analyst: str, original_analyst: str) -> str:
    analyst = retest_analyst.strip()
    if not analyst:
        raise InvalidArgument("retest_analyst is required when the result is invalidated")
    if analyst.casefold() == original_analyst.strip().casefold():
        raise PermissionDenied(
            f"the retest goes to another analyst: {analyst} obtained the original result"
        )
    return analyst


def require_phase(current: Phase, wanted: Phase, investigation_id: str) -> None:
    """Refuses a step that does not belong to the investigation's current phase."""
    if current is not wanted:
        raise FailedPrecondition(
            f"investigation {investigation_id} is {current.value}; this step needs {wanted.value}"
        )


def phase_one_finding(
    checklist: dict[str, bool],
    cause_found: bool,
    summary: str,
    retest_analyst: str,
    original_analyst: str,
) -> PhaseOneFinding:
    """The Phase I finding, or InvalidArgument naming what is missing or unknown."""
    unknown = sorted(set(checklist) - set(CHECKLIST))
    if unknown:
        raise InvalidArgument(f"checklist: unknown item(s) {', '.join(unknown)}")
    missing = [item for item in CHECKLIST if item not in checklist]
    if missing:
        raise InvalidArgument(
            f"checklist: every question must be answered, {len(missing)} unanswered "
            f"({', '.join(missing)})"
        )
    summary = _text("summary", summary, required=True)
    analyst = _retest_analyst(retest_analyst, original_analyst) if cause_found else ""
    return PhaseOneFinding(dict(checklist), cause_found, summary, analyst)


def conclusion(
    outcome: str, summary: str, retest_analyst: str, original_analyst: str
) -> Conclusion:
    """The Phase II conclusion, or InvalidArgument naming what is wrong."""
    try:
        kind = Outcome(outcome.strip())
    except ValueError:
        choices = ", ".join(o.value for o in Outcome)
        raise InvalidArgument(f"outcome must be one of {choices}") from None
    summary = _text("summary", summary, required=True)
    analyst = (
        _retest_analyst(retest_analyst, original_analyst) if kind is Outcome.INVALIDATED else ""
    )
    return Conclusion(kind, summary, analyst)


def check_concluder(concluder: str, original_analyst: str) -> None:
    """The analyst whose result is under investigation cannot conclude it (separation of duties)."""
    if concluder.strip().casefold() == original_analyst.strip().casefold():
        raise PermissionDenied(
            f"separation of duties: {concluder} obtained the result under investigation "
            "and cannot sign its conclusion"
        )


def signed_content(investigation_id: str, phase: Phase, fields: dict[str, object]) -> str:
    """The canonical text a conclusion's signature covers: sorted JSON, so any change to a signed
    field changes the hash."""
    return json.dumps(
        {"investigation": investigation_id, "phase": phase.value, **fields},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def content_hash(text: str) -> str:
    """SHA-256 (hex) of the signed text."""
    return hashlib.sha256(text.encode()).hexdigest()
