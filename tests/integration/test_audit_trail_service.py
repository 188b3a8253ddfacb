"""The AuditTrail gRPC service (kernel.audit_service) as the intake service serves it, on a real
server and a real database (SQLite and PostgreSQL); and tampering found by the gRPC check and by
the operator's command (kernel.audit_verify), the same walk."""

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import create_engine, text

from kernel import audit, audit_service, migrations
from kernel.audit import Who
from kernel.audit_verify import verify_service
from kernel.db import Database, sync_url
from kernel.settings import Settings
from lims.common.v1 import audit_pb2, audit_pb2_grpc
from services.intake import main
from services.intake.models import AuditEntry, AuditHead
from tests.support.grpc import serving

if TYPE_CHECKING:
    from lims.common.v1.audit_pb2_grpc import AuditTrailAsyncStub

SETTINGS = Settings(lab_number_prefix="LNCM", timezone="Africa/Casablanca", demo=False)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
RECEPTION = Who("reception", "Salma Idrissi", "reception")
ANALYST = Who("analyst", "Amina El Fassi", "analyst")
REVIEWER = Who("reviewer", "Nadia Berrada", "reviewer")
LAB = "LNCM-2026-00001"

# (who, action, entity type, entity id, new value): seq n is the n-th row, written at T0 + n hours.
ROWS: list[tuple[Who, str, str, str, Any]] = [
    (RECEPTION, "request_created", "request", "REQ-1", {"lab_numbers": [LAB, "LNCM-2026-00002"]}),
    (RECEPTION, "sample_registered", "sample", LAB, {"lab_number": LAB}),
    (
        RECEPTION,
        "sample_registered",
        "sample",
        "LNCM-2026-00002",
        {"lab_number": "LNCM-2026-00002"},
    ),
    (RECEPTION, "sample_received", "sample", LAB, {"status": "received"}),
    (ANALYST, "result_submitted", "test", f"{LAB}-01", {"value": "99.8"}),
    (ANALYST, "result_submitted", "test", f"{LAB}-02", {"value": "0.03"}),
    (REVIEWER, "signed", "signature", "7c1f0c7e", {"lab_number": LAB, "meaning": "reviewed"}),
    # Starts like LAB (a prefix finds it) but is another sample (related_to does not).
    (RECEPTION, "sample_registered", "sample", f"{LAB}1", {"lab_number": f"{LAB}1"}),
    # LIKE wildcards in ids are literal characters to the filters.
    (RECEPTION, "product_created", "product", "A_1", None),
    (RECEPTION, "product_created", "product", "AB1", None),
]


@dataclass
class Trail:
    stub: "AuditTrailAsyncStub"
    channel: grpc.aio.Channel
    db: Database
    url: str


def write_rows(session: Any) -> None:
    for n, (who, action, entity_type, entity_id, new) in enumerate(ROWS, 1):
        audit.record(
            session,
            AuditEntry,
            AuditHead,
            who=who,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            new=new,
            reason="checked" if action == "sample_received" else "",
            at=T0 + timedelta(hours=n),
        )


@pytest.fixture
async def trail(database_url: str) -> AsyncIterator[Trail]:
    db = Database(database_url)
    await main.setup(db, SETTINGS)
    await db.write_call(write_rows)
    try:
        async with serving(main.register(db, SETTINGS), main.SERVICE_NAMES) as channel:
            stub = cast("AuditTrailAsyncStub", audit_pb2_grpc.AuditTrailStub(channel))
            yield Trail(stub, channel, db, database_url)
    finally:
        await db.dispose()


def raw_sql(url: str, statement: str, **params: Any) -> None:
    """Runs SQL on the database directly, behind the services' back."""
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(text(statement), params)
    finally:
        engine.dispose()


async def listed(trail: Trail, **fields: Any) -> list[int]:
    answer = await trail.stub.ListAuditEntries(audit_pb2.ListAuditEntriesRequest(**fields))
    return [entry.seq for entry in answer.entries]


