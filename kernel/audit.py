"""The audit trail: append-only entries, hash-chained per service, written in the caller's transaction.

Every service declares `class AuditEntry(AuditEntryMixin, Base)` and `class AuditHead(AuditHeadMixin,
Base)` in its models and calls `record(...)` in the same session as the change it records.
`list_entries` and `verify_chain` read a chain back (kernel.audit_service serves them over gRPC).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, Integer, String, Text, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kernel.timefmt import to_rfc3339, utcnow

GENESIS = "0" * 64
_HEAD_KEY = "kernel.audit.head"


@dataclass(frozen=True)
class Who:
    """The actor of a change, as the audit trail records it."""

    username: str
    full_name: str = ""
    role: str = ""


SYSTEM = Who("system", "LIMS", "system")


class AuditEntryMixin:
    """Columns of an audit entry. `seq` orders the chain; `hash` covers every other column."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    username: Mapped[str] = mapped_column(String(100), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(100), index=True)
    old_value: Mapped[str] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadMixin:
    """One row holding the chain's last seq and hash; locking it serialises audit writers."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


E = TypeVar("E", bound=AuditEntryMixin)


def canonical(value: Any) -> str:
    """Stable JSON text of a value (sorted keys, no spaces); '' for None."""
    if value is None:
        return ""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(entry: AuditEntryMixin) -> str:
    """SHA-256 over every column of the entry but `hash`, including the previous hash."""
    body = canonical(
        [
            entry.seq,
            to_rfc3339(entry.at),
            entry.username,
            entry.full_name,
            entry.role,
            entry.action,
            entry.entity_type,
            entry.entity_id,
            entry.old_value,
            entry.new_value,
            entry.reason,
            entry.prev_hash,
        ]
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    session: Session,
    entry_model: type[AuditEntryMixin],
    head_model: type[AuditHeadMixin],
    *,
    who: Who,
    action: str,
    entity_type: str,
    entity_id: str,
    old: Any = None,
    new: Any = None,
    reason: str = "",
    at: datetime | None = None,
) -> AuditEntryMixin:
    """Appends one entry to the chain inside the caller's transaction.

    The entry and the head are written when the session flushes (at the latest on commit)."""
    head = _locked_head(session, head_model)
    # Attributes are set one by one: the mixins declare columns, not a typed constructor.
    entry = entry_model()
    entry.seq = head.seq + 1
    entry.at = (at or utcnow()).astimezone(UTC)  # SQLite keeps no offset: store UTC
    entry.username, entry.full_name, entry.role = who.username, who.full_name, who.role
    entry.action, entry.entity_type, entry.entity_id = action, entity_type, entity_id
    entry.old_value, entry.new_value = canonical(old), canonical(new)
    entry.reason = reason
    entry.prev_hash = head.hash
    entry.hash = entry_hash(entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.add(entry)
    return entry


def _locked_head(session: Session, head_model: type[AuditHeadMixin]) -> AuditHeadMixin:
    """The chain's head, locked until the transaction ends: read once per transaction, since
    nobody else can move it while the lock is held."""
    transaction = session.get_transaction()
    cached = session.info.get(_HEAD_KEY)
    if cached is not None and cached[0] is transaction and cached[1].__class__ is head_model:
        head: AuditHeadMixin = cached[1]
        return head
    found = session.scalar(select(head_model).where(head_model.id == 1).with_for_update())
    if found is None:
        found = head_model()
        found.id, found.seq, found.hash = 1, 0, GENESIS
        session.add(found)
    session.info[_HEAD_KEY] = (transaction, found)
    return found


@dataclass(frozen=True)
class ChainCheck:
    """Result of verifying a chain: how many entries are sound, and the first broken link if any."""

    entries: int
    broken_at: int | None
    problem: str

    @property
    def intact(self) -> bool:
        """True when no link is broken."""
        return self.broken_at is None


def verify_chain(
    session: Session,
    entry_model: type[AuditEntryMixin],
    head_model: type[AuditHeadMixin] | None = None,
) -> ChainCheck:
    """Walks the chain in order and reports the first entry that is missing, altered or wrongly
    linked; with `head_model`, also entries missing (or added) at the end, which no link shows.

    The head is read first and only entries up to it are walked: on PostgreSQL each statement
    sees the latest commits, and an entry committed meanwhile (with its head) is not a break."""
    query = select(entry_model).order_by(entry_model.seq)
    head: tuple[int, str] | None = None
    if head_model is not None:
        head = _read_head(session, head_model) or (0, GENESIS)
        query = query.where(entry_model.seq <= head[0])
    prev, count = GENESIS, 0
    for entry in session.scalars(query.execution_options(yield_per=1000)):
        count += 1
        if entry.seq != count:
            return ChainCheck(count - 1, count, f"entry {count} is missing")
        if entry.prev_hash != prev:
            return ChainCheck(count - 1, count, "link to the previous entry is broken")
        if entry_hash(entry) != entry.hash:
            return ChainCheck(count - 1, count, "entry was altered after it was written")
        prev = entry.hash
    if head_model is None or head is None:
        return ChainCheck(count, None, "")
    head_seq, head_hash = head
    if count < head_seq:
        missing = (
            f"entry {count + 1}" if count + 1 == head_seq else f"entries {count + 1}-{head_seq}"
        )
        return ChainCheck(count, count + 1, f"{missing} missing at the end of the chain")
    if head_hash != prev:
        return ChainCheck(count - 1, count, "the last entry differs from the chain's head")
    return _check_beyond_head(session, entry_model, head_model, count)


def _read_head(session: Session, head_model: type[AuditHeadMixin]) -> tuple[int, str] | None:
    row = session.execute(select(head_model.seq, head_model.hash).where(head_model.id == 1)).first()
    return (row[0], row[1]) if row is not None else None


def _check_beyond_head(
    session: Session,
    entry_model: type[AuditEntryMixin],
    head_model: type[AuditHeadMixin],
    count: int,
) -> ChainCheck:
    """Entries past the head are added behind the system's back, unless a writer committed
    them (with the head) since the head was read: the head read again then covers them."""
    last = session.scalar(select(func.max(entry_model.seq)).where(entry_model.seq > count))
    if last is None:
        return ChainCheck(count, None, "")
    latest = _read_head(session, head_model)
    if latest is None:
        return ChainCheck(count, count + 1, "the chain's head is missing while entries exist")
    if last > latest[0]:
        first = session.scalar(select(func.min(entry_model.seq)).where(entry_model.seq > latest[0]))
        return ChainCheck(count, first, "entry added after the chain's head, outside the system")
    return ChainCheck(count, None, "")


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to list. Empty fields match everything; the others all apply."""

    # Entity ids starting with this text (a lab number: the sample and its tests).
    entity_id_prefix: str = ""
    # A record id: entries about it, its parts ("<id>-..."), or naming it in their values.
    related_to: str = ""
    entity_type: str = ""
    username: str = ""
    action: str = ""
    # At or after `since`, before `until` (aware datetimes).
    since: datetime | None = None
    until: datetime | None = None


