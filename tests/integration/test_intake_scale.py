"""ListSamples with 100,000 samples (SQLite and PostgreSQL): every filter and order answers
right, and each order's page reads an index (the query plans), so a page never loads the table.
No wall-clock budget here: a busy CI machine made it flaky; speed lives in bench/."""

from datetime import timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from kernel.lifecycle import SampleStatus
from kernel.timefmt import utcnow
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from services.intake import repository
from services.intake.domain import Priority, Purpose, SampleSort, sample_filter, search_text
from services.intake.models import Request, Sample
from tests.integration.test_intake_service import intake_service

SAMPLES = 100_000
STATUSES = list(SampleStatus)
PURPOSES = list(Purpose)


def sample_row(i: int, now: Any) -> dict[str, Any]:
    """The i-th synthetic sample: statuses, purposes, requesters and due times cycle.

    Registered samples are not received yet, so they have no due time."""
    lab_number = f"LNCM-2026-{i + 1:05d}"
    product, batch, maker = f"Product {i % 997}", f"B{i}", f"Maker {i % 31}"
    status = STATUSES[i % len(STATUSES)]
    return {
        "lab_number": lab_number,
        "request_id": "REQ-2026-00001",
        "purpose": PURPOSES[i % len(PURPOSES)],
        "priority": Priority.ROUTINE,
        "requester": f"user{i % 50}",
        "requester_organisation": "",
        "external_reference": "",
        "product_code": "P",
        "product_name": product,
        "batch_number": batch,
        "manufacturer": maker,
        "manufacture_date": None,
        "expiry_date": None,
        "quantity": "1",
        "quantity_unit": "tablets",
        "status": status,
        "status_before_hold": None,
        "receipt_accepted": None,
        "condition_on_receipt": "",
        "quantity_received": "",
        "received_at": None,
        "rejection_reason": "",
        "sla_target_days": 15,
        "sla_due_at": (
            None if status is SampleStatus.REGISTERED else now + timedelta(hours=(i % 200) - 100)
        ),
        "sla_warning_at": None,
        "sla_breached_at": None,
        "created_at": now,
        "search_text": search_text(lab_number, product, batch, maker),
    }


def load(session: Session, now: Any) -> None:
    """One request holding SAMPLES samples, inserted in bulk."""
    session.execute(
        insert(Request),
        [
            {
                "request_id": "REQ-2026-00001",
                "request_key": "bulk",
                "purpose": Purpose.REGISTRATION,
                "priority": Priority.ROUTINE,
                "requester": "user0",
                "requester_organisation": "",
                "external_reference": "",
                "created_by_username": "user0",
                "created_by_full_name": "",
                "created_by_role": "",
                "created_at": now,
            }
        ],
    )
    session.execute(insert(Sample), [sample_row(i, now) for i in range(SAMPLES)])


def analyze(session: Session) -> None:
    """Refreshes PostgreSQL's statistics of the freshly loaded table."""
    session.execute(text("ANALYZE samples"))


def page_plan(session: Session, sort: str) -> str:
    """The query plan of the first unfiltered page in this order, one line per step."""
    query = repository.page_query(sample_filter(sort=sort), utcnow())
    dialect = session.get_bind().dialect
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.name == "postgresql":
        return "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {sql}")))
    return "\n".join(row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))


# Each order's page plan: SQLite's whole plan (it reads the table itself in id order, id being
# its rowid), and the index scan PostgreSQL's plan holds.
ORDER_PLANS = {
    SampleSort.NEWEST: ("SCAN samples", "Index Scan Backward using pk_samples"),
    SampleSort.OLDEST: ("SCAN samples", "Index Scan using pk_samples"),
    SampleSort.DUE: (
        "SCAN samples USING INDEX ix_samples_sla_due_at_id",
        "Index Scan using ix_samples_sla_due_at_id",
    ),
    SampleSort.PRODUCT: (
        "SCAN samples USING INDEX ix_samples_product_name_id",
        "Index Scan using ix_samples_product_name_id",
    ),
}


