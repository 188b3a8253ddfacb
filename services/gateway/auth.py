"""Passwords (argon2id, hashed in a thread) and bearer tokens (JWT, HS256) from the server secret."""

import asyncio
import hashlib
import hmac
import os
import secrets
import time
import uuid
from collections.abc import Callable
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


def hash_password_blocking(password: str) -> str:
    """The argon2id hash of a password, in the calling thread (for code already in a worker)."""
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return hash_password_blocking(secrets.token_urlsafe(16))


async def hash_password(password: str) -> str:
    """The argon2id hash of a password (computed in a thread: it takes tens of milliseconds)."""
    return await asyncio.to_thread(hash_password_blocking, password)


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
    return _encode(derive_key(secret, "jwt"), username, full_name, roles, ttl, now)


def read_token(secret: bytes, token: str) -> Identity | None:
    """The identity of a valid, unexpired token; None for anything else."""
    return _decode(derive_key(secret, "jwt"), token)


class Tokens:
    """Issues and reads the process's bearer tokens, with the signing key derived once.

    A token string already verified is kept with its identity until it expires, so the next
    requests bearing it cost a dictionary lookup instead of a JWT decode: the same string
    always carries the same signed claims, so only the expiry needs checking again."""

    def __init__(
        self, secret: bytes, max_kept: int = 10_000, clock: Callable[[], float] = time.time
    ) -> None:
        self._key = derive_key(secret, "jwt")
        self._max = max_kept
        self._clock = clock
        self._kept: dict[str, tuple[Identity, float]] = {}  # token -> (identity, exp timestamp)

    def issue(
        self, *, username: str, full_name: str, roles: list[str], ttl: timedelta
    ) -> tuple[str, Identity]:
        """A signed bearer token and the identity it carries (see issue_token)."""
        return _encode(self._key, username, full_name, roles, ttl, None)

    def read(self, token: str) -> Identity | None:
        """The identity of a valid, unexpired token; None for anything else."""
        now = self._clock()
        kept = self._kept.get(token)
        if kept is not None:
            if kept[1] > now:
                return kept[0]
            del self._kept[token]
            return None
        identity = _decode(self._key, token)
        if identity is not None:
            self._keep(token, identity, now)
        return identity

    def _keep(self, token: str, identity: Identity, now: float) -> None:
        if len(self._kept) >= self._max:
            for old in [t for t, (_, expiry) in self._kept.items() if expiry <= now]:
                del self._kept[old]
            while len(self._kept) >= self._max:  # all alive: forget the oldest (decoded again)
                del self._kept[next(iter(self._kept))]
        self._kept[token] = (identity, identity.expires_at.timestamp())

    def __len__(self) -> int:
        return len(self._kept)


def _encode(
    key: bytes,
    username: str,
    full_name: str,
    roles: list[str],
    ttl: timedelta,
    now: datetime | None,
) -> tuple[str, Identity]:
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
    return jwt.encode(claims, key, algorithm=_ALGORITHM), identity


def _decode(key: bytes, token: str) -> Identity | None:
    try:
        claims = jwt.decode(
            token, key, algorithms=[_ALGORITHM], options={"require": ["sub", "jti", "exp"]}
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
