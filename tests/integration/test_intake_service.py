"""IntakeService over a real gRPC server and a real database (SQLite and PostgreSQL)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select

from kernel import migrations
from kernel.audit import SYSTEM, verify_chain
from kernel.db import Database, sync_url
from kernel.settings import Settings
from kernel.timefmt import to_rfc3339, utcnow
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2, intake_pb2_grpc
from services.intake import main, service
from services.intake.domain import NewRequest, NewSample, lab_year
from services.intake.models import AuditEntry, Base
from services.intake.service import Numbering
from tests.support.grpc import serving

SETTINGS = Settings(lab_number_prefix="LNCM", timezone="Africa/Casablanca", demo=False)
YEAR = lab_year(utcnow(), ZoneInfo(SETTINGS.timezone))
RECEPTION = common_pb2.Actor(username="reception", full_name="Rania Reception", role="reception")
WORKFLOW = common_pb2.Actor(username="reviewer", full_name="Rachid Reviewer", role="reviewer")


def lab(number: int) -> str:
    """The lab number allocated `number`-th this year."""
    return f"LNCM-{YEAR}-{number:05d}"


def new_sample(**fields: object) -> intake_pb2.NewSample:
    """A valid sample declaration; keyword arguments override its fields."""
    values: dict[str, object] = {
        "product_code": "PARA-500-TAB",
        "product_name": "Paracetamol 500 mg tablets",
        "batch_number": "B2401",
        "manufacturer": "Pharma Atlas",
        "manufacture_date": "2025-01-10",
        "expiry_date": "2028-01-09",
        "quantity": "100",
        "quantity_unit": "tablets",
    }
    values.update(fields)
    return intake_pb2.NewSample(**values)  # type: ignore[arg-type]


def create(
    key: str, *samples: intake_pb2.NewSample, **fields: object
) -> intake_pb2.CreateRequestRequest:
    """A valid CreateRequest (one default sample unless given); keywords override fields."""
    values: dict[str, object] = {
        "request_key": key,
        "actor": RECEPTION,
        "purpose": common_pb2.PURPOSE_BATCH_RELEASE,
        "priority": common_pb2.PRIORITY_ROUTINE,
        "requester_organisation": "Direction du Médicament",
        "external_reference": "DOS-77",
        "samples": list(samples) or [new_sample()],
    }
    values.update(fields)
    return intake_pb2.CreateRequestRequest(**values)  # type: ignore[arg-type]


def receipt(lab_number: str, **fields: object) -> intake_pb2.RecordReceiptRequest:
    """An accepting receipt check; keyword arguments override its fields."""
    values: dict[str, object] = {
        "lab_number": lab_number,
        "actor": RECEPTION,
        "accepted": True,
        "condition": "intact, sealed",
        "quantity_received": "100",
        "at": "2026-03-02T09:00:00Z",
        "seals_intact": True,
        "labelling_legible": True,
    }
    values.update(fields)
    return intake_pb2.RecordReceiptRequest(**values)  # type: ignore[arg-type]


def status(lab_number: str, new: int, key: str, reason: str = "") -> intake_pb2.RecordStatusRequest:
    """A workflow status change."""
    return intake_pb2.RecordStatusRequest(
        lab_number=lab_number,
        actor=WORKFLOW,
        status=new,  # type: ignore[arg-type]
        reason=reason,
        event_key=key,
        at="2026-03-03T10:00:00Z",
    )


@asynccontextmanager
async def intake_service(
    database_url: str,
) -> AsyncIterator[tuple["intake_pb2_grpc.IntakeServiceAsyncStub", Database]]:
    """The service, migrated and served on a free port, and its database."""
    db = Database(database_url)
    await main.setup(db, SETTINGS)
    try:
        async with serving(main.register(db, SETTINGS), main.SERVICE_NAMES) as channel:
            yield intake_pb2_grpc.IntakeServiceStub(channel), db  # type: ignore[misc]
    finally:
        await db.dispose()


async def refused(call: object, code: grpc.StatusCode) -> str:
    """Awaits a call that must fail with `code`; returns its message."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code() == code, caught.value.details()
    return str(caught.value.details())


