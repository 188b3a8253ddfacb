"""The dashboard's and the yearly summary's figures, asked of the services that own the data
(intake: samples; testing: results and OOS investigations; reporting: conclusions) and laid out
as tables: the same tables feed the page, its charts, the CSV and XLSX exports and the PDF."""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from kernel.proto_enums import enum_to_str, str_to_enum
from kernel.timefmt import from_rfc3339, to_rfc3339
from lims.common.v1 import common_pb2
from lims.intake.v1 import kpi_pb2 as intake_kpi
from lims.reporting.v1 import kpi_pb2 as reporting_kpi
from lims.testing.v1 import kpi_pb2 as testing_kpi
from services.gateway import kpi
from services.gateway.clients import Connections
from services.gateway.kpi import Period

Cell = str | int | float | None
OVERDUE_LIMIT = 200


@dataclass(frozen=True)
class Table:
    """One table of figures: a name for its URL, an English title, column headings and rows."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class Figures:
    """Every table of one period (and purpose), by name, in the order they are shown."""

    period: Period
    purpose: str
    tables: dict[str, Table]
    # How many samples are overdue in all (the overdue table stops at OVERDUE_LIMIT).
    overdue_total: int = 0


def _purpose_number(purpose: str) -> "common_pb2.Purpose.ValueType":
    return str_to_enum(common_pb2.Purpose, purpose) if purpose else common_pb2.PURPOSE_UNSPECIFIED


def _name(enum: Any, number: int) -> str:
    return enum_to_str(enum, number)


async def _ask(
    clients: Connections, period: Period, purpose: str, zone: tzinfo, now: datetime
) -> tuple[intake_kpi.SampleFigures, testing_kpi.OosFigures, intake_kpi.ListOverdueResponse]:
    bounds = kpi.month_bounds(period, zone)
    texts = [to_rfc3339(moment) for moment in bounds]
    bad = await clients.reporting_kpi.ListNonConforming(
        reporting_kpi.ListNonConformingRequest(since=texts[0], until=texts[-1])
    )
    samples, oos, overdue = await asyncio.gather(
        clients.intake_kpi.GetSampleFigures(
            intake_kpi.GetSampleFiguresRequest(
                bucket_bounds=texts,
                purpose=_purpose_number(purpose),
                non_conforming_lab_numbers=bad.lab_numbers,
            )
        ),
        clients.testing_kpi.GetOosFigures(testing_kpi.GetOosFiguresRequest(bucket_bounds=texts)),
        clients.intake_kpi.ListOverdue(
            intake_kpi.ListOverdueRequest(
                now=to_rfc3339(now), purpose=_purpose_number(purpose), limit=OVERDUE_LIMIT
            )
        ),
    )
    return samples, oos, overdue


def _month(period: Period, index: int) -> str:
    return period.months()[index].strftime("%Y-%m")


def monthly_table(period: Period, figures: intake_kpi.SampleFigures) -> Table:
    """Samples received and released per month."""
    rows: list[tuple[Cell, ...]] = [
        (_month(period, i), bucket.received, bucket.released)
        for i, bucket in enumerate(figures.buckets)
    ]
    return Table(
        "monthly",
        "Samples received and released per month",
        ("month", "received", "released"),
        rows,
    )


def turnaround_table(figures: intake_kpi.SampleFigures) -> Table:
    """Turnaround per purpose: SLA compliance, median, 90th percentile and the day classes."""
    classes = tuple(f"{kpi.class_label(a, b)} d" for a, b in kpi.TURNAROUND_CLASSES)
    rows: list[tuple[Cell, ...]] = []
    for line in figures.turnaround:
        histogram = [(bucket.days, bucket.count) for bucket in line.histogram]
        rows.append(
            (
                _name(common_pb2.Purpose, line.purpose),
                line.released,
                line.within_target,
                kpi.rate(line.within_target, line.released),
                kpi.percentile(histogram, 0.5),
                kpi.percentile(histogram, 0.9),
                *kpi.classify(histogram),
            )
        )
    columns = (
        "purpose",
        "released",
        "within_target",
        "sla_compliance_pct",
        "median_days",
        "p90_days",
    )
    return Table("turnaround", "Turnaround and SLA compliance per purpose", columns + classes, rows)


def backlog_table(figures: intake_kpi.SampleFigures) -> Table:
    """Samples per active stage now."""
    rows: list[tuple[Cell, ...]] = [
        (_name(common_pb2.SampleStatus, line.status), line.count) for line in figures.backlog
    ]
    return Table("backlog", "Backlog per stage", ("stage", "samples"), rows)


def overdue_table(answer: intake_kpi.ListOverdueResponse, now: datetime, zone: tzinfo) -> Table:
    """Samples past due, most late first."""
    rows: list[tuple[Cell, ...]] = []
    for sample in answer.samples:
        due = from_rfc3339(sample.due_at)
        assert due is not None, "an overdue sample has a due time"
        rows.append(
            (
                sample.lab_number,
                sample.product_name,
                _name(common_pb2.Purpose, sample.purpose),
                due.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                kpi.days_late(due, now),
            )
        )
    columns = ("lab_number", "product", "purpose", "due", "days_late")
    return Table("overdue", "Overdue samples", columns, rows)


def oos_table(period: Period, figures: testing_kpi.OosFigures) -> Table:
    """OOS investigations against results submitted, per month and over the period."""
    rows: list[tuple[Cell, ...]] = []
    totals = [0, 0, 0, 0]
    for i, bucket in enumerate(figures.buckets):
        counts = (bucket.results, bucket.opened, bucket.confirmed, bucket.invalidated)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        rows.append(
            (
                _month(period, i),
                bucket.results,
                bucket.opened,
                kpi.rate(bucket.opened, bucket.results),
                bucket.confirmed,
                bucket.invalidated,
            )
        )
    results, opened, confirmed, invalidated = totals
    rows.append(("total", results, opened, kpi.rate(opened, results), confirmed, invalidated))
    columns = ("month", "results", "oos_opened", "oos_rate_pct", "confirmed", "invalidated")
    return Table("oos", "OOS rate", columns, rows)


def conformity_table(name: str, lines: Any) -> Table:
    """Non-compliance per product or per manufacturer."""
    rows: list[tuple[Cell, ...]] = []
    for line in lines:
        rate = kpi.rate(line.non_conforming, line.released)
        if name == "products":
            rows.append((line.key, line.label, line.released, line.non_conforming, rate))
        else:
            rows.append((line.label, line.released, line.non_conforming, rate))
    if name == "products":
        columns: tuple[str, ...] = (
            "product_code",
            "product",
            "released",
            "non_conforming",
            "non_compliance_pct",
        )
        title = "Non-compliance rate by product"
    else:
        columns = ("manufacturer", "released", "non_conforming", "non_compliance_pct")
        title = "Non-compliance rate by manufacturer"
    return Table(name, title, columns, rows)


async def dashboard(
    clients: Connections, period: Period, purpose: str, zone: tzinfo, now: datetime
) -> Figures:
    """The dashboard's tables for a period and an optional purpose."""
    samples, oos, overdue = await _ask(clients, period, purpose, zone, now)
    tables = [
        monthly_table(period, samples),
        turnaround_table(samples),
        backlog_table(samples),
        overdue_table(overdue, now, zone),
        oos_table(period, oos),
        conformity_table("products", samples.by_product),
        conformity_table("manufacturers", samples.by_manufacturer),
    ]
    return Figures(period, purpose, {t.name: t for t in tables}, overdue.total)


