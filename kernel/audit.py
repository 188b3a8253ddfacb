"""The audit trail: append-only entries, hash-chained per service, written in the caller's transaction.

Every service declares `class AuditEntry(AuditEntryMixin, Base)` and `class AuditHead(AuditHeadMixin,
Base)` in its models and calls `record(...)` in the same session as the change it records.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, select
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
    """Result of verifying a chain: how many entries, and the first broken link if any."""

    entries: int
    broken_at: int | None
    problem: str


def verify_chain(session: Session, entry_model: type[AuditEntryMixin]) -> ChainCheck:
    """Walks the chain in order and reports the first entry whose hash or link is wrong."""
    prev, count = GENESIS, 0
    rows = session.scalars(
        select(entry_model).order_by(entry_model.seq).execution_options(yield_per=1000)
    )
    for entry in rows:
        count += 1
        if entry.seq != count:
            return ChainCheck(count, entry.seq, f"entry {count} is missing")
        if entry.prev_hash != prev:
            return ChainCheck(count, entry.seq, "link to the previous entry is broken")
        if entry_hash(entry) != entry.hash:
            return ChainCheck(count, entry.seq, "entry was altered after it was written")
        prev = entry.hash
    return ChainCheck(count, None, "")
