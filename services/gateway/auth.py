"""Passwords (argon2id, hashed in a thread) and bearer tokens (JWT, HS256) from the server secret."""

import asyncio
import hashlib
import hmac
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kernel.settings import Settings
from kernel.timefmt import utcnow

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
_ALGORITHM = "HS256"


def _hash(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return _hash(secrets.token_urlsafe(16))


async def hash_password(password: str) -> str:
    """The argon2id hash of a password (computed in a thread: it takes tens of milliseconds)."""
    return await asyncio.to_thread(_hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; an unknown user (None) costs as long, so timing reveals nothing."""
    if password_hash is None:
        await asyncio.to_thread(_verify, _decoy_hash(), password)
        return False
    return await asyncio.to_thread(_verify, password_hash, password)


def load_secret(settings: Settings) -> bytes:
    """The server secret: settings.secret_key, or a random key created once in var_dir/secret.key."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.var_dir / "secret.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(48))
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_bytes().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable key: delete it to have a new one made")
    return key


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A key for one purpose only (token signing, signature verifiers) from the server secret."""
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class Identity:
    """Who a bearer token says the caller is."""

    username: str
    full_name: str
    roles: tuple[str, ...]
    jti: str  # the session: one token, one id
    expires_at: datetime


def issue_token(
    secret: bytes,
    *,
    username: str,
    full_name: str,
    roles: list[str],
    ttl: timedelta,
    now: datetime | None = None,
) -> tuple[str, Identity]:
    """A signed bearer token (sub, name, roles, jti, iat, exp) and the identity it carries."""
    issued = (now or utcnow()).replace(microsecond=0)
    identity = Identity(username, full_name, tuple(roles), uuid.uuid4().hex, issued + ttl)
    claims = {
        "sub": username,
        "name": full_name,
        "roles": list(roles),
        "jti": identity.jti,
        "iat": issued,
        "exp": identity.expires_at,
    }
    token = jwt.encode(claims, derive_key(secret, "jwt"), algorithm=_ALGORITHM)
    return token, identity


def read_token(secret: bytes, token: str) -> Identity | None:
    """The identity of a valid, unexpired token; None for anything else."""
    try:
        claims = jwt.decode(
            token,
            derive_key(secret, "jwt"),
            algorithms=[_ALGORITHM],
            options={"require": ["sub", "jti", "exp"]},
        )
    except jwt.InvalidTokenError:
        return None
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        return None
    return Identity(
        username=str(claims["sub"]),
        full_name=str(claims.get("name", "")),
        roles=tuple(roles),
        jti=str(claims["jti"]),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
    )
