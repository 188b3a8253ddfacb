"""Electronic signatures: the signer is re-authenticated with their password at every signing."""

import hashlib
import hmac
import logging
import time

from kernel.audit import Who
from kernel.db import Database
from kernel.settings import get_settings
from services.gateway import service
from services.gateway.auth import Identity
from services.gateway.credentials import check_password, locked_message, lockout_policy
from services.gateway.domain import LockoutPolicy
from services.gateway.problems import SignatureRefused, Unauthenticated
from services.gateway.service import PasswordAttempt

log = logging.getLogger(__name__)


class SignerSessions:
    """Password verifiers for the continuous sessions of signers, kept in memory only.

    21 CFR 11.200(a)(1)(i): when a person executes a series of signings during a single,
    continuous period of controlled system access, the first signing uses all the signature's
    components (here: the signed-in identity and the password, checked against the argon2 hash);
    each later signing in that period uses at least one component (the password again). A bearer
    token's `jti` is that period. After the first signature checked with argon2, an HMAC-SHA256
    verifier keyed by the server secret over (jti, stored hash, password) is kept for the jti, and
    later signatures compare against it in constant time: microseconds instead of an argon2 run,
    while every signature still needs the password. The verifier never leaves the process, dies
    with the token, is worthless for any other session, and stops matching when the password
    changes (the stored hash is part of it).
    """

    def __init__(self, key: bytes, max_sessions: int = 10_000) -> None:
        self._key = key
        self._max = max_sessions
        self._verifiers: dict[str, tuple[bytes, float]] = {}  # jti -> (verifier, expiry)

    def _verifier(self, identity: Identity, password_hash: str, password: str) -> bytes:
        message = "\0".join((identity.jti, password_hash, password)).encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def matches(self, identity: Identity, password_hash: str, password: str) -> bool:
        """Whether the password matches the verifier kept for this session (False if none)."""
        kept = self._verifiers.get(identity.jti)
        if kept is None or kept[1] < time.time():
            return False
        return hmac.compare_digest(kept[0], self._verifier(identity, password_hash, password))

    def remember(self, identity: Identity, password_hash: str, password: str) -> None:
        """Keeps the verifier of a password just checked with argon2, until the token expires."""
        now = time.time()
        if len(self._verifiers) >= self._max:
            for jti in [j for j, (_, expiry) in self._verifiers.items() if expiry < now]:
                del self._verifiers[jti]
            while len(self._verifiers) >= self._max:  # all alive: drop the oldest sessions
                del self._verifiers[next(iter(self._verifiers))]
        expiry = identity.expires_at.timestamp()
        self._verifiers[identity.jti] = (self._verifier(identity, password_hash, password), expiry)

    def __len__(self) -> int:
        return len(self._verifiers)


async def confirm_signer(
    db: Database,
    sessions: SignerSessions,
    identity: Identity,
    password: str,
    *,
    role: str,
    record_kind: str,
    record_id: str,
    policy: LockoutPolicy | None = None,
) -> None:
    """Re-authenticates the signer; a wrong password is audited, counts towards the lockout
    (credentials.check_password) and is refused (401), as is any signature while locked.
    `policy` defaults to the process's settings."""
    user = await db.read_call(service.find_account, identity.username)
    if user is None or not user.active:
        raise Unauthenticated("this account is no longer active; sign in again")
    who = Who(identity.username, identity.full_name, role)
    attempt = PasswordAttempt(
        "signature_refused",
        "signature",
        who,
        {"record_kind": record_kind, "record_id": record_id},
    )
    known = sessions.matches(identity, user.password_hash, password)
    policy = policy or lockout_policy(get_settings())
    verdict = await check_password(db, policy, user, password, attempt, known_match=known)
    if verdict.accepted:
        if not known:
            sessions.remember(identity, user.password_hash, password)
        return
    if verdict.locked_until is not None:
        log.warning("signature refused: %s is locked (%s)", identity.username, record_id)
        raise SignatureRefused(
            f"the signature was not applied and the attempt was recorded: "
            f"{locked_message(verdict.locked_until)}"
        )
    log.warning("signature refused: wrong password for %s on %s", identity.username, record_id)
    raise SignatureRefused(
        "the password does not match: the signature was not applied and the attempt was recorded"
    )