async def test_the_audit_trail_is_served_with_health_and_every_column(trail: Trail) -> None:
    health = health_pb2_grpc.HealthStub(trail.channel)
    answer = await health.Check(health_pb2.HealthCheckRequest(service=audit_service.SERVICE_NAME))
    assert answer.status == health_pb2.HealthCheckResponse.SERVING
    assert audit_service.SERVICE_NAME == "lims.common.v1.AuditTrail"

    page = await trail.stub.ListAuditEntries(audit_pb2.ListAuditEntriesRequest())
    assert page.total == len(ROWS)
    assert [e.seq for e in page.entries] == list(range(1, len(ROWS) + 1))
    received = page.entries[3]
    assert (received.at, received.username, received.full_name, received.role) == (
        "2026-03-02T12:00:00Z",
        "reception",
        "Salma Idrissi",
        "reception",
    )
    assert (received.action, received.entity_type, received.entity_id) == (
        "sample_received",
        "sample",
        LAB,
    )
    assert (received.old_value, received.new_value, received.reason) == (
        "",
        '{"status":"received"}',
        "checked",
    )
    assert received.prev_hash == page.entries[2].hash and len(received.hash) == 64
    assert page.entries[0].prev_hash == audit.GENESIS


async def test_each_filter_narrows_the_list(trail: Trail) -> None:
    assert await listed(trail, entity_id_prefix=LAB) == [2, 4, 5, 6, 8]
    assert await listed(trail, entity_id_prefix=f"{LAB}-") == [5, 6]
    # The sample, its tests, the request listing it and a signature naming it; not ...000011.
    assert await listed(trail, related_to=LAB) == [1, 2, 4, 5, 6, 7]
    assert await listed(trail, related_to="LNCM-2026-00002") == [1, 3]
    assert await listed(trail, entity_type="test") == [5, 6]
    assert await listed(trail, username="analyst") == [5, 6]
    assert await listed(trail, action="sample_registered") == [2, 3, 8]
    since, until = "2026-03-02T12:00:00Z", "2026-03-02T14:00:00Z"
    assert await listed(trail, since=since) == [4, 5, 6, 7, 8, 9, 10]
    assert await listed(trail, until=until) == [1, 2, 3, 4, 5]
    assert await listed(trail, since=since, until=until) == [4, 5]
    # Offsets other than UTC name the same instants.
    assert await listed(trail, since="2026-03-02T13:00:00+01:00", until=until) == [4, 5]
    assert await listed(trail, username="reception", entity_id_prefix=LAB) == [2, 4, 8]
    assert await listed(trail, entity_id_prefix="A_") == [9]
    assert await listed(trail, username="nobody") == []


