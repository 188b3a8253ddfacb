"""The witness of a signed act (a disposal): a second, active member of staff who signs with
their own login name and password at the same desk. The password goes through the same check as
every other (credentials.check_password): a wrong one is audited and counts towards the
witness's lockout, and a locked witness cannot sign."""

import logging

from kernel.audit import Who
from kernel.db import Database
from services.gateway import service
from services.gateway.credentials import check_password, locked_message
from services.gateway.domain import LockoutPolicy, is_staff
from services.gateway.problems import FieldError, SignatureRefused, Unprocessable
from services.gateway.service import Account, PasswordAttempt

log = logging.getLogger(__name__)


def _refuse(message: str) -> Unprocessable:
    return Unprocessable(
        f"witness: {message}", errors=[FieldError(field="witness", message=message)]
    )


async def confirm_witness(
    db: Database,
    policy: LockoutPolicy,
    username: str,
    password: str,
    *,
    actor: str,
    record_kind: str,
    record_id: str,
) -> Account:
    """The witness's account once their password is checked; 422 when the witness is not an
    active member of staff or is the actor, 401 (signature refused, recorded) when the password
    is wrong or the account locked."""
    username = username.strip()
    if username == actor:
        raise _refuse("must be someone other than who disposes of the sample")
    account = await db.read_call(service.find_account, username)
    if account is None or not account.active or not is_staff(account.roles):
        raise _refuse(f"{username!r} is not an active member of staff")
    attempt = PasswordAttempt(
        "signature_refused",
        "signature",
        Who(account.username, account.full_name, "witness"),
        {"record_kind": record_kind, "record_id": record_id, "signed_as": "witness"},
    )
    verdict = await check_password(db, policy, account, password, attempt)
    if verdict.accepted:
        return account
    if verdict.locked_until is not None:
        log.warning("witness signature refused: %s is locked (%s)", username, record_id)
        raise SignatureRefused(
            "the witness's signature was not applied and the attempt was recorded: "
            + locked_message(verdict.locked_until)
        )
    log.warning("witness signature refused: wrong password for %s on %s", username, record_id)
    raise SignatureRefused(
        "the witness's password does not match: the signature was not applied and the attempt "
        "was recorded"
    )
