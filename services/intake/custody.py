"""Chain-of-custody rules: which movement of a sample is allowed from where it is now and from its
lifecycle status, and what a storage location must declare. Pure Python, no I/O; refusals are
kernel.errors whose message names the field (bad input) or says why the state forbids it.

Kept apart from domain.py, which holds the request, receipt and status rules: custody is its own
idea (where the physical sample is, who holds it), with its own states."""

import re
from dataclasses import dataclass
from enum import StrEnum

from kernel.errors import FailedPrecondition, InvalidArgument
from kernel.lifecycle import TERMINAL, SampleStatus


class CustodyKind(StrEnum):
    """Kinds of movement (values equal the proto enum's lowercase names)."""

    STORED = "stored"  # put in (or moved to) a storage location
    HANDED_TO_ANALYST = "handed_to_analyst"
    RETURNED = "returned"  # given back by the analyst
    RETAINED = "retained"  # kept as the retained part (WHO TRS 957 §20.1), at a location
    DISPOSED = "disposed"  # destroyed: the end of the chain


class CustodyState(StrEnum):
    """Where a sample is, as its last movement left it."""

    AT_RECEPTION = "at_reception"  # received, no movement recorded yet
    IN_STORAGE = "in_storage"
    WITH_ANALYST = "with_analyst"
    RETURNED = "returned"
    RETAINED = "retained"
    DISPOSED = "disposed"


STATE_AFTER: dict[CustodyKind, CustodyState] = {
    CustodyKind.STORED: CustodyState.IN_STORAGE,
    CustodyKind.HANDED_TO_ANALYST: CustodyState.WITH_ANALYST,
    CustodyKind.RETURNED: CustodyState.RETURNED,
    CustodyKind.RETAINED: CustodyState.RETAINED,
    CustodyKind.DISPOSED: CustodyState.DISPOSED,
}

# Which movements take a location: required for these, refused for the ones not listed.
LOCATION_REQUIRED = frozenset({CustodyKind.STORED, CustodyKind.RETAINED})
LOCATION_OPTIONAL = frozenset({CustodyKind.RETURNED})  # returned straight to a shelf, or not
# A sample rejected at receipt or cancelled is not tested, so it is neither handed to an analyst
# nor kept as a retained part for re-analysis.
NOT_TESTED = frozenset({SampleStatus.REJECTED, SampleStatus.CANCELLED})

MAX_REMARKS = 2000
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,29}$")


@dataclass(frozen=True)
class Custody:
    """Where a sample is now: its state, the location it is kept at, and who holds it."""

    state: CustodyState = CustodyState.AT_RECEPTION
    location_code: str = ""
    handed_to: str = ""


@dataclass(frozen=True)
class Movement:
    """A validated movement, ready to be checked against the sample's state and recorded."""

    kind: CustodyKind
    location_code: str
    handed_to: str
    witness: str
    remarks: str

    def after(self, before: Custody) -> Custody:
        """Where the sample is once this movement is recorded."""
        state = STATE_AFTER[self.kind]
        if self.kind is CustodyKind.HANDED_TO_ANALYST:
            return Custody(state, "", self.handed_to)
        if self.kind is CustodyKind.DISPOSED:
            return Custody(state)
        return Custody(state, self.location_code)


def parse_kind(value: str) -> CustodyKind:
    """The movement named by `value` ('' when the proto enum was not set)."""
    choices = ", ".join(kind.value for kind in CustodyKind)
    if not value:
        raise InvalidArgument(f"kind: required (one of {choices})")
    try:
        return CustodyKind(value)
    except ValueError:
        raise InvalidArgument(f"kind: unknown value {value!r} (one of {choices})") from None


def validate_movement(
    kind: CustodyKind,
    *,
    actor: str,
    location_code: str = "",
    handed_to: str = "",
    witness: str = "",
    remarks: str = "",
) -> Movement:
    """Checks what each kind needs and refuses what it does not take; every problem at once."""
    problems: list[str] = []
    location_code = location_code.strip().upper()
    handed_to, witness, remarks = handed_to.strip(), witness.strip(), remarks.strip()
    if not actor.strip():
        problems.append("actor.username: required (who moves the sample)")
    if kind in LOCATION_REQUIRED and not location_code:
        problems.append(f"location_code: required to record '{kind}' (where the sample is kept)")
    elif location_code and kind not in LOCATION_REQUIRED | LOCATION_OPTIONAL:
        problems.append(f"location_code: not taken by '{kind}'")
    if kind is CustodyKind.HANDED_TO_ANALYST:
        if not handed_to:
            problems.append("handed_to: required (the login name of the analyst)")
        elif len(handed_to) > 100:
            problems.append(f"handed_to: at most 100 characters (got {len(handed_to)})")
    elif handed_to:
        problems.append("handed_to: only a sample handed to an analyst names who received it")
    if witness and kind is not CustodyKind.DISPOSED:
        problems.append("witness: only a disposal is witnessed")
    elif len(witness) > 100:
        problems.append(f"witness: at most 100 characters (got {len(witness)})")
    elif witness and witness == actor.strip():
        problems.append("witness: must be someone other than who disposes of the sample")
    if len(remarks) > MAX_REMARKS:
        problems.append(f"remarks: at most {MAX_REMARKS} characters (got {len(remarks)})")
    if problems:
        raise InvalidArgument("; ".join(problems))
    return Movement(kind, location_code, handed_to, witness, remarks)