async def test_pages_come_oldest_first_or_newest_first_with_the_total(trail: Trail) -> None:
    assert await listed(trail, page_size=3) == [1, 2, 3]
    assert await listed(trail, page_size=3, offset=3) == [4, 5, 6]
    assert await listed(trail, newest_first=True, page_size=3) == [10, 9, 8]
    assert await listed(trail, newest_first=True, page_size=3, offset=9) == [1]
    answer = await trail.stub.ListAuditEntries(
        audit_pb2.ListAuditEntriesRequest(entity_id_prefix=LAB, page_size=2, offset=2)
    )
    assert ([e.seq for e in answer.entries], answer.total) == ([5, 6], 5)
    # A reader pinned to seq 6 does not see what was written after it.
    assert await listed(trail, newest_first=True, max_seq=6, page_size=2) == [6, 5]
    assert await listed(trail, entity_id_prefix=LAB, max_seq=5) == [2, 4, 5]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"since": "yesterday"}, "since: not an RFC 3339 time"),
        ({"until": "2026-03-02T10:00:00"}, "until: not an RFC 3339 time"),
        ({"page_size": 1001}, "page_size: between 1 and 1000"),
        ({"offset": -1}, "offset: zero or more"),
        ({"max_seq": -1}, "max_seq: zero (no bound) or more"),
    ],
)
async def test_malformed_requests_are_invalid_arguments(
    trail: Trail, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await trail.stub.ListAuditEntries(audit_pb2.ListAuditEntriesRequest(**fields))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in (raised.value.details() or "")


async def verified(trail: Trail) -> tuple[int, bool, int, str]:
    """The gRPC check, and the operator command's check of the same database, which agree."""
    answer = await trail.stub.VerifyAuditChain(audit_pb2.VerifyAuditChainRequest())
    report = verify_service("intake", trail.url)
    assert report.check is not None
    assert (report.check.entries, report.check.broken_at or 0, report.check.problem) == (
        answer.entries,
        answer.broken_at,
        answer.problem,
    )
    assert report.ok == answer.intact
    return answer.entries, answer.intact, answer.broken_at, answer.problem


async def test_an_untouched_chain_is_intact(trail: Trail) -> None:
    assert await verified(trail) == (len(ROWS), True, 0, "")


async def test_a_row_edited_behind_the_systems_back_breaks_the_chain_there(trail: Trail) -> None:
    raw_sql(
        trail.url,
        "UPDATE audit_entries SET new_value = :value WHERE seq = :seq",
        value='{"value":"101.2"}',
        seq=5,
    )
    assert await verified(trail) == (4, False, 5, "entry was altered after it was written")


async def test_a_row_whose_hash_was_recomputed_breaks_the_next_link(trail: Trail) -> None:
    with trail.db.read() as session:
        entry = session.get(AuditEntry, 5)
        assert entry is not None
        entry.new_value = '{"value":"101.2"}'
        forged = audit.entry_hash(entry)
    raw_sql(
        trail.url,
        "UPDATE audit_entries SET new_value = :value, hash = :hash WHERE seq = 5",
        value='{"value":"101.2"}',
        hash=forged,
    )
    assert await verified(trail) == (5, False, 6, "link to the previous entry is broken")


async def test_a_deleted_row_is_found_missing(trail: Trail) -> None:
    raw_sql(trail.url, "DELETE FROM audit_entries WHERE seq = 7")
    assert await verified(trail) == (6, False, 7, "entry 7 is missing")


async def test_rows_deleted_at_the_end_are_found_missing(trail: Trail) -> None:
    raw_sql(trail.url, "DELETE FROM audit_entries WHERE seq >= 9")
    assert await verified(trail) == (8, False, 9, "entries 9-10 missing at the end of the chain")


async def test_a_row_added_beyond_the_chains_head_is_found(trail: Trail) -> None:
    raw_sql(
        trail.url,
        "INSERT INTO audit_entries (seq, at, username, full_name, role, action, entity_type,"
        " entity_id, old_value, new_value, reason, prev_hash, hash)"
        " SELECT 11, at, username, full_name, role, action, entity_type, entity_id, old_value,"
        " new_value, reason, hash, hash FROM audit_entries WHERE seq = 10",
    )
    assert await verified(trail) == (
        10,
        False,
        11,
        "entry added after the chain's head, outside the system",
    )


async def test_a_deleted_head_is_found(trail: Trail) -> None:
    raw_sql(trail.url, "DELETE FROM audit_head")
    assert await verified(trail) == (0, False, 1, "the chain's head is missing while entries exist")


async def test_entries_written_after_a_tamper_do_not_hide_it(trail: Trail) -> None:
    raw_sql(trail.url, "UPDATE audit_entries SET reason = 'typo' WHERE seq = 2")
    await trail.db.write_call(write_rows)  # the system goes on writing
    assert await verified(trail) == (1, False, 2, "entry was altered after it was written")


def test_the_command_reports_a_database_that_does_not_exist(tmp_path: Any) -> None:
    report = verify_service("testing", f"sqlite:///{tmp_path / 'absent.db'}")
    assert report.check is None and not report.ok
    assert "no database" in report.error
    assert not (tmp_path / "absent.db").exists()  # the check created nothing


def test_the_command_reports_a_database_without_the_schema(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    raw_sql(url, "CREATE TABLE unrelated (id INTEGER)")
    report = verify_service("review", url)
    assert (report.check, report.error) == (None, "no audit table (has the service run?)")


@pytest.fixture
def empty_url(database_url: str) -> Iterator[str]:
    migrations.upgrade("reporting", database_url)
    yield database_url


def test_an_empty_chain_is_intact(empty_url: str) -> None:
    report = verify_service("reporting", empty_url)
    assert report.ok and report.check is not None and report.check.entries == 0
