"""The KPI figures' pure arithmetic: periods and month buckets in the lab's time zone,
percentiles from day histograms, rates, turnaround classes, days late, and the exports."""

import csv
import io
import itertools
import statistics
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook  # type: ignore[import-untyped]

from services.gateway import kpi
from services.gateway.kpi import Period
from services.gateway.kpi_exports import to_csv, to_xlsx
from services.gateway.kpi_figures import Table

CASABLANCA = ZoneInfo("Africa/Casablanca")


def test_the_default_period_is_the_last_twelve_months_up_to_today() -> None:
    period = kpi.default_period(date(2026, 11, 23))
    assert period == Period(date(2025, 12, 1), date(2026, 11, 23))
    assert len(period.months()) == 12
    assert kpi.default_period(date(2026, 1, 5), months=2).first == date(2025, 12, 1)


def test_month_bounds_start_at_midnight_in_the_labs_time_zone() -> None:
    bounds = kpi.month_bounds(Period(date(2026, 1, 15), date(2026, 3, 31)), CASABLANCA)
    # Casablanca is UTC+1 in January and UTC+0 during Ramadan (1 March 2026); the period ends
    # at midnight after its last day.
    assert bounds == [
        datetime(2026, 1, 14, 23, 0, tzinfo=UTC),
        datetime(2026, 1, 31, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
        kpi.start_of(date(2026, 4, 1), CASABLANCA),
    ]


def test_a_backwards_or_too_long_period_is_refused_naming_the_field() -> None:
    today = date(2026, 11, 23)
    with pytest.raises(kpi.PeriodError, match=r"^to:"):
        kpi.checked_period(date(2026, 5, 1), date(2026, 4, 1), today)
    with pytest.raises(kpi.PeriodError, match=r"^from:"):
        kpi.checked_period(date(2000, 1, 1), date(2026, 4, 1), today)
    assert kpi.checked_period(None, date(2026, 4, 30), today).last == date(2026, 4, 30)
    with pytest.raises(kpi.PeriodError, match=r"^year:"):
        kpi.year_period(1999)


def test_percentiles_rates_classes_and_days_late() -> None:
    histogram = [(8, 1), (39, 1), (2, 3)]
    assert kpi.percentile(histogram, 0.5) == 2
    assert kpi.percentile(histogram, 0.9) == 39
    assert kpi.percentile([], 0.5) is None
    assert kpi.percentile([(3, 10)], 0.9) == 3
    assert kpi.rate(1, 3) == 33.3 and kpi.rate(0, 0) is None
    assert kpi.classify([(0, 1), (2, 1), (3, 4), (61, 2), (400, 1)]) == [2, 4, 0, 0, 0, 0, 3]
    due = datetime(2026, 3, 17, 9, tzinfo=UTC)
    assert kpi.days_late(due, datetime(2026, 3, 20, 21, tzinfo=UTC)) == 3.5
    assert kpi.days_late(due, datetime(2026, 3, 1, tzinfo=UTC)) == 0.0


days = st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=200)


@given(days)
def test_the_median_from_the_histogram_is_a_median_of_the_days(values: list[int]) -> None:
    histogram = [(d, values.count(d)) for d in set(values)]
    median = kpi.percentile(histogram, 0.5)
    assert median in (statistics.median_low(values), statistics.median_high(values))
    assert median == sorted(values)[(len(values) + 1) // 2 - 1]  # the nearest rank


@given(days, st.floats(min_value=0.01, max_value=1.0))
def test_a_percentile_has_at_least_that_share_at_or_below_it(values: list[int], q: float) -> None:
    histogram = [(d, values.count(d)) for d in set(values)]
    found = kpi.percentile(histogram, q)
    assert found is not None
    assert sum(v <= found for v in values) >= q * len(values) - 1e-9
    assert sum(v < found for v in values) < q * len(values) + 1e-9
    assert sum(kpi.classify(histogram)) == len(values)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2990, 1, 1)), st.integers(1, 40))
def test_month_bounds_ascend_and_cover_every_month(first: date, months: int) -> None:
    period = kpi.default_period(first, months)
    bounds = kpi.month_bounds(period, CASABLANCA)
    assert len(bounds) == months + 1
    assert all(a < b for a, b in itertools.pairwise(bounds))


def test_a_table_exports_to_csv_and_xlsx_that_parse_back() -> None:
    table = Table("products", "t", ("product", "released", "rate"), [("Paracétamol", 2, None)])
    rows = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig"))))
    assert rows == [["product", "released", "rate"], ["Paracétamol", "2", ""]]
    sheet = load_workbook(io.BytesIO(to_xlsx([table])))["products"]
    assert list(sheet.iter_rows(values_only=True)) == [
        ("product", "released", "rate"),
        ("Paracétamol", 2, None),
    ]
