"""The audit trail of the whole system: the four services' chains (asked by gRPC, AuditTrail) and
the gateway's own (read from its database), listed merged by time, exported, and verified; and
the record that the quality manager reviewed it.

Plain async functions over the gateway's Connections: the REST API (api/audit.py) and the web
pages call the same code."""

import asyncio
import csv
import io
import json
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack, aclosing, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, cast

from kernel import audit
from kernel.audit import AuditEntryMixin, AuditFilter, ChainCheck, Who
from kernel.audit_service import MAX_PAGE_SIZE
from kernel.db import Database
from kernel.grpc_client import open_channel
from kernel.settings import ServiceName
from kernel.timefmt import from_rfc3339, to_rfc3339
from lims.common.v1 import audit_pb2, audit_pb2_grpc
from services.gateway import service
from services.gateway.clients import CALL_TIMEOUT_SECONDS, Connections
from services.gateway.domain import Role
from services.gateway.models import AuditEntry, AuditHead, AuditReview

if TYPE_CHECKING:
    from lims.common.v1.audit_pb2_grpc import AuditTrailAsyncStub

# Every chain, in the order the merge breaks ties of equal times.
SERVICES: tuple[ServiceName, ...] = ("intake", "testing", "review", "reporting", "gateway")
# Who may read and verify the audit trail, and who records that it was reviewed.
AUDITORS: tuple[Role, ...] = (Role.QUALITY, Role.ADMIN)
AUDIT_REVIEWERS: tuple[Role, ...] = (Role.QUALITY,)
# Walking a whole chain reads every entry: far longer than an ordinary call may take.
VERIFY_TIMEOUT_SECONDS = 300.0
# Entries asked of each chain per call while exporting.
EXPORT_CHUNK = 1000
# Every column of an entry, in the order of TrailEntry (and of the proto and the REST API).
CSV_COLUMNS = tuple(
    "service seq at username full_name role action entity_type entity_id old_value new_value"
    " reason prev_hash hash".split()
)


@dataclass(frozen=True)
class TrailQuery:
    """What to read: the filters, which chains, and in which order."""

    where: AuditFilter = field(default_factory=AuditFilter)
    services: tuple[ServiceName, ...] = SERVICES
    newest_first: bool = True


@dataclass(frozen=True)
class TrailEntry:
    """One entry of one service's chain, every stored column (`at` aware, UTC)."""

    service: ServiceName
    seq: int
    at: datetime
    username: str
    full_name: str
    role: str
    action: str
    entity_type: str
    entity_id: str
    old_value: str
    new_value: str
    reason: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class TrailPage:
    """A page of the merged trail and how many entries match in all."""

    entries: list[TrailEntry]
    total: int
    offset: int
    page_size: int


@dataclass(frozen=True)
class ChainStatus:
    """The check of one service's chain."""

    service: ServiceName
    check: ChainCheck


@dataclass(frozen=True)
class TrailReview:
    """A recorded review of the audit trail (times aware, UTC)."""

    review_id: int
    reviewed_at: datetime
    username: str
    full_name: str
    role: str
    period_start: datetime
    period_end: datetime
    filters: dict[str, str]
    comment: str


class _Chain(Protocol):
    service: ServiceName

    async def page(
        self, query: TrailQuery, *, offset: int, limit: int, max_seq: int | None
    ) -> tuple[list[TrailEntry], int]: ...

    async def verify(self) -> ChainCheck: ...


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive values of the UTC times it was given.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _entry(service_name: ServiceName, row: AuditEntryMixin | audit_pb2.AuditEntry) -> TrailEntry:
    at = row.at if isinstance(row, AuditEntryMixin) else from_rfc3339(row.at)
    assert at is not None, "every audit entry has a time"
    copied = {column: getattr(row, column) for column in CSV_COLUMNS[3:]}
    return TrailEntry(service=service_name, seq=row.seq, at=_aware(at), **copied)


