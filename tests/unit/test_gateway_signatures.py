"""Signature verifiers of continuous sessions (21 CFR 11.200(a)(1)): one per token, bounded."""

from datetime import UTC, datetime, timedelta

from services.gateway.auth import derive_key, issue_token
from services.gateway.signatures import SignerSessions

SECRET = b"k" * 48


def test_signer_session_matches_only_the_password_it_remembered() -> None:
    sessions = SignerSessions(derive_key(SECRET, "signature-verifiers"))
    _, identity = issue_token(SECRET, username="r", full_name="R", roles=[], ttl=timedelta(hours=1))
    _, other = issue_token(SECRET, username="r", full_name="R", roles=[], ttl=timedelta(hours=1))
    assert not sessions.matches(identity, "$hash1", "secret")  # nothing remembered yet
    sessions.remember(identity, "$hash1", "secret")
    assert sessions.matches(identity, "$hash1", "secret")
    assert not sessions.matches(identity, "$hash1", "Secret")
    assert not sessions.matches(other, "$hash1", "secret")  # another session: argon2 again
    assert not sessions.matches(identity, "$hash2", "secret")  # password changed since


def test_signer_session_ends_with_its_token() -> None:
    sessions = SignerSessions(b"key")
    past = datetime.now(UTC) - timedelta(hours=2)
    _, identity = issue_token(
        SECRET, username="r", full_name="R", roles=[], ttl=timedelta(hours=1), now=past
    )
    sessions.remember(identity, "$h", "secret")
    assert not sessions.matches(identity, "$h", "secret")


def test_signer_sessions_stay_bounded() -> None:
    sessions = SignerSessions(b"key", max_sessions=3)
    identities = [
        issue_token(SECRET, username="r", full_name="R", roles=[], ttl=timedelta(hours=1))[1]
        for _ in range(5)
    ]
    for identity in identities:
        sessions.remember(identity, "$h", "pw")
    assert len(sessions) == 3
    assert sessions.matches(identities[-1], "$h", "pw")
    assert not sessions.matches(identities[0], "$h", "pw")
