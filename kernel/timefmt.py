"""Time in one form everywhere: aware UTC datetimes, RFC 3339 strings on the wire."""

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def to_rfc3339(value: datetime | None) -> str:
    """RFC 3339 text of an aware (or naive UTC) datetime; '' for None."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # SQLite returns naive values that were stored as UTC
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def from_rfc3339(text: str) -> datetime | None:
    """Aware UTC datetime from RFC 3339 text; None for ''. Raises ValueError if malformed."""
    if not text:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"time without a UTC offset: {text!r}")
    return value.astimezone(UTC)


def to_iso_date(value: date | None) -> str:
    """ISO 8601 date text; '' for None."""
    return value.isoformat() if value else ""


def from_iso_date(text: str) -> date | None:
    """Date from ISO 8601 text; None for ''. Raises ValueError if malformed."""
    return date.fromisoformat(text) if text else None
