"""E-mail outbox use cases: the rejection notice written for a request's contact, its delivery
recorded by the worker's activity, the outbox listed for reception. Like service.py, each takes
the caller's session, flushes and never commits.

Like notifications, an outbox e-mail is a message about a record (the rejection, audited where
it happens), not a record: writing and sending it is not audited."""

from datetime import datetime

from sqlalchemy.orm import Session

from kernel.errors import FailedPrecondition, InvalidArgument, NotFound
from kernel.lifecycle import SampleStatus
from kernel.timefmt import utcnow
from services.intake import repository
from services.intake.models import OutboxEmail
from services.intake.outbox import MAX_ERROR, EmailStatus, RejectedSample, rejection_notice

MAX_KEY = 200
MAX_PAGE_SIZE = 200


def _key(notification_key: str) -> str:
    key = notification_key.strip()
    if not key:
        raise InvalidArgument("notification_key: required (the caller's idempotency key)")
    if len(key) > MAX_KEY:
        raise InvalidArgument(f"notification_key: at most {MAX_KEY} characters (got {len(key)})")
    return key


def queue_rejection_notice(
    session: Session,
    lab_number: str,
    notification_key: str,
    lab_name: str,
    now: datetime | None = None,
) -> OutboxEmail | None:
    """Writes the rejection notice to the contact e-mail of the sample's request; None when the
    request gives no e-mail. The one already written with this key is returned as it is."""
    key = _key(notification_key)
    found = repository.email_by_key(session, key)
    if found is not None:
        return found
    lab_number = lab_number.strip()
    if not lab_number:
        raise InvalidArgument("lab_number: required")
    sample = repository.sample_by_lab_number(session, lab_number)
    if sample is None:
        raise NotFound(f"lab_number: no sample {lab_number!r}")
    if sample.status is not SampleStatus.REJECTED:
        raise FailedPrecondition(f"lab_number: {lab_number} is {sample.status}, not rejected")
    if not sample.contact_email:
        return None
    notice = rejection_notice(
        RejectedSample(
            lab_number=sample.lab_number,
            product_name=sample.product_name,
            product_code=sample.product_code,
            batch_number=sample.batch_number,
            external_reference=sample.external_reference,
            reason=sample.rejection_reason,
            contact_name=sample.contact_name,
        ),
        lab_name.strip(),
    )
    email = OutboxEmail(
        notification_key=key,
        recipient=sample.contact_email,
        subject=notice.subject[:300],
        text=notice.text,
        lab_number=sample.lab_number,
        status=EmailStatus.PENDING,
        attempts=0,
        error="",
        created_at=now or utcnow(),
        sent_at=None,
    )
    session.add(email)
    session.flush()
    return email


def record_delivery(
    session: Session,
    notification_key: str,
    *,
    sent: bool,
    error: str = "",
    now: datetime | None = None,
) -> OutboxEmail:
    """Records an attempt to send: sent, or failed with the mail server's answer. Once sent, a
    later report changes nothing (a retried activity may report twice)."""
    key = _key(notification_key)
    email = repository.email_by_key(session, key, lock=True)
    if email is None:
        raise NotFound(f"notification_key: no outbox e-mail {key!r}")
    if email.status is EmailStatus.SENT:
        return email
    error = error.strip()
    if not sent and not error:
        raise InvalidArgument("error: required when the e-mail was not sent (the server's answer)")
    email.attempts += 1
    if sent:
        email.status, email.error, email.sent_at = EmailStatus.SENT, "", now or utcnow()
    else:
        email.status, email.error = EmailStatus.FAILED, error[:MAX_ERROR]
    session.flush()
    return email


def list_outbox(
    session: Session, statuses: list[str], page_size: int = 0
) -> tuple[list[OutboxEmail], int]:
    """The newest outbox e-mails, in these statuses (every one when none is given)."""
    if not 0 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidArgument(f"page_size: 1 to {MAX_PAGE_SIZE} (got {page_size})")
    wanted: list[EmailStatus] = []
    for status in statuses:
        try:
            wanted.append(EmailStatus(status))
        except ValueError:
            choices = ", ".join(s.value for s in EmailStatus)
            raise InvalidArgument(f"status: unknown {status!r} (one of {choices})") from None
    return repository.outbox(session, wanted, page_size or 50)
