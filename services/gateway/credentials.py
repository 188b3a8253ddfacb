"""The one place a password offered for an account is checked, with the lockout (issue 6):
signing in on the API and the web (`sign_in`) and signing (signatures.confirm_signer,
through `check_password`).

Consecutive wrong passwords, whatever they were offered for, are counted per user in the
gateway's database; the one that reaches settings.lockout_failures locks the account for
settings.lockout_minutes; a right password resets the count; an admin may unlock sooner. While
locked, the password is not even checked, so a refusal never tells whether it was right. Every
refusal, the lock and its end are entries of the gateway's audit chain.

A locked sign-in is a 401 (problem type `account-locked`, with Retry-After) and a locked
signature the usual 401 `signature-refused`, both saying until when: the caller is not
authenticated, which is what 401 means to OAuth2 clients and the web's sign-in page; 403 would
say that authenticating could not help and 423 (WebDAV) is not one clients know. Unlike wrong
credentials, the answer says that the account exists and is locked: a person locked out must
learn why and until when.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from kernel.audit import SYSTEM
from kernel.db import Database
from kernel.settings import Settings
from kernel.timefmt import to_rfc3339, utcnow
from services.gateway import service
from services.gateway.auth import verify_password
from services.gateway.domain import LockoutPolicy, PasswordFailures
from services.gateway.problems import Unauthenticated
from services.gateway.service import Account, PasswordAttempt

log = logging.getLogger(__name__)

# The lockout's time. Tests replace it to let a lock run out without waiting.
clock: Callable[[], datetime] = utcnow

WRONG_CREDENTIALS = "wrong login name or password"


def lockout_policy(settings: Settings) -> LockoutPolicy:
    """The lockout rule the settings configure."""
    return LockoutPolicy(settings.lockout_failures, timedelta(minutes=settings.lockout_minutes))


def locked_message(until: datetime) -> str:
    """Why a password is refused unchecked, and until when."""
    return (
        f"too many failed password attempts: this account is locked until {to_rfc3339(until)};"
        " try again then, or ask an administrator to unlock it"
    )


class AccountLocked(Unauthenticated):
    """Sign-in refused because repeated failed password attempts locked the account."""

    title, slug = "Account locked", "account-locked"

    def __init__(self, until: datetime) -> None:
        super().__init__(locked_message(until))
        self.until = until
        seconds = max(1, ceil((until - clock()).total_seconds()))
        self.headers = {"WWW-Authenticate": "Bearer", "Retry-After": str(seconds)}


@dataclass(frozen=True)
class Verdict:
    """Whether a password was accepted; if not, the end of the lock that refuses it, if any."""

    accepted: bool
    locked_until: datetime | None = None


async def check_password(
    db: Database,
    policy: LockoutPolicy,
    account: Account,
    password: str,
    attempt: PasswordAttempt,
    *,
    known_match: bool = False,
) -> Verdict:
    """Checks the password of an existing account (argon2, unless `known_match` says a cheaper
    check already matched), counting a failure, forgetting failures after a success, and
    refusing without checking while the account is locked. A right password on an account
    with no failures writes nothing (the common case: one read, one argon2 check)."""
    now = clock()
    held = account.failures.lock_at(now)
    if held is not None:
        await db.write_call(
            service.record_locked_attempt, username=account.username, attempt=attempt, until=held
        )
        return Verdict(False, held)
    if known_match or await verify_password(account.password_hash, password):
        if account.failures == PasswordFailures():
            return Verdict(True)
        held = await db.write_call(
            service.record_password_success, username=account.username, attempt=attempt, now=now
        )
        return Verdict(held is None, held)
    until = await db.write_call(
        service.record_password_failure,
        username=account.username,
        attempt=attempt,
        policy=policy,
        now=now,
    )
    if until is not None:
        log.warning("account %s locked until %s", account.username, to_rfc3339(until))
    return Verdict(False, until)


async def sign_in(
    db: Database, settings: Settings, username: str, password: str, *, channel: str
) -> Account:
    """The account of a login name and password; AccountLocked (401) while it is locked, else
    Unauthenticated (401) with the same words whether the user is unknown, inactive or the
    password wrong. `channel` ("api", "web") is recorded with a refusal."""
    account = await db.read_call(service.find_account, username) if username else None
    if account is None or not account.active:
        await verify_password(None, password)  # as long as a real check: timing tells nothing
        log.info("sign-in refused for %r (%s)", username, channel)
        raise Unauthenticated(WRONG_CREDENTIALS)
    attempt = PasswordAttempt("sign_in_refused", "sign-in", SYSTEM, {"channel": channel})
    verdict = await check_password(db, lockout_policy(settings), account, password, attempt)
    if verdict.locked_until is not None:
        log.info("sign-in refused for %r (%s): account locked", username, channel)
        raise AccountLocked(verdict.locked_until)
    if not verdict.accepted:
        log.info("sign-in refused for %r (%s)", username, channel)
        raise Unauthenticated(WRONG_CREDENTIALS)
    return account
