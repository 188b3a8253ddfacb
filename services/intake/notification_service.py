"""Notifications use cases: written by the workflows' activities (a rejection for its requester,
a disposal falling due for reception), read and marked read by their recipients. Like
service.py, each takes the caller's session, flushes and never commits.

Notifications are messages about records, not records: writing one is part of the change that
causes it (audited there), and reading one is not audited."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from kernel.errors import InvalidArgument, NotFound
from kernel.timefmt import utcnow
from services.intake import repository
from services.intake.models import Notification
from services.intake.retention import Recipient, validate_recipients

MAX_SUBJECT = 300
MAX_TEXT = 4000


def _key(key: str, recipient: Recipient) -> str:
    who = f"user:{recipient.username}" if recipient.username else f"role:{recipient.role}"
    return f"{key}:{who}"


def create_notifications(
    session: Session,
    *,
    notification_key: str,
    recipients: list[Recipient],
    subject: str,
    text: str,
    lab_number: str = "",
    now: datetime | None = None,
) -> list[Notification]:
    """One notification per recipient; those already written with this key are returned as
    they are (a retried activity writes nothing more)."""
    problems: list[str] = []
    notification_key, subject, text = notification_key.strip(), subject.strip(), text.strip()
    if not notification_key:
        problems.append("notification_key: required (the caller's idempotency key)")
    elif len(notification_key) > 200:
        problems.append(f"notification_key: at most 200 characters (got {len(notification_key)})")
    if not subject:
        problems.append("subject: required")
    elif len(subject) > MAX_SUBJECT:
        problems.append(f"subject: at most {MAX_SUBJECT} characters (got {len(subject)})")
    if len(text) > MAX_TEXT:
        problems.append(f"text: at most {MAX_TEXT} characters (got {len(text)})")
    if problems:
        raise InvalidArgument("; ".join(problems))
    written: list[Notification] = []
    for recipient in validate_recipients(recipients):
        key = _key(notification_key, recipient)
        found = repository.notification_by_key(session, key)
        if found is None:
            found = Notification(
                notification_key=key,
                recipient_user=recipient.username,
                recipient_role=recipient.role,
                subject=subject,
                text=text,
                lab_number=lab_number.strip(),
                created_at=now or utcnow(),
                read_at=None,
                read_by="",
            )
            session.add(found)
            session.flush()
        written.append(found)
    return written


@dataclass(frozen=True)
class Inbox:
    """A user's notifications, unread first, and how many are unread."""

    notifications: list[Notification]
    unread: int


def _reader(username: str) -> str:
    username = username.strip()
    if not username:
        raise InvalidArgument("username: required (whose notifications)")
    return username


def list_notifications(
    session: Session, username: str, roles: list[str], page_size: int = 0
) -> Inbox:
    """A user's notifications and their roles'."""
    if not 0 <= page_size <= 200:
        raise InvalidArgument(f"page_size: 1 to 200 (got {page_size})")
    found, unread = repository.notifications_for(
        session, _reader(username), [r.strip() for r in roles if r.strip()], page_size or 50
    )
    return Inbox(found, unread)


def mark_read(
    session: Session,
    notification_id: int,
    username: str,
    roles: list[str],
    now: datetime | None = None,
) -> Notification:
    """Marks a notification read (once: reading it again changes nothing)."""
    reader = _reader(username)
    found = repository.notification_for(
        session, notification_id, reader, [r.strip() for r in roles if r.strip()]
    )
    if found is None:
        raise NotFound(f"id: no notification {notification_id} for {reader}")
    if found.read_at is None:
        found.read_at, found.read_by = now or utcnow(), reader
        session.flush()
    return found