def in_order(sort: int, samples: Any) -> bool:
    """Whether a page's samples follow the order `sort` asks for."""
    keys: list[Any] = []
    for sample in samples:
        number = int(sample.lab_number.rsplit("-", 1)[1])
        if sort == intake_pb2.SAMPLE_SORT_OLDEST:
            keys.append(number)
        elif sort == intake_pb2.SAMPLE_SORT_DUE:
            # RFC 3339 in UTC sorts as text; no due time sorts last
            keys.append((not sample.sla_due_at, sample.sla_due_at, number))
        elif sort == intake_pb2.SAMPLE_SORT_PRODUCT:
            keys.append((sample.product_name, -number))
        else:
            keys.append(-number)  # newest first
    return keys == sorted(keys)


async def test_list_samples_answers_every_filter_and_order_with_100_000_samples(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, db):
        await db.write_call(load, utcnow())
        postgres = "postgresql" in database_url
        if postgres:
            await db.write_call(analyze)

        # Each order reads its page from an index, in order: no sort of the whole table.
        for sort, (sqlite_plan, postgres_step) in ORDER_PLANS.items():
            plan = await db.read_call(page_plan, sort.value)
            if postgres:
                assert postgres_step in plan and "Sort" not in plan, plan
            else:
                assert plan == sqlite_plan, plan  # no "USE TEMP B-TREE FOR ORDER BY"

        s, o = common_pb2, intake_pb2
        unreceived = SAMPLES // 9 + 1  # registered: no due time, listed last by due
        cases: list[tuple[dict[str, Any], int]] = [
            ({}, SAMPLES),
            ({"page_size": 500}, SAMPLES),
            ({"offset": SAMPLES - 10}, SAMPLES),
            ({"statuses": [s.SAMPLE_STATUS_IN_TESTING]}, SAMPLES // 9),
            (
                {"statuses": [s.SAMPLE_STATUS_RECEIVED, s.SAMPLE_STATUS_IN_REVIEW]},
                2 * (SAMPLES // 9),
            ),
            ({"purpose": s.PURPOSE_COMPLAINT}, SAMPLES // 5),
            ({"requester": "user7"}, SAMPLES // 50),
            ({"text": "maker 3"}, 6451),  # "maker 3" and "maker 30" of 31 makers
            ({"text": "b99999"}, 1),
            ({"overdue": True}, 22_444),
            # user7 samples are all market surveillance; half are past due, 4 statuses in 9 stop
            # the clock and registered samples have no due time yet
            (
                {"overdue": True, "purpose": s.PURPOSE_MARKET_SURVEILLANCE, "requester": "user7"},
                443,
            ),
        ]
        for order in (o.SAMPLE_SORT_OLDEST, o.SAMPLE_SORT_DUE, o.SAMPLE_SORT_PRODUCT):
            cases += [
                ({"sort": order}, SAMPLES),
                ({"sort": order, "page_size": 500}, SAMPLES),
                ({"sort": order, "offset": SAMPLES - 10}, SAMPLES),
                ({"sort": order, "offset": SAMPLES - unreceived - 250, "page_size": 500}, SAMPLES),
                ({"sort": order, "statuses": [s.SAMPLE_STATUS_IN_TESTING]}, SAMPLES // 9),
                ({"sort": order, "purpose": s.PURPOSE_COMPLAINT}, SAMPLES // 5),
                ({"sort": order, "requester": "user7"}, SAMPLES // 50),
                ({"sort": order, "text": "maker 3"}, 6451),
                ({"sort": order, "overdue": True}, 22_444),
            ]
        for filters, total in cases:
            listed = await stub.ListSamples(intake_pb2.ListSamplesRequest(**filters))
            assert listed.total == total, filters
            assert listed.samples, filters
            assert in_order(filters.get("sort", 0), listed.samples), filters

        # The due order's page that straddles the last due time and the samples without one.
        page = await stub.ListSamples(
            intake_pb2.ListSamplesRequest(
                sort=o.SAMPLE_SORT_DUE, offset=SAMPLES - unreceived - 250, page_size=500
            )
        )
        assert [bool(sample.sla_due_at) for sample in page.samples] == [True] * 250 + [False] * 250