class _RemoteChain:
    """A service's chain, through its AuditTrail gRPC service."""

    def __init__(self, service_name: ServiceName, stub: "AuditTrailAsyncStub") -> None:
        self.service = service_name
        self._stub = stub

    async def page(
        self, query: TrailQuery, *, offset: int, limit: int, max_seq: int | None
    ) -> tuple[list[TrailEntry], int]:
        where = query.where
        request = audit_pb2.ListAuditEntriesRequest(
            entity_id_prefix=where.entity_id_prefix,
            related_to=where.related_to,
            entity_type=where.entity_type,
            username=where.username,
            action=where.action,
            since=to_rfc3339(where.since),
            until=to_rfc3339(where.until),
            page_size=limit,
            offset=offset,
            newest_first=query.newest_first,
            max_seq=max_seq or 0,
        )
        answer = await self._stub.ListAuditEntries(request, timeout=CALL_TIMEOUT_SECONDS)
        return [_entry(self.service, e) for e in answer.entries], answer.total

    async def verify(self) -> ChainCheck:
        answer = await self._stub.VerifyAuditChain(
            audit_pb2.VerifyAuditChainRequest(), timeout=VERIFY_TIMEOUT_SECONDS
        )
        return ChainCheck(answer.entries, answer.broken_at or None, answer.problem)


class _LocalChain:
    """The gateway's own chain (users, sign-ins, signatures refused, audit reviews)."""

    service: ServiceName = "gateway"

    def __init__(self, db: Database) -> None:
        self._db = db

    async def page(
        self, query: TrailQuery, *, offset: int, limit: int, max_seq: int | None
    ) -> tuple[list[TrailEntry], int]:
        rows, total = await self._db.read_call(
            audit.list_entries,
            AuditEntry,
            query.where,
            offset=offset,
            limit=limit,
            newest_first=query.newest_first,
            max_seq=max_seq,
        )
        return [_entry(self.service, row) for row in rows], total

    async def verify(self) -> ChainCheck:
        # A worker thread even on SQLite: the walk reads the whole chain (see kernel.db).
        def walk() -> ChainCheck:
            with self._db.read() as session:
                return audit.verify_chain(session, AuditEntry, AuditHead)

        return await asyncio.to_thread(walk)


@asynccontextmanager
async def _chains(
    connections: Connections, services: Iterable[ServiceName]
) -> AsyncIterator[list[_Chain]]:
    # The audit trail is read rarely (by the quality manager), so its channels are opened per
    # use rather than kept in Connections; gRPC shares the TCP connections of the gateway's
    # other channels to the same addresses.
    async with AsyncExitStack() as stack:
        chains: list[_Chain] = []
        for name in dict.fromkeys(services):
            if name == "gateway":
                chains.append(_LocalChain(connections.db))
                continue
            channel = open_channel(connections.settings.address(name))
            stack.push_async_callback(channel.close)
            stub = cast("AuditTrailAsyncStub", audit_pb2_grpc.AuditTrailStub(channel))
            chains.append(_RemoteChain(name, stub))
        yield chains


class _Cursor:
    """Reads one chain in chunks, in the query's order."""

    def __init__(self, chain: _Chain, query: TrailQuery, chunk: int) -> None:
        self.chain, self.query, self.chunk = chain, query, chunk
        self.buffer: deque[TrailEntry] = deque()
        self.total = 0
        self._offset = 0
        self._max_seq: int | None = None
        self._done = False

    async def fill(self) -> None:
        """Reads the next chunk if the buffer is empty and the chain has more."""
        if self.buffer or self._done:
            return
        entries, total = await self.chain.page(
            self.query, offset=self._offset, limit=self.chunk, max_seq=self._max_seq
        )
        if self._offset == 0:
            self.total = total
            if self.query.newest_first and entries:
                # Newest first, entries written meanwhile would shift the offsets of later
                # chunks: pin the read to the chain as it was at the first chunk.
                self._max_seq = entries[0].seq
        self._offset += len(entries)
        self.buffer.extend(entries)
        self._done = len(entries) < self.chunk


def _order_key(entry: TrailEntry) -> tuple[datetime, int, int]:
    return entry.at, SERVICES.index(entry.service), entry.seq


async def _merged(
    cursors: Sequence[_Cursor], newest_first: bool
) -> AsyncGenerator[TrailEntry, None]:
    """The cursors' entries merged by time (each chain is already in order)."""
    await asyncio.gather(*(cursor.fill() for cursor in cursors))
    pick = max if newest_first else min
    while True:
        ready = [cursor for cursor in cursors if cursor.buffer]
        if not ready:
            return
        cursor = pick(ready, key=lambda c: _order_key(c.buffer[0]))
        yield cursor.buffer.popleft()
        await cursor.fill()