def check_movement(
    lab_number: str, status: SampleStatus, current: Custody, movement: Movement
) -> None:
    """Refuses a movement the sample's custody state or lifecycle status does not allow."""
    kind = movement.kind
    if status is SampleStatus.REGISTERED:
        raise FailedPrecondition(
            f"{lab_number}: custody starts at receipt; this sample is registered, not received"
        )
    if current.state is CustodyState.DISPOSED:
        raise FailedPrecondition(f"{lab_number}: disposed of; no movement can follow")
    if kind is CustodyKind.RETURNED:
        if current.state is not CustodyState.WITH_ANALYST:
            raise FailedPrecondition(
                f"{lab_number}: nothing to return; the sample is not with an analyst"
            )
        return
    if current.state is CustodyState.WITH_ANALYST:
        raise FailedPrecondition(
            f"{lab_number}: the sample is with {current.handed_to}; record its return first"
        )
    if kind in (CustodyKind.HANDED_TO_ANALYST, CustodyKind.RETAINED) and status in NOT_TESTED:
        raise FailedPrecondition(
            f"{lab_number}: a {status} sample is not tested, so it is not "
            + ("handed to an analyst" if kind is CustodyKind.HANDED_TO_ANALYST else "retained")
        )
    if kind is CustodyKind.DISPOSED and status not in TERMINAL:
        raise FailedPrecondition(
            f"{lab_number}: a sample is disposed of once its lifecycle has ended (released, "
            f"rejected or cancelled); this one is {status}"
        )
    if movement.after(current) == current:
        raise FailedPrecondition(f"{lab_number}: already {_where(current)}")


def _where(custody: Custody) -> str:
    if custody.state is CustodyState.IN_STORAGE:
        return f"in storage at {custody.location_code}"
    if custody.state is CustodyState.RETAINED:
        return f"retained at {custody.location_code}"
    return custody.state.replace("_", " ")


def check_location_usable(code: str, active: bool) -> None:
    """A movement goes only to a location in use."""
    if not active:
        raise FailedPrecondition(
            f"location_code: {code} is no longer in use; choose an active location"
        )


def custody_detail(movement: Movement, location_name: str = "") -> str:
    """Timeline text, e.g. 'to Réfrigérateur R2 (R2)', 'to analyst amina: assay'."""
    where = (
        f"{location_name} ({movement.location_code})" if location_name else movement.location_code
    )
    parts: list[str] = []
    if movement.kind is CustodyKind.HANDED_TO_ANALYST:
        parts.append(f"to {movement.handed_to}")
    elif where:
        parts.append(f"at {where}")
    if movement.witness:
        parts.append(f"witnessed by {movement.witness}")
    text = ", ".join(parts)
    if movement.remarks:
        text = f"{text}: {movement.remarks}" if text else movement.remarks
    return text


@dataclass(frozen=True)
class LocationDraft:
    """A validated storage location."""

    code: str
    name: str
    conditions: str
    active: bool


def validate_location(code: str, name: str, conditions: str, active: bool = True) -> LocationDraft:
    """A code (upper case, e.g. R2 or FRIDGE-2), a name, and the conditions kept there."""
    problems: list[str] = []
    code = code.strip().upper()
    name, conditions = name.strip(), conditions.strip()
    if not code:
        problems.append("code: required (e.g. R2)")
    elif not _CODE.match(code):
        problems.append(
            f"code: {code!r} must be 1 to 30 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit"
        )
    if not name:
        problems.append("name: required (e.g. Réfrigérateur R2)")
    elif len(name) > 200:
        problems.append(f"name: at most 200 characters (got {len(name)})")
    if not conditions:
        problems.append("conditions: required (e.g. 2–8 °C)")
    elif len(conditions) > 200:
        problems.append(f"conditions: at most 200 characters (got {len(conditions)})")
    if problems:
        raise InvalidArgument("; ".join(problems))
    return LocationDraft(code, name, conditions, active)
