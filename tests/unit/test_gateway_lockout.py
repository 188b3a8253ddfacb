"""The lockout rule: consecutive wrong passwords lock an account for a while (issue 6)."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from kernel.settings import Settings
from services.gateway import credentials
from services.gateway.credentials import AccountLocked, lockout_policy
from services.gateway.domain import LockoutPolicy, PasswordFailures, after_failure

NOW = datetime(2026, 3, 2, 9, 30, 15, 250_000, tzinfo=UTC)
POLICY = LockoutPolicy(failures=5, duration=timedelta(minutes=15))


def fail(times: int, start: PasswordFailures | None = None) -> PasswordFailures:
    failures = start or PasswordFailures()
    for _ in range(times):
        failures = after_failure(failures, POLICY, NOW)
    return failures


def test_failures_below_the_limit_only_count() -> None:
    assert fail(4) == PasswordFailures(4, None)
    assert fail(4).lock_at(NOW) is None


def test_the_failure_that_reaches_the_limit_locks_and_starts_the_count_again() -> None:
    locked = fail(5)
    assert locked.count == 0
    assert locked.locked_until == datetime(2026, 3, 2, 9, 45, 16, tzinfo=UTC)
    assert locked.lock_at(NOW) == locked.locked_until


def test_a_lock_ends_on_whole_seconds_never_before_the_duration() -> None:
    until = fail(5).locked_until
    assert until is not None and until >= NOW + POLICY.duration
    on_the_second = NOW.replace(microsecond=0)
    until = after_failure(PasswordFailures(4), POLICY, on_the_second).locked_until
    assert until == on_the_second + POLICY.duration


def test_nothing_changes_during_a_lock() -> None:
    locked = fail(5)
    assert after_failure(locked, POLICY, NOW + timedelta(minutes=14)) == locked


def test_a_lock_runs_out_at_its_end_and_gives_the_full_number_of_tries_back() -> None:
    locked = fail(5)
    assert locked.locked_until is not None
    end = locked.locked_until
    assert locked.lock_at(end - timedelta(microseconds=1)) == end
    assert locked.lock_at(end) is None and locked.lock_ended(end)
    assert not fail(4).lock_ended(NOW)
    later = after_failure(locked, POLICY, end)
    assert later == PasswordFailures(1, None)


def test_a_limit_of_one_locks_at_the_first_failure() -> None:
    strict = LockoutPolicy(failures=1, duration=timedelta(minutes=1))
    assert after_failure(PasswordFailures(), strict, NOW).lock_at(NOW) is not None


def test_settings_configure_the_rule_and_refuse_a_rule_that_never_locks() -> None:
    assert lockout_policy(Settings()) == POLICY
    assert lockout_policy(Settings(lockout_failures=3, lockout_minutes=2)) == LockoutPolicy(
        3, timedelta(minutes=2)
    )
    with pytest.raises(ValidationError):
        Settings(lockout_failures=0)
    with pytest.raises(ValidationError):
        Settings(lockout_minutes=0)


def test_a_locked_sign_in_says_until_when_and_when_to_retry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(credentials, "clock", lambda: NOW)
    refused = AccountLocked(datetime(2026, 3, 2, 9, 40, 16, tzinfo=UTC))
    assert refused.status == 401 and refused.slug == "account-locked"
    assert "locked until 2026-03-02T09:40:16Z" in refused.detail
    assert refused.headers == {"WWW-Authenticate": "Bearer", "Retry-After": "601"}
