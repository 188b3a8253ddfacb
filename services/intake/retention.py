"""Retention and disposal rules: how long a retained part is kept, when its disposal is early,
and who must sign a disposal. Pure Python, no I/O; refusals are kernel.errors naming the field.

A retained part is kept until the product's expiry date plus the retention period (setting
LIMS_RETENTION_DAYS, 365 by default: WHO TRS 957 §20.1 keeps retained samples at least a year
past expiry). A sample with no expiry date (a device, an API without retest date, a label that
does not say) is kept for the period from the day its retained part was put away: the longest
of the dates the lab knows for sure, so it is never destroyed sooner than a dated one would be."""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from kernel.errors import InvalidArgument

DEFAULT_RETENTION_DAYS = 365
MAX_REASON = 2000


def retain_until(expiry_date: date | None, retained_on: date, period_days: int) -> date:
    """The last day the retained part is kept: expiry + period, or retained day + period."""
    if period_days < 0:
        raise ValueError("the retention period cannot be negative")
    start = expiry_date if expiry_date is not None else retained_on
    return start + timedelta(days=period_days)


def disposal_due(until: date | None, today: date) -> bool:
    """Whether a retained part kept until `until` may be destroyed on `today` without a reason
    (a sample never retained has nothing to keep)."""
    return until is None or today > until


class SignerRole(StrEnum):
    """The two signatures of a disposal (values equal common.SignatureMeaning's lowercase)."""

    AUTHORED = "authored"  # the person who destroys the sample
    WITNESSED = "witnessed"  # a second person who saw it done


@dataclass(frozen=True)
class Signer:
    """Someone who signs a disposal, re-authenticated by the gateway."""

    username: str
    full_name: str
    meaning: str


def check_disposal(
    *,
    actor: str,
    witness: str,
    signers: list[Signer],
    reason: str,
    until: date | None,
    today: date,
    reminded: bool = False,
) -> None:
    """A disposal is signed by who does it (authored) and by its witness (witnessed), a
    different person; one before the retention period ends (by the calendar, and no reminder
    fell: `reminded`) also needs a reason. Every problem at once."""
    problems: list[str] = []
    by_meaning: dict[str, list[Signer]] = {}
    for signer in signers:
        by_meaning.setdefault(signer.meaning, []).append(signer)
    unknown = sorted(set(by_meaning) - {m.value for m in SignerRole})
    if unknown:
        problems.append(f"signers: a disposal is signed 'authored' and 'witnessed', not {unknown}")
    authors = by_meaning.get(SignerRole.AUTHORED, [])
    witnesses = by_meaning.get(SignerRole.WITNESSED, [])
    if len(authors) != 1 or authors[0].username != actor:
        problems.append("signers: the person disposing of the sample signs it once (authored)")
    if not witness:
        problems.append("witness: required (a disposal is witnessed)")
    elif len(witnesses) != 1 or witnesses[0].username != witness:
        problems.append("signers: the witness signs the disposal once (witnessed)")
    if witness and witness == actor:
        problems.append("witness: must be someone other than who disposes of the sample")
    if any(not s.full_name.strip() for s in signers):
        problems.append("signers: each signature carries the signer's full name")
    if len(reason) > MAX_REASON:
        problems.append(f"reason: at most {MAX_REASON} characters (got {len(reason)})")
    elif not reason.strip() and not reminded and not disposal_due(until, today):
        assert until is not None
        problems.append(
            f"reason: required to dispose of the sample before its retention ends "
            f"(kept until {until.isoformat()})"
        )
    if problems:
        raise InvalidArgument("; ".join(problems))


@dataclass(frozen=True)
class Recipient:
    """Who a notification is for: one user, or everyone holding a role."""

    username: str = ""
    role: str = ""


def validate_recipients(recipients: list[Recipient]) -> list[Recipient]:
    """Each names a user or a role (not both); duplicates dropped, order kept."""
    seen: list[Recipient] = []
    for index, recipient in enumerate(recipients):
        username, role = recipient.username.strip(), recipient.role.strip()
        if bool(username) == bool(role):
            raise InvalidArgument(f"recipients[{index}]: a username or a role, exactly one")
        clean = Recipient(username, role)
        if clean not in seen:
            seen.append(clean)
    if not seen:
        raise InvalidArgument("recipients: at least one")
    return seen