def _conditions(entry_model: type[AuditEntryMixin], where: AuditFilter) -> list[Any]:
    conditions: list[Any] = []
    if where.entity_id_prefix:
        conditions.append(entry_model.entity_id.startswith(where.entity_id_prefix, autoescape=True))
    if where.related_to:
        # Values are canonical JSON, so a record named in them appears as this exact string.
        quoted = json.dumps(where.related_to, ensure_ascii=False)
        conditions.append(
            or_(
                entry_model.entity_id == where.related_to,
                entry_model.entity_id.startswith(f"{where.related_to}-", autoescape=True),
                entry_model.new_value.contains(quoted, autoescape=True),
                entry_model.old_value.contains(quoted, autoescape=True),
            )
        )
    for column, value in (
        (entry_model.entity_type, where.entity_type),
        (entry_model.username, where.username),
        (entry_model.action, where.action),
    ):
        if value:
            conditions.append(column == value)
    # Stored as UTC (SQLite keeps no offset), so bounds are compared in UTC too.
    if where.since is not None:
        conditions.append(entry_model.at >= where.since.astimezone(UTC))
    if where.until is not None:
        conditions.append(entry_model.at < where.until.astimezone(UTC))
    return conditions


def list_entries(
    session: Session,
    entry_model: type[E],
    where: AuditFilter,
    *,
    offset: int = 0,
    limit: int = 100,
    newest_first: bool = False,
    max_seq: int | None = None,
) -> tuple[list[E], int]:
    """One page of the entries matching `where`, in chain order (or reversed), and their total;
    with `max_seq`, only entries up to it (a reader's pin on a growing chain)."""
    conditions = _conditions(entry_model, where)
    if max_seq is not None:
        conditions.append(entry_model.seq <= max_seq)
    order = entry_model.seq.desc() if newest_first else entry_model.seq
    page = session.scalars(
        select(entry_model).where(*conditions).order_by(order).offset(offset).limit(limit)
    ).all()
    total = session.scalar(select(func.count()).select_from(entry_model).where(*conditions))
    return list(page), total or 0