def purpose_table(figures: intake_kpi.SampleFigures) -> Table:
    """The yearly summary's samples by purpose: tested, compliant, non-compliant."""
    rows: list[tuple[Cell, ...]] = []
    totals = [0] * 8
    for line in figures.by_purpose:
        counts = [
            line.registered,
            line.received,
            line.rejected,
            line.released,
            line.conforming,
            line.non_conforming,
            line.in_progress,
            line.cancelled,
        ]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        rows.append(
            (
                _name(common_pb2.Purpose, line.purpose),
                *counts,
                kpi.rate(line.non_conforming, line.released),
            )
        )
    rows.append(("total", *totals, kpi.rate(totals[5], totals[3])))
    columns = (
        "purpose",
        "registered",
        "received",
        "rejected",
        "tested",
        "compliant",
        "non_compliant",
        "in_progress",
        "cancelled",
        "non_compliance_pct",
    )
    return Table(
        "purposes", "Samples tested, compliant and non-compliant by purpose", columns, rows
    )


def signals_table(figures: intake_kpi.SampleFigures) -> Table:
    """Complaints and suspected falsified products, and what testing found."""
    wanted = {"complaint", "suspected_falsified"}
    rows: list[tuple[Cell, ...]] = []
    for line in figures.by_purpose:
        purpose = _name(common_pb2.Purpose, line.purpose)
        if purpose in wanted:
            wanted.discard(purpose)
            rows.append(
                (
                    purpose,
                    line.registered,
                    line.released,
                    line.conforming,
                    line.non_conforming,
                    line.in_progress,
                    line.rejected + line.cancelled,
                )
            )
    rows += [(purpose, 0, 0, 0, 0, 0, 0) for purpose in sorted(wanted)]
    columns = (
        "purpose",
        "registered",
        "tested",
        "compliant",
        "non_compliant",
        "in_progress",
        "not_tested",
    )
    return Table("signals", "Complaints and suspected falsified products", columns, rows)


async def yearly(clients: Connections, year: int, zone: tzinfo, now: datetime) -> Figures:
    """The yearly summary's tables (WHO prequalification annual report, GBT indicators)."""
    period = kpi.year_period(year)
    samples, oos, _overdue = await _ask(clients, period, "", zone, now)
    tables = [
        purpose_table(samples),
        signals_table(samples),
        turnaround_table(samples),
        oos_table(period, oos),
        conformity_table("products", samples.by_product),
        conformity_table("manufacturers", samples.by_manufacturer),
    ]
    return Figures(period, "", {t.name: t for t in tables})
