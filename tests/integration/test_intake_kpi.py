"""The KPI figures intake owns, over its real gRPC server and a real database (SQLite and
PostgreSQL): received and released per month, turnaround without the time on hold, SLA
compliance, backlog, conformity by product, manufacturer and purpose, and the overdue list."""

import json

import grpc
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.common.v1 import common_pb2 as c
from lims.intake.v1 import intake_pb2, kpi_pb2, kpi_pb2_grpc
from services.intake import main
from services.intake.models import AuditEntry
from tests.integration.test_intake_service import (
    SETTINGS,
    WORKFLOW,
    create,
    intake_service,
    lab,
    new_sample,
    receipt,
    refused,
)
from tests.support.grpc import serving

BOUNDS = [
    "2026-03-01T00:00:00Z",
    "2026-04-01T00:00:00Z",
    "2026-05-01T00:00:00Z",
    "2026-06-01T00:00:00Z",
]


def move(
    lab_number: str, new: int, key: str, at: str, reason: str = ""
) -> intake_pb2.RecordStatusRequest:
    return intake_pb2.RecordStatusRequest(
        lab_number=lab_number,
        actor=WORKFLOW,
        status=new,  # type: ignore[arg-type]
        reason=reason,
        event_key=key,
        at=at,
    )


async def release(
    stub: object, lab_number: str, at: str, *, hold: tuple[str, str] | None = None
) -> None:
    record = stub.RecordStatus  # type: ignore[attr-defined]
    await record(move(lab_number, c.SAMPLE_STATUS_IN_TESTING, "t", "2026-03-03T10:00:00Z"))
    if hold:
        await record(move(lab_number, c.SAMPLE_STATUS_ON_HOLD, "h", hold[0], "HPLC down"))
        await record(move(lab_number, c.SAMPLE_STATUS_IN_TESTING, "r", hold[1]))
    for key, new in (("v", c.SAMPLE_STATUS_IN_REVIEW), ("a", c.SAMPLE_STATUS_AWAITING_APPROVAL)):
        await record(move(lab_number, new, key, at))
    await record(move(lab_number, c.SAMPLE_STATUS_RELEASED, "z", at))