async def assert_chain_verifies(db: Database, entries: int) -> None:
    """The audit chain holds `entries` entries and every link and hash is intact."""
    check = await db.read_call(verify_chain, AuditEntry)
    assert (check.entries, check.broken_at, check.problem) == (entries, None, "")


def test_migrations_produce_exactly_the_models_schema(database_url: str) -> None:
    migrations.upgrade("intake", database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


async def test_create_request_numbers_the_request_and_registers_each_sample(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, db):
        second = new_sample(product_code="AMOX-250-CAP", product_name="Amoxicillin 250 mg capsules")
        created = await stub.CreateRequest(
            create("k1", new_sample(), second, priority=common_pb2.PRIORITY_URGENT)
        )

        assert created.request_id == f"REQ-{YEAR}-00001"
        assert created.requester == "reception"  # the actor, when no requester is named
        assert created.created_by == RECEPTION
        assert [s.lab_number for s in created.samples] == [lab(1), lab(2)]
        assert [s.product_code for s in created.samples] == ["PARA-500-TAB", "AMOX-250-CAP"]
        first = created.samples[0]
        assert first.status == common_pb2.SAMPLE_STATUS_REGISTERED
        assert first.request_id == created.request_id
        assert first.sla_target_days == 8  # batch release 15 days, urgent: halved, rounded up
        assert (first.expiry_date, first.quantity) == ("2028-01-09", "100")
        assert [(e.action, e.actor.username) for e in first.timeline] == [
            ("registered", "reception")
        ]
        fetched = await stub.GetSample(intake_pb2.GetSampleRequest(lab_number=lab(2)))
        assert fetched == created.samples[1]
        await assert_chain_verifies(db, 3)  # the request and its two samples


async def test_create_request_is_idempotent_on_its_key(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        first = await stub.CreateRequest(create("same-key"))
        again = await stub.CreateRequest(create("same-key", new_sample(), new_sample()))
        other = await stub.CreateRequest(create("other-key"))

        assert again == first
        assert other.samples[0].lab_number == lab(2)  # the retry used no number
        assert other.request_id == f"REQ-{YEAR}-00002"
        listed = await stub.ListSamples(intake_pb2.ListSamplesRequest())
        assert listed.total == 2
        await assert_chain_verifies(db, 4)


async def test_simultaneous_retries_of_one_key_create_one_request(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        answers = await asyncio.gather(*(stub.CreateRequest(create("retried")) for _ in range(10)))

        assert all(answer == answers[0] for answer in answers)
        assert answers[0].samples[0].lab_number == lab(1)
        assert (await stub.ListSamples(intake_pb2.ListSamplesRequest())).total == 1
        await assert_chain_verifies(db, 2)


async def test_concurrent_registrations_get_gap_free_unique_lab_numbers(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, db):
        created = await asyncio.gather(
            *(stub.CreateRequest(create(f"concurrent-{i}")) for i in range(50))
        )

        lab_numbers = sorted(r.samples[0].lab_number for r in created)
        assert lab_numbers == [lab(n) for n in range(1, 51)]
        request_ids = sorted(r.request_id for r in created)
        assert request_ids == [f"REQ-{YEAR}-{n:05d}" for n in range(1, 51)]
        await assert_chain_verifies(db, 100)


async def test_numbering_restarts_on_1_january_lab_time(database_url: str) -> None:
    db = Database(database_url)
    await main.setup(db, SETTINGS)
    numbering = Numbering("LNCM", ZoneInfo("Africa/Casablanca"))
    samples = (NewSample("P-1", "Product", "B1", quantity="1"),)
    try:
        for key, moment in [
            ("late-2025", datetime(2025, 12, 31, 22, 30, tzinfo=UTC)),  # 23:30 in Rabat
            ("new-year", datetime(2025, 12, 31, 23, 30, tzinfo=UTC)),  # 00:30 on 1 January
            ("next", datetime(2026, 1, 2, 8, 0, tzinfo=UTC)),
        ]:
            with db.write() as session:
                created = service.create_request(
                    session,
                    NewRequest(key, "complaint", samples),
                    SYSTEM,
                    numbering,
                    now=moment,
                )
                numbers = (created.request_id, created.samples[0].lab_number)
            assert (
                numbers
                == {
                    "late-2025": ("REQ-2025-00001", "LNCM-2025-00001"),
                    "new-year": ("REQ-2026-00001", "LNCM-2026-00001"),
                    "next": ("REQ-2026-00002", "LNCM-2026-00002"),
                }[key]
            )
    finally:
        await db.dispose()


async def test_bad_requests_are_refused_naming_the_field(database_url: str) -> None:
    cases: list[tuple[intake_pb2.CreateRequestRequest, str]] = [
        (
            create("k", new_sample(manufacture_date="2026-01-01", expiry_date="2025-01-01")),
            "samples[0].expiry_date: expiry 2025-01-01 is before manufacture 2026-01-01",
        ),
        (create("k", purpose=common_pb2.PURPOSE_UNSPECIFIED), "purpose: required"),
        (create("k", samples=[]), "samples: at least one sample is required"),
        (
            create("k", new_sample(), new_sample(batch_number=" ")),
            "samples[1].batch_number: required",
        ),
        (create("k", new_sample(quantity="0")), "samples[0].quantity: must be positive"),
        (create("k", new_sample(quantity="ten")), "samples[0].quantity: 'ten' is not a decimal"),
        (create("k", new_sample(manufacture_date="10/01/2025")), "samples[0].manufacture_date:"),
        (create(""), "request_key: required"),
        (create("k", new_sample(product_name="")), "samples[0].product_name: required"),
        (create("k", actor=common_pb2.Actor()), "actor.username: required"),
    ]
    async with intake_service(database_url) as (stub, db):
        for message, expected in cases:
            assert expected in await refused(
                stub.CreateRequest(message), grpc.StatusCode.INVALID_ARGUMENT
            )
        assert (await stub.ListSamples(intake_pb2.ListSamplesRequest())).total == 0
        await assert_chain_verifies(db, 0)


async def test_unknown_lab_number_is_not_found(database_url: str) -> None:
    async with intake_service(database_url) as (stub, _):
        missing = lab(99)
        for call in (
            stub.GetSample(intake_pb2.GetSampleRequest(lab_number=missing)),
            stub.RecordReceipt(receipt(missing)),
            stub.RecordStatus(status(missing, common_pb2.SAMPLE_STATUS_ON_HOLD, "h", "why")),
            stub.RecordSlaEvent(
                intake_pb2.RecordSlaEventRequest(
                    lab_number=missing, kind=intake_pb2.SLA_EVENT_KIND_WARNING, event_key="w"
                )
            ),
        ):
            assert missing in await refused(call, grpc.StatusCode.NOT_FOUND)
        blank = intake_pb2.GetSampleRequest(lab_number=" ")
        assert "lab_number: required" in await refused(
            stub.GetSample(blank), grpc.StatusCode.INVALID_ARGUMENT
        )


async def test_list_samples_filters_by_status_purpose_requester_and_text(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, _):
        await stub.CreateRequest(create("a", new_sample(batch_number="ZX-1")))
        await stub.CreateRequest(
            create(
                "b",
                new_sample(product_name="Amoxicillin 250 mg", manufacturer="Atlas Généric"),
                purpose=common_pb2.PURPOSE_COMPLAINT,
                requester="inspector",
            )
        )
        await stub.CreateRequest(create("c", purpose=common_pb2.PURPOSE_COMPLAINT))
        await stub.RecordReceipt(receipt(lab(1)))
        await stub.RecordReceipt(receipt(lab(3), accepted=False, reason="leaking"))

        async def lab_numbers(**filters: object) -> list[str]:
            listed = await stub.ListSamples(intake_pb2.ListSamplesRequest(**filters))  # type: ignore[arg-type]
            assert listed.total == len(listed.samples)
            assert all(not s.timeline for s in listed.samples)
            return [s.lab_number for s in listed.samples]

        assert await lab_numbers() == [lab(3), lab(2), lab(1)]  # newest first
        received, rejected = common_pb2.SAMPLE_STATUS_RECEIVED, common_pb2.SAMPLE_STATUS_REJECTED
        assert await lab_numbers(statuses=[received]) == [lab(1)]
        assert await lab_numbers(statuses=[received, rejected]) == [lab(3), lab(1)]
        assert await lab_numbers(purpose=common_pb2.PURPOSE_COMPLAINT) == [lab(3), lab(2)]
        assert await lab_numbers(requester="inspector") == [lab(2)]
        assert await lab_numbers(text="zx-1") == [lab(1)]  # batch
        assert await lab_numbers(text="AMOXICILLIN") == [lab(2)]  # product name
        assert await lab_numbers(text="généric") == [lab(2)]  # manufacturer, not ASCII
        assert await lab_numbers(text=f"{YEAR}-00003") == [lab(3)]  # lab number
        assert await lab_numbers(text="100%") == []  # wildcards are literal
        assert await lab_numbers(purpose=common_pb2.PURPOSE_COMPLAINT, requester="inspector") == [
            lab(2)
        ]


async def test_list_samples_finds_overdue_samples_whose_clock_runs(database_url: str) -> None:
    async with intake_service(database_url) as (stub, _):
        for key in "abcd":
            await stub.CreateRequest(create(key))
        past, future = (
            to_rfc3339(utcnow() - timedelta(hours=1)),
            to_rfc3339(utcnow() + timedelta(days=3)),
        )
        for number in (1, 2, 3, 4):
            await stub.RecordReceipt(receipt(lab(number)))
            due = future if number == 2 else past
            await stub.RecordSlaEvent(
                intake_pb2.RecordSlaEventRequest(
                    lab_number=lab(number),
                    kind=intake_pb2.SLA_EVENT_KIND_DUE_SET,
                    due_at=due,
                    event_key="due-1",
                )
            )
        await stub.RecordStatus(status(lab(3), common_pb2.SAMPLE_STATUS_ON_HOLD, "h1", "pump down"))
        await stub.RecordStatus(
            status(lab(4), common_pb2.SAMPLE_STATUS_CANCELLED, "c1", "withdrawn")
        )

        listed = await stub.ListSamples(intake_pb2.ListSamplesRequest(overdue=True))
        assert [s.lab_number for s in listed.samples] == [lab(1)]
        assert listed.total == 1


async def test_list_samples_pages_and_counts_every_match(database_url: str) -> None:
    async with intake_service(database_url) as (stub, _):
        await stub.CreateRequest(create("many", *(new_sample() for _ in range(7))))

        page = await stub.ListSamples(intake_pb2.ListSamplesRequest(page_size=3, offset=3))
        assert [s.lab_number for s in page.samples] == [lab(4), lab(3), lab(2)]
        assert page.total == 7
        last = await stub.ListSamples(intake_pb2.ListSamplesRequest(page_size=3, offset=6))
        assert [s.lab_number for s in last.samples] == [lab(1)]
        for bad, field in [({"page_size": 501}, "page_size"), ({"offset": -1}, "offset")]:
            message = await refused(
                stub.ListSamples(intake_pb2.ListSamplesRequest(**bad)),  # type: ignore[arg-type]
                grpc.StatusCode.INVALID_ARGUMENT,
            )
            assert message.startswith(f"{field}:")


async def test_list_samples_sorts_by_age_due_time_and_product_and_pages_consistently(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, _):
        amoxicillin, ibuprofen = "Amoxicillin 250 mg capsules", "Ibuprofen 400 mg tablets"
        paracetamol, zinc = "Paracetamol 500 mg tablets", "Zinc sulfate 20 mg tablets"
        names = [paracetamol, amoxicillin, paracetamol, ibuprofen, amoxicillin, zinc]
        await stub.CreateRequest(create("sort", *(new_sample(product_name=n) for n in names)))
        # Samples 3 and 5 are never received: they have no due time. 2 and 4 fall due together.
        due_in_days = {1: 5, 2: 1, 4: 1, 6: 3}
        soon = utcnow().replace(microsecond=0)
        for number, days in due_in_days.items():
            await stub.RecordReceipt(receipt(lab(number)))
            await stub.RecordSlaEvent(
                intake_pb2.RecordSlaEventRequest(
                    lab_number=lab(number),
                    kind=intake_pb2.SLA_EVENT_KIND_DUE_SET,
                    due_at=to_rfc3339(soon + timedelta(days=days)),
                    event_key="due-1",
                )
            )

        async def numbers(sort: int, page_size: int = 50, **filters: object) -> list[int]:
            """Every matching sample's number, read page by page."""
            found: list[int] = []
            while True:
                listed = await stub.ListSamples(
                    intake_pb2.ListSamplesRequest(
                        sort=sort,  # type: ignore[arg-type]
                        page_size=page_size,
                        offset=len(found),
                        **filters,  # type: ignore[arg-type]
                    )
                )
                found += [int(s.lab_number.rsplit("-", 1)[1]) for s in listed.samples]
                if len(listed.samples) < page_size or len(found) == listed.total:
                    assert len(found) == listed.total
                    return found

        orders = {
            intake_pb2.SAMPLE_SORT_UNSPECIFIED: [6, 5, 4, 3, 2, 1],  # newest first, as before
            intake_pb2.SAMPLE_SORT_NEWEST: [6, 5, 4, 3, 2, 1],
            intake_pb2.SAMPLE_SORT_OLDEST: [1, 2, 3, 4, 5, 6],
            # soonest due first, a tie in logging order, no due time last
            intake_pb2.SAMPLE_SORT_DUE: [2, 4, 6, 1, 3, 5],
            # A-Z, each name newest first
            intake_pb2.SAMPLE_SORT_PRODUCT: [5, 2, 4, 3, 1, 6],
        }
        for sort, expected in orders.items():
            # Page boundaries fall inside ties and between groups: no sample repeats or goes missing.
            for page_size in (1, 2, 4, 50):
                assert await numbers(sort, page_size) == expected, (sort, page_size)
        received = [common_pb2.SAMPLE_STATUS_RECEIVED]
        assert await numbers(intake_pb2.SAMPLE_SORT_DUE, 3, statuses=received) == [2, 4, 6, 1]
        assert await numbers(intake_pb2.SAMPLE_SORT_PRODUCT, 2, text="tablets") == [4, 3, 1, 6]
        message = await refused(
            stub.ListSamples(intake_pb2.ListSamplesRequest(sort=99)),  # type: ignore[arg-type]
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert message.startswith("sort:")


async def test_receipt_accepts_a_registered_sample_once(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        await stub.CreateRequest(create("r"))
        received = await stub.RecordReceipt(receipt(lab(1)))

        assert received.status == common_pb2.SAMPLE_STATUS_RECEIVED
        assert (received.condition_on_receipt, received.quantity_received) == (
            "intact, sealed",
            "100",
        )
        assert received.received_at == "2026-03-02T09:00:00Z"
        assert [e.action for e in received.timeline] == ["registered", "received"]
        assert received.timeline[1].detail == (
            "accepted, condition: intact, sealed, quantity received: 100 tablets, seals intact, "
            "labelling legible"
        )
        again = await stub.RecordReceipt(receipt(lab(1), quantity_received="100.0"))
        assert again == received
        message = await refused(
            stub.RecordReceipt(receipt(lab(1), accepted=False, reason="broken seal")),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert "this one is received" in message
        with db.read() as session:
            entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "sample_received"))
        assert entry is not None and entry.entity_id == lab(1)
        assert '"status":"registered"' in entry.old_value
        assert '"status":"received"' in entry.new_value
        await assert_chain_verifies(db, 3)


async def test_receipt_rejects_with_a_reason(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        await stub.CreateRequest(create("r"))
        no_reason = receipt(lab(1), accepted=False, quantity_received="")
        assert "reason: required" in await refused(
            stub.RecordReceipt(no_reason), grpc.StatusCode.INVALID_ARGUMENT
        )
        no_quantity = receipt(lab(1), quantity_received="")
        assert "quantity_received: required" in await refused(
            stub.RecordReceipt(no_quantity), grpc.StatusCode.INVALID_ARGUMENT
        )

        rejected = await stub.RecordReceipt(receipt(lab(1), accepted=False, reason="leaking"))
        assert rejected.status == common_pb2.SAMPLE_STATUS_REJECTED
        assert rejected.rejection_reason == "leaking"
        assert rejected.timeline[-1].detail == "rejected: leaking; seals intact, labelling legible"
        assert (
            await stub.RecordReceipt(receipt(lab(1), accepted=False, reason="leaking")) == rejected
        )
        await refused(stub.RecordReceipt(receipt(lab(1))), grpc.StatusCode.FAILED_PRECONDITION)
        await assert_chain_verifies(db, 3)


async def test_a_sample_keeps_its_details_and_they_are_audited(database_url: str) -> None:
    details = {
        "product_category": intake_pb2.PRODUCT_CATEGORY_MEDICINE,
        "inns": "artemether, lumefantrine",
        "dosage_form": "tablet",
        "strength": "20 mg/120 mg",
        "pack": "blister of 24, box of 1",
        "marketing_authorisation_holder": "Novartis Pharma",
        "storage_conditions": "Store below 30 °C",
    }
    async with intake_service(database_url) as (stub, db):
        created = await stub.CreateRequest(
            create("d", new_sample(**details), new_sample(product_category=2))
        )
        first, device = created.samples
        assert {name: getattr(first, name) for name in details} == details
        # Unspecified is a medicine; the other details stay empty.
        assert (device.product_category, device.inns) == (
            intake_pb2.PRODUCT_CATEGORY_MEDICAL_DEVICE,
            "",
        )
        got = await stub.GetSample(intake_pb2.GetSampleRequest(lab_number=lab(1)))
        assert got.marketing_authorisation_holder == "Novartis Pharma"
        with db.read() as session:
            entry = session.scalar(
                select(AuditEntry).where(
                    AuditEntry.action == "sample_registered", AuditEntry.entity_id == lab(1)
                )
            )
        assert entry is not None and '"storage_conditions":"Store below 30 °C"' in entry.new_value
        message = await refused(
            stub.CreateRequest(create("long", new_sample(pack="x" * 201, product_category=9))),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert message == "samples[0].product_category: unknown value 9"
        message = await refused(
            stub.CreateRequest(create("long", new_sample(pack="x" * 201, strength="y" * 101))),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert message.split("; ") == [
            "samples[0].strength: at most 100 characters (got 101)",
            "samples[0].pack: at most 200 characters (got 201)",
        ]


async def test_receipt_needs_enough_units_or_a_decision_with_a_reason(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        await stub.CreateRequest(create("q"))
        short = receipt(lab(1), quantity_received="40", units_per_analysis=20)
        message = await refused(stub.RecordReceipt(short), grpc.StatusCode.INVALID_ARGUMENT)
        assert message.startswith("quantity_received: 40 tablets received, 60 tablets required")
        short.accept_insufficient_quantity = True
        message = await refused(stub.RecordReceipt(short), grpc.StatusCode.INVALID_ARGUMENT)
        assert message == "reason: required to accept an insufficient quantity"

        short.reason = "all the market had"
        short.seals_intact = False
        received = await stub.RecordReceipt(short)
        assert received.status == common_pb2.SAMPLE_STATUS_RECEIVED
        assert (received.quantity_required, received.quantity_sufficient) == ("60", False)
        assert received.insufficient_quantity_reason == "all the market had"
        assert (received.seals_intact, received.labelling_legible) == (False, True)
        assert received.rejection_reason == ""
        assert received.timeline[-1].detail == (
            "accepted, condition: intact, sealed, quantity received: 40 tablets (60 required), "
            "seals broken or missing, labelling legible; insufficient quantity accepted: "
            "all the market had"
        )
        assert await stub.RecordReceipt(short) == received  # a repeat changes nothing
        with db.read() as session:
            entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "sample_received"))
        assert entry is not None and entry.reason == "all the market had"
        assert '"quantity_sufficient":false' in entry.new_value
        assert '"seals_intact":false' in entry.new_value


async def test_a_refrigerated_sample_needs_its_temperature_on_arrival(database_url: str) -> None:
    async with intake_service(database_url) as (stub, _):
        await stub.CreateRequest(create("t", new_sample(storage_conditions="2–8 °C")))
        message = await refused(
            stub.RecordReceipt(receipt(lab(1))), grpc.StatusCode.INVALID_ARGUMENT
        )
        assert message.startswith("temperature_on_arrival: required for a sample kept at 2–8 °C")
        received = await stub.RecordReceipt(receipt(lab(1), temperature_on_arrival="5.0"))
        assert (received.temperature_on_arrival, received.quantity_sufficient) == ("5", True)
        assert received.timeline[-1].detail.endswith("temperature on arrival: 5 °C")


async def test_status_follows_the_lifecycle_through_a_hold(database_url: str) -> None:
    s = common_pb2
    async with intake_service(database_url) as (stub, db):
        await stub.CreateRequest(create("s"))
        await stub.RecordReceipt(receipt(lab(1)))
        testing = await stub.RecordStatus(status(lab(1), s.SAMPLE_STATUS_IN_TESTING, "e1"))
        assert testing.status == s.SAMPLE_STATUS_IN_TESTING
        assert testing.timeline[-1].detail == "received -> in_testing"

        held = await stub.RecordStatus(status(lab(1), s.SAMPLE_STATUS_ON_HOLD, "e2", "HPLC down"))
        assert (held.status, held.status_before_hold) == (
            s.SAMPLE_STATUS_ON_HOLD,
            s.SAMPLE_STATUS_IN_TESTING,
        )
        assert held.timeline[-1].detail == "in_testing -> on_hold: HPLC down"
        assert held.timeline[-1].actor.username == "reviewer"
        assert (
            await stub.RecordStatus(status(lab(1), s.SAMPLE_STATUS_ON_HOLD, "e2", "HPLC down"))
            == held
        )

        message = await refused(
            stub.RecordStatus(status(lab(1), s.SAMPLE_STATUS_IN_REVIEW, "e3")),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert "cannot go from on_hold to in_review (a hold resumes to in_testing)" in message
        resumed = await stub.RecordStatus(status(lab(1), s.SAMPLE_STATUS_IN_TESTING, "e3"))
        assert (resumed.status, resumed.status_before_hold) == (
            s.SAMPLE_STATUS_IN_TESTING,
            s.SAMPLE_STATUS_UNSPECIFIED,
        )
        for number, new in enumerate(
            [
                s.SAMPLE_STATUS_IN_REVIEW,
                s.SAMPLE_STATUS_AWAITING_APPROVAL,
                s.SAMPLE_STATUS_RELEASED,
            ],
            4,
        ):
            done = await stub.RecordStatus(status(lab(1), new, f"e{number}"))
        assert done.status == s.SAMPLE_STATUS_RELEASED
        assert len(done.timeline) == 8
        await assert_chain_verifies(db, 9)


async def test_illegal_or_unexplained_status_changes_are_refused(database_url: str) -> None:
    s = common_pb2
    async with intake_service(database_url) as (stub, db):
        await stub.CreateRequest(create("s"))
        skip = await refused(
            stub.RecordStatus(status(lab(1), s.SAMPLE_STATUS_RELEASED, "x1")),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert "cannot go from registered to released" in skip
        bypass = await refused(
            stub.RecordStatus(status(lab(1), s.SAMPLE_STATUS_RECEIVED, "x2")),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert "receipt check" in bypass
        for new, reason_field in [
            (s.SAMPLE_STATUS_ON_HOLD, "reason: required to put a sample on hold"),
            (s.SAMPLE_STATUS_CANCELLED, "reason: required to cancel a sample"),
            (s.SAMPLE_STATUS_UNSPECIFIED, "status: required"),
        ]:
            message = await refused(
                stub.RecordStatus(status(lab(1), new, "x3")), grpc.StatusCode.INVALID_ARGUMENT
            )
            assert reason_field in message
        assert "event_key: required" in await refused(
            stub.RecordStatus(status(lab(1), s.SAMPLE_STATUS_CANCELLED, "", "dup")),
            grpc.StatusCode.INVALID_ARGUMENT,
        )

        cancelled = await stub.RecordStatus(
            status(lab(1), s.SAMPLE_STATUS_CANCELLED, "x4", "requester withdrew")
        )
        assert (cancelled.status, cancelled.rejection_reason) == (
            s.SAMPLE_STATUS_CANCELLED,
            "requester withdrew",
        )
        await refused(
            stub.RecordStatus(status(lab(1), s.SAMPLE_STATUS_ON_HOLD, "x5", "late")),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        await assert_chain_verifies(db, 3)


async def test_sla_marks_are_recorded_once_per_event_key(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        await stub.CreateRequest(create("sla"))
        await stub.RecordReceipt(receipt(lab(1)))

        def mark(kind: int, key: str, at: str, due: str) -> intake_pb2.RecordSlaEventRequest:
            return intake_pb2.RecordSlaEventRequest(
                lab_number=lab(1),
                kind=kind,  # type: ignore[arg-type]
                at=at,
                due_at=due,
                event_key=key,
            )

        due = await stub.RecordSlaEvent(
            mark(
                intake_pb2.SLA_EVENT_KIND_DUE_SET,
                "due",
                "2026-03-02T09:00:00Z",
                "2026-03-17T09:00:00Z",
            )
        )
        assert due.sla_due_at == "2026-03-17T09:00:00Z"
        warned = await stub.RecordSlaEvent(
            mark(intake_pb2.SLA_EVENT_KIND_WARNING, "warn", "2026-03-14T09:00:00Z", "")
        )
        assert (warned.sla_warning_at, warned.sla_due_at) == (
            "2026-03-14T09:00:00Z",
            "2026-03-17T09:00:00Z",
        )
        breached = await stub.RecordSlaEvent(
            mark(
                intake_pb2.SLA_EVENT_KIND_BREACH,
                "breach",
                "2026-03-18T09:00:00Z",
                "2026-03-18T09:00:00Z",
            )
        )
        assert (breached.sla_breached_at, breached.sla_due_at) == (
            "2026-03-18T09:00:00Z",
            "2026-03-18T09:00:00Z",
        )
        repeat = mark(
            intake_pb2.SLA_EVENT_KIND_DUE_SET, "due", "2026-03-20T09:00:00Z", "2026-04-01T09:00:00Z"
        )
        assert await stub.RecordSlaEvent(repeat) == breached
        actions = [(e.action, e.actor.username) for e in breached.timeline[-3:]]
        assert actions == [
            ("sla_due_set", "system"),
            ("sla_warning", "system"),
            ("sla_breach", "system"),
        ]
        assert "due_at: required" in await refused(
            stub.RecordSlaEvent(mark(intake_pb2.SLA_EVENT_KIND_DUE_SET, "due2", "", "")),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert "kind: required" in await refused(
            stub.RecordSlaEvent(mark(0, "k", "", "")), grpc.StatusCode.INVALID_ARGUMENT
        )
        await assert_chain_verifies(db, 6)  # request, sample, receipt, three marks


async def test_simultaneous_repeats_of_an_event_apply_it_once(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        await stub.CreateRequest(create("race"))
        receipts = await asyncio.gather(*(stub.RecordReceipt(receipt(lab(1))) for _ in range(5)))
        holds = await asyncio.gather(
            *(
                stub.RecordStatus(status(lab(1), common_pb2.SAMPLE_STATUS_ON_HOLD, "h", "why"))
                for _ in range(5)
            )
        )
        marks = await asyncio.gather(
            *(
                stub.RecordSlaEvent(
                    intake_pb2.RecordSlaEventRequest(
                        lab_number=lab(1),
                        kind=intake_pb2.SLA_EVENT_KIND_DUE_SET,
                        due_at="2026-03-17T09:00:00Z",
                        event_key="due",
                    )
                )
                for _ in range(5)
            )
        )

        for answers in (receipts, holds, marks):
            assert all(answer == answers[0] for answer in answers)
        actions = [event.action for event in marks[0].timeline]
        assert actions == ["registered", "received", "status_changed", "sla_due_set"]
        await assert_chain_verifies(db, 5)
