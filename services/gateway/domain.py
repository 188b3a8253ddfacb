"""Pure rules of the gateway: roles, who may do what, who sees which sample. No I/O."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Role(StrEnum):
    """The roles of DESIGN §2."""

    REQUESTER = "requester"
    RECEPTION = "reception"
    ANALYST = "analyst"
    REVIEWER = "reviewer"
    APPROVER = "approver"
    QUALITY = "quality"
    ADMIN = "admin"


# Everyone who works in the lab, as opposed to those who only send samples.
STAFF: tuple[Role, ...] = tuple(role for role in Role if role is not Role.REQUESTER)

DEMO_PASSWORD = "lims-demo"
# (username, full name, roles) of the embedded default's demo users (DESIGN §2). The reviewer is a
# section head who also analyses, which makes the separation-of-duties refusal reachable.
DEMO_USERS: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("requester", "Youssef Benali", (Role.REQUESTER,)),
    ("reception", "Salma Idrissi", (Role.RECEPTION,)),
    ("analyst", "Amina El Fassi", (Role.ANALYST,)),
    ("analyst2", "Karim Tazi", (Role.ANALYST,)),
    ("reviewer", "Nadia Berrada", (Role.REVIEWER, Role.ANALYST)),
    ("approver", "Hassan Alaoui", (Role.APPROVER,)),
    ("quality", "Leila Chraibi", (Role.QUALITY,)),
    ("admin", "Admin LIMS", (Role.ADMIN,)),
)


def acting_role(held: Iterable[str], allowed: Sequence[Role]) -> Role | None:
    """The role a user acts under: the first of `allowed` they hold (order = preference)."""
    roles = set(held)
    return next((role for role in allowed if role in roles), None)


def needs_role_message(allowed: Sequence[Role]) -> str:
    """The refusal a user without any of `allowed` reads."""
    if len(allowed) == 1:
        return f"this action needs the role '{allowed[0]}'"
    return "this action needs one of the roles " + ", ".join(f"'{role}'" for role in allowed)


def is_staff(held: Iterable[str]) -> bool:
    """Whether the user works in the lab (any role but requester)."""
    return any(role in STAFF for role in held)


def may_see_sample(username: str, held: Iterable[str], sample_requester: str) -> bool:
    """Staff see every sample; a requester sees only the samples they own."""
    return is_staff(held) or sample_requester == username


# A file is attached to the result being worked on or reviewed, never to a closed one.
ATTACHABLE_TEST_STATUSES = ("assigned", "submitted")


def may_attach(username: str, held: Iterable[str], test_analyst: str) -> bool:
    """The test's assigned analyst attaches files to its result; a reviewer may too."""
    return username == test_analyst or Role.REVIEWER in set(held)


def lab_number_of_test(test_id: str) -> str | None:
    """The sample of a test id: LNCM-2026-00001-03 -> LNCM-2026-00001; None if malformed."""
    head, dash, sequence = test_id.rpartition("-")
    if not dash or not head or not sequence.isdigit() or "-" not in head:
        return None
    return head


# A lab number (LNCM-2026-00001), optionally followed by a test's sequence (-03) or an aliquot's
# (-A2): what a scanner types from a label or a worksheet.
_CODE = re.compile(r"([A-Z0-9]+-[0-9]+-[0-9]+)(?:-(?:[0-9]+|A[0-9]+))?")


def lab_number_of_code(code: str) -> str | None:
    """The sample a scanned or typed code names: a lab number, a test id (LNCM-2026-00001-03)
    or an aliquot code (LNCM-2026-00001-A2) -> LNCM-2026-00001, whatever the letter case;
    None for any other text (which the search then looks for in the sample list)."""
    match = _CODE.fullmatch(code.strip().upper())
    return match[1] if match else None


def sla_state(*, due_at: str, warning_at: str, breached_at: str) -> str:
    """'none' before the clock starts, then 'ok', 'warning' (80 %) or 'breached' (100 %)."""
    if breached_at:
        return "breached"
    if warning_at:
        return "warning"
    return "ok" if due_at else "none"


@dataclass(frozen=True)
class LockoutPolicy:
    """How many consecutive failed password checks lock an account, and for how long."""

    failures: int = 5
    duration: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class PasswordFailures:
    """An account's consecutive failed password checks and the end of its lock (None: none)."""

    count: int = 0
    locked_until: datetime | None = None

    def lock_at(self, now: datetime) -> datetime | None:
        """The end of the lock if one is in force at `now`."""
        if self.locked_until is not None and now < self.locked_until:
            return self.locked_until
        return None

    def lock_ended(self, now: datetime) -> bool:
        """Whether a lock ran out by `now` (the record still holds it until the next attempt)."""
        return self.locked_until is not None and now >= self.locked_until


def after_failure(
    failures: PasswordFailures, policy: LockoutPolicy, now: datetime
) -> PasswordFailures:
    """One more wrong password. The failure that reaches the limit locks the account from `now`
    and starts the count again, so that a lock that runs out gives the full number of tries
    back; during a lock nothing changes (the password is not even checked then)."""
    if failures.lock_at(now) is not None:
        return failures
    count = (0 if failures.lock_ended(now) else failures.count) + 1
    if count < policy.failures:
        return PasswordFailures(count, None)
    # Whole seconds: the refusal shows this time, and the lock must not end before it says.
    until = now + policy.duration
    if until.microsecond:
        until = until.replace(microsecond=0) + timedelta(seconds=1)
    return PasswordFailures(0, until)
