"""The AuditTrail gRPC service: one implementation, served by every service for its own chain.

A service registers it in its `main.register` with its Database and audit models, and lists
SERVICE_NAME in its SERVICE_NAMES (health and reflection)."""

import asyncio
from datetime import datetime
from typing import Any

import grpc

from kernel import audit
from kernel.audit import AuditEntryMixin, AuditFilter, AuditHeadMixin, ChainCheck
from kernel.db import Database
from kernel.errors import InvalidArgument
from kernel.timefmt import from_rfc3339, to_rfc3339
from lims.common.v1 import audit_pb2, audit_pb2_grpc

SERVICE_NAME: str = audit_pb2.DESCRIPTOR.services_by_name["AuditTrail"].full_name
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def _time(text: str, field: str) -> datetime | None:
    try:
        return from_rfc3339(text.strip())
    except ValueError:
        raise InvalidArgument(
            f"{field}: not an RFC 3339 time with offset (e.g. 2026-03-01T09:30:00Z): {text!r}"
        ) from None


def filter_from_proto(request: audit_pb2.ListAuditEntriesRequest) -> AuditFilter:
    """The filter of a list request; INVALID_ARGUMENT for a malformed time."""
    return AuditFilter(
        entity_id_prefix=request.entity_id_prefix.strip(),
        related_to=request.related_to.strip(),
        entity_type=request.entity_type.strip(),
        username=request.username.strip(),
        action=request.action.strip(),
        since=_time(request.since, "since"),
        until=_time(request.until, "until"),
    )


def page_from_proto(request: audit_pb2.ListAuditEntriesRequest) -> tuple[int, int]:
    """(offset, limit) of a list request; INVALID_ARGUMENT when out of range."""
    size = request.page_size or DEFAULT_PAGE_SIZE
    problems = []
    if not 1 <= size <= MAX_PAGE_SIZE:
        problems.append(f"page_size: between 1 and {MAX_PAGE_SIZE} (got {size})")
    if request.offset < 0:
        problems.append(f"offset: zero or more (got {request.offset})")
    if request.max_seq < 0:
        problems.append(f"max_seq: zero (no bound) or more (got {request.max_seq})")
    if problems:
        raise InvalidArgument("; ".join(problems))
    return request.offset, size


def entry_to_proto(entry: AuditEntryMixin) -> audit_pb2.AuditEntry:
    """The wire form of an entry: every stored column."""
    return audit_pb2.AuditEntry(
        seq=entry.seq,
        at=to_rfc3339(entry.at),
        username=entry.username,
        full_name=entry.full_name,
        role=entry.role,
        action=entry.action,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        old_value=entry.old_value,
        new_value=entry.new_value,
        reason=entry.reason,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )


def check_to_proto(check: ChainCheck) -> audit_pb2.AuditChainCheck:
    """The wire form of a chain check (broken_at 0 when intact)."""
    return audit_pb2.AuditChainCheck(
        entries=check.entries,
        intact=check.intact,
        broken_at=check.broken_at or 0,
        problem=check.problem,
    )


class AuditTrailServicer(audit_pb2_grpc.AuditTrailServicer):
    """Reads and verifies one service's chain, in read-only transactions."""

    def __init__(
        self,
        db: Database,
        entry_model: type[AuditEntryMixin],
        head_model: type[AuditHeadMixin],
    ) -> None:
        self._db = db
        self._entry = entry_model
        self._head = head_model

    async def ListAuditEntries(
        self, request: audit_pb2.ListAuditEntriesRequest, context: Any
    ) -> audit_pb2.ListAuditEntriesResponse:
        where = filter_from_proto(request)
        offset, limit = page_from_proto(request)
        entries, total = await self._db.read_call(
            audit.list_entries,
            self._entry,
            where,
            offset=offset,
            limit=limit,
            newest_first=request.newest_first,
            max_seq=request.max_seq or None,
        )
        return audit_pb2.ListAuditEntriesResponse(
            entries=[entry_to_proto(e) for e in entries], total=total
        )

    async def VerifyAuditChain(
        self, request: audit_pb2.VerifyAuditChainRequest, context: Any
    ) -> audit_pb2.AuditChainCheck:
        # Always in a worker thread, even on SQLite: the walk reads the whole chain, which is
        # far longer than the sub-millisecond units of work read_call keeps in the event loop.
        def walk() -> ChainCheck:
            with self._db.read() as session:
                return audit.verify_chain(session, self._entry, self._head)

        return check_to_proto(await asyncio.to_thread(walk))


def add_to_server(
    server: grpc.aio.Server,
    db: Database,
    entry_model: type[AuditEntryMixin],
    head_model: type[AuditHeadMixin],
) -> None:
    """Adds the AuditTrail service for the chain of `entry_model` in `db` to a server."""
    audit_pb2_grpc.add_AuditTrailServicer_to_server(
        AuditTrailServicer(db, entry_model, head_model), server
    )