async def list_trail(
    connections: Connections, query: TrailQuery, *, offset: int = 0, page_size: int = 50
) -> TrailPage:
    """One page of the entries of the chains asked for, matching the filters, merged by time."""
    chunk = max(1, min(offset + page_size, MAX_PAGE_SIZE))
    entries: list[TrailEntry] = []
    async with _chains(connections, query.services) as chains:
        cursors = [_Cursor(chain, query, chunk) for chain in chains]
        async with aclosing(_merged(cursors, query.newest_first)) as merged:
            index = 0
            async for entry in merged:
                if index >= offset:
                    entries.append(entry)
                    if len(entries) >= page_size:
                        break
                index += 1
        total = sum(cursor.total for cursor in cursors)
    return TrailPage(entries, total, offset, page_size)


async def iter_trail(
    connections: Connections, query: TrailQuery
) -> AsyncGenerator[TrailEntry, None]:
    """Every entry matching the query, merged by time, read chunk by chunk (for exports)."""
    async with _chains(connections, query.services) as chains:
        cursors = [_Cursor(chain, query, EXPORT_CHUNK) for chain in chains]
        async with aclosing(_merged(cursors, query.newest_first)) as merged:
            async for entry in merged:
                yield entry


def _cell(value: str) -> str:
    # A spreadsheet runs a cell that starts like a formula; free text (a reason) may.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


async def trail_csv(entries: AsyncIterator[TrailEntry]) -> AsyncIterator[str]:
    """CSV text of entries (a header, then one row each; UTC times), in pieces to stream."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    rows = 0
    async for entry in entries:
        text = {column: str(getattr(entry, column)) for column in CSV_COLUMNS}
        text["at"] = to_rfc3339(entry.at)
        writer.writerow([_cell(text[column]) for column in CSV_COLUMNS])
        rows += 1
        if rows % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


async def open_csv_export(connections: Connections, query: TrailQuery) -> AsyncIterator[str]:
    """The CSV text of every entry matching the query, to stream. The first entries are read
    before this returns, so an unreachable service fails the request (503) rather than cutting
    the file short after a 200."""
    entries = iter_trail(connections, query)
    first = await anext(entries, None)

    async def primed() -> AsyncIterator[TrailEntry]:
        async with aclosing(entries):
            if first is not None:
                yield first
                async for entry in entries:
                    yield entry

    return trail_csv(primed())


async def verify_trail(
    connections: Connections, services: Sequence[ServiceName] = SERVICES
) -> list[ChainStatus]:
    """Walks every chain asked for (at once) and reports, per service, the first broken link."""
    async with _chains(connections, services) as chains:
        checks = await asyncio.gather(*(chain.verify() for chain in chains))
        return [
            ChainStatus(chain.service, check) for chain, check in zip(chains, checks, strict=True)
        ]


def _review(row: AuditReview) -> TrailReview:
    return TrailReview(
        review_id=row.id,
        reviewed_at=_aware(row.reviewed_at),
        username=row.username,
        full_name=row.full_name,
        role=row.role,
        period_start=_aware(row.period_start),
        period_end=_aware(row.period_end),
        filters=json.loads(row.filters) if row.filters else {},
        comment=row.comment,
    )


async def record_review(
    connections: Connections,
    *,
    who: Who,
    period_start: datetime,
    period_end: datetime,
    filters: Mapping[str, str],
    comment: str,
) -> TrailReview:
    """Records that `who` reviewed the audit trail of a period (in the gateway's chain too);
    InvalidArgument for an empty comment, or a period that ends before it starts or has not
    begun yet."""
    row = await connections.db.write_call(
        service.record_audit_review,
        who=who,
        period_start=period_start,
        period_end=period_end,
        filters=filters,
        comment=comment,
    )
    return _review(row)


async def list_reviews(
    connections: Connections, *, offset: int = 0, limit: int = 100
) -> tuple[list[TrailReview], int]:
    """Recorded reviews of the audit trail, most recent first, and how many there are."""
    rows, total = await connections.db.read_call(
        service.list_audit_reviews, offset=offset, limit=limit
    )
    return [_review(row) for row in rows], total
