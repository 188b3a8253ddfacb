"""Passwords, bearer tokens and the server secret of the gateway."""

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from kernel.settings import Settings
from services.gateway.auth import (
    Tokens,
    derive_key,
    hash_password,
    issue_token,
    load_secret,
    read_token,
    verify_password,
)

SECRET = b"k" * 48


async def test_password_verifies_against_its_hash_and_nothing_else() -> None:
    hashed = await hash_password("lims-demo")
    assert hashed.startswith("$argon2id$")
    assert await verify_password(hashed, "lims-demo")
    assert not await verify_password(hashed, "lims-demo ")
    assert not await verify_password(None, "lims-demo")  # unknown user
    assert not await verify_password("not-a-hash", "lims-demo")


def test_token_carries_the_identity_it_was_issued_for() -> None:
    token, issued = issue_token(
        SECRET,
        username="reviewer",
        full_name="Nadia Berrada",
        roles=["reviewer", "analyst"],
        ttl=timedelta(minutes=5),
    )
    identity = read_token(SECRET, token)
    assert identity == issued
    assert identity is not None
    assert identity.roles == ("reviewer", "analyst")
    assert len(identity.jti) == 32
    claims = jwt.decode(token, options={"verify_signature": False})
    assert set(claims) == {"sub", "name", "roles", "jti", "iat", "exp"}


def test_two_tokens_of_one_user_are_two_sessions() -> None:
    first = issue_token(SECRET, username="a", full_name="A", roles=[], ttl=timedelta(minutes=5))
    second = issue_token(SECRET, username="a", full_name="A", roles=[], ttl=timedelta(minutes=5))
    assert first[1].jti != second[1].jti


def test_expired_forged_or_malformed_tokens_are_refused() -> None:
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    expired, _ = issue_token(
        SECRET, username="a", full_name="A", roles=[], ttl=timedelta(minutes=5), now=long_ago
    )
    assert read_token(SECRET, expired) is None
    valid, _ = issue_token(SECRET, username="a", full_name="A", roles=[], ttl=timedelta(hours=1))
    assert read_token(b"x" * 48, valid) is None  # signed with another secret
    assert read_token(SECRET, valid[:-2] + "xx") is None
    assert read_token(SECRET, "not.a.token") is None
    no_jti = jwt.encode(
        {"sub": "a", "exp": datetime.now(UTC) + timedelta(hours=1)},
        derive_key(SECRET, "jwt"),
        algorithm="HS256",
    )
    assert read_token(SECRET, no_jti) is None
    unsigned = jwt.encode({"sub": "a", "jti": "j", "exp": 9999999999}, key=None, algorithm="none")
    assert read_token(SECRET, unsigned) is None


def test_a_kept_token_is_read_without_decoding_until_it_expires() -> None:
    now = [datetime.now(UTC).timestamp()]
    tokens = Tokens(SECRET, clock=lambda: now[0])
    token, issued = tokens.issue(username="a", full_name="A", roles=["analyst"], ttl=timedelta(1))
    assert tokens.read(token) == issued
    assert len(tokens) == 1
    assert tokens.read(token) == issued  # from what was kept
    assert read_token(SECRET, token) == issued  # the same token any reader accepts
    now[0] = issued.expires_at.timestamp()
    assert tokens.read(token) is None
    assert len(tokens) == 0


def test_tokens_refuse_what_read_token_refuses_and_keep_none_of_it() -> None:
    tokens = Tokens(SECRET)
    valid, _ = issue_token(SECRET, username="a", full_name="A", roles=[], ttl=timedelta(hours=1))
    other, _ = issue_token(b"x" * 48, username="a", full_name="A", roles=[], ttl=timedelta(1))
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    expired, _ = issue_token(
        SECRET, username="a", full_name="A", roles=[], ttl=timedelta(minutes=5), now=long_ago
    )
    for refused in (other, expired, valid[:-2] + "xx", "not.a.token"):
        assert tokens.read(refused) is None
    assert len(tokens) == 0


def test_tokens_keep_a_bounded_number_and_still_read_the_forgotten_ones() -> None:
    tokens = Tokens(SECRET, max_kept=2)
    issued = [
        tokens.issue(username=f"u{i}", full_name="U", roles=[], ttl=timedelta(hours=1))
        for i in range(3)
    ]
    for token, identity in issued:
        assert tokens.read(token) == identity
    assert len(tokens) == 2
    assert tokens.read(issued[0][0]) == issued[0][1]


def test_secret_is_created_once_private_and_reused(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    first = load_secret(settings)
    assert len(first) >= 32
    path = tmp_path / "var" / "secret.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret(settings) == first


def test_configured_secret_wins_and_a_broken_key_file_is_refused(tmp_path: Path) -> None:
    assert load_secret(Settings(var_dir=tmp_path, secret_key="from-the-environment")) == (
        b"from-the-environment"
    )
    (tmp_path / "secret.key").write_text("short")
    with pytest.raises(RuntimeError, match="delete it"):
        load_secret(Settings(var_dir=tmp_path))