async def test_figures_count_by_month_purpose_product_and_stage(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        await stub.CreateRequest(
            create(
                "batch",
                new_sample(),
                new_sample(
                    product_code="IBU-400-TAB",
                    product_name="Ibuprofen 400 mg",
                    manufacturer="Labo Sud",
                ),
                new_sample(),
            )
        )
        await stub.CreateRequest(create("pms", purpose=c.PURPOSE_MARKET_SURVEILLANCE))
        for number in (1, 2, 3):
            await stub.RecordReceipt(receipt(lab(number)))  # 2026-03-02 09:00, 15 days
        # 10 days from receipt to release, 2 of them on hold: 8 days, within the 15.
        await release(
            stub,
            lab(1),
            "2026-03-12T09:00:00Z",
            hold=("2026-03-04T09:00:00Z", "2026-03-06T09:00:00Z"),
        )
        await release(stub, lab(2), "2026-04-10T09:00:00Z")  # 39 days: late
        await stub.RecordStatus(
            move(lab(3), c.SAMPLE_STATUS_IN_TESTING, "t", "2026-03-03T10:00:00Z")
        )
        await stub.RecordSlaEvent(
            intake_pb2.RecordSlaEventRequest(
                lab_number=lab(3),
                kind=intake_pb2.SLA_EVENT_KIND_DUE_SET,
                event_key="due",
                at="2026-03-02T09:00:00Z",
                due_at="2026-03-17T09:00:00Z",
            )
        )
        async with serving(main.register(db, SETTINGS), main.SERVICE_NAMES) as channel:
            kpis = kpi_pb2_grpc.IntakeKpiStub(channel)
            figures = await kpis.GetSampleFigures(
                kpi_pb2.GetSampleFiguresRequest(
                    bucket_bounds=BOUNDS, non_conforming_lab_numbers=[lab(2)]
                )
            )
            overdue = await kpis.ListOverdue(kpi_pb2.ListOverdueRequest(now="2026-03-20T09:00:00Z"))
            only_pms = await kpis.GetSampleFigures(
                kpi_pb2.GetSampleFiguresRequest(
                    bucket_bounds=BOUNDS, purpose=c.PURPOSE_MARKET_SURVEILLANCE
                )
            )
            bad = await refused(
                kpis.GetSampleFigures(
                    kpi_pb2.GetSampleFiguresRequest(bucket_bounds=[BOUNDS[1], BOUNDS[0]])
                ),
                grpc.StatusCode.INVALID_ARGUMENT,
            )

    assert [(b.start, b.received, b.released) for b in figures.buckets] == [
        ("2026-03-01T00:00:00Z", 3, 1),
        ("2026-04-01T00:00:00Z", 0, 1),
        ("2026-05-01T00:00:00Z", 0, 0),
    ]
    [batch] = figures.turnaround
    assert (batch.purpose, batch.released, batch.within_target) == (c.PURPOSE_BATCH_RELEASE, 2, 1)
    assert [(d.days, d.count) for d in batch.histogram] == [(8, 1), (39, 1)]
    backlog = {line.status: line.count for line in figures.backlog}
    assert backlog[c.SAMPLE_STATUS_REGISTERED] == 1 and backlog[c.SAMPLE_STATUS_IN_TESTING] == 1
    assert backlog[c.SAMPLE_STATUS_ON_HOLD] == 0 and len(backlog) == 6
    assert [(g.key, g.released, g.non_conforming) for g in figures.by_product] == [
        ("IBU-400-TAB", 1, 1),
        ("PARA-500-TAB", 1, 0),
    ]
    assert [(g.label, g.released, g.non_conforming) for g in figures.by_manufacturer] == [
        ("Labo Sud", 1, 1),
        ("Pharma Atlas", 1, 0),
    ]
    [outcome] = figures.by_purpose  # registered in November: only the batch's receipts count
    assert (outcome.received, outcome.released, outcome.conforming, outcome.non_conforming) == (
        3,
        2,
        1,
        1,
    )
    assert [(s.lab_number, s.due_at) for s in overdue.samples] == [(lab(3), "2026-03-17T09:00:00Z")]
    assert overdue.total == 1
    assert [b.received for b in only_pms.buckets] == [0, 0, 0] and not only_pms.turnaround
    assert "strictly ascending" in bad


async def test_release_records_its_time_and_the_turnaround_in_the_audit(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        await stub.CreateRequest(create("one"))
        await stub.RecordReceipt(receipt(lab(1)))
        await release(
            stub,
            lab(1),
            "2026-03-12T09:00:00Z",
            hold=("2026-03-04T09:00:00Z", "2026-03-06T09:00:00Z"),
        )

        def last_entry(session: Session) -> AuditEntry:
            found = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
            return found.one()

        entry = await db.read_call(last_entry)
    new = json.loads(entry.new_value)
    assert new["released_at"] == "2026-03-12T09:00:00Z"
    assert new["hold_seconds"] == str(2 * 86_400)
    assert new["turnaround_seconds"] == str(8 * 86_400)  # 10 days less 2 on hold


@pytest.mark.parametrize("limit", [-1, 1001])
async def test_an_overdue_list_limit_out_of_range_is_refused(tmp_path: object, limit: int) -> None:
    from tests.support.databases import sqlite_url

    async with intake_service(sqlite_url(tmp_path)) as (_stub, db):  # type: ignore[arg-type]
        async with serving(main.register(db, SETTINGS), main.SERVICE_NAMES) as channel:
            kpis = kpi_pb2_grpc.IntakeKpiStub(channel)
            message = await refused(
                kpis.ListOverdue(kpi_pb2.ListOverdueRequest(limit=limit)),
                grpc.StatusCode.INVALID_ARGUMENT,
            )
    assert message.startswith("limit:")
