"""The pure rules that gate assignment: qualifications, instruments, lots; each refusal says why."""

from datetime import date

import pytest

from kernel.errors import InvalidArgument
from services.testing.resources import (
    Instrument,
    InstrumentStatus,
    Lot,
    Qualification,
    Resources,
    clean_lots,
    expiring,
    gating_refusals,
    instrument_problems,
    instrument_refusal,
    lot_refusal,
    needs_instrument,
    qualification_problems,
    qualification_refusal,
    quantity_problems,
)

TODAY = date(2026, 6, 15)
HPLC = Instrument(
    "HPLC-01", "Agilent 1260", ("HPLC",), date(2026, 9, 1), InstrumentStatus.IN_SERVICE
)
AMINA = Qualification("analyst", "HPLC", date(2025, 1, 1), date(2027, 1, 1), "TR-7")


def test_a_current_qualification_allows_the_technique_whatever_its_case() -> None:
    assert qualification_refusal("analyst", "hplc ", [AMINA], TODAY) == ""
    # Valid on its last day, in the lab's calendar.
    last_day = Qualification("analyst", "HPLC", date(2025, 1, 1), TODAY, "TR-7")
    assert qualification_refusal("analyst", "HPLC", [last_day], TODAY) == ""


def test_an_analyst_without_a_qualification_for_the_technique_is_refused() -> None:
    assert (
        qualification_refusal("analyst", "KF", [AMINA], TODAY)
        == "analyst: analyst has no qualification for KF"
    )
    assert qualification_refusal("analyst2", "HPLC", [AMINA], TODAY) == (
        "analyst: analyst2 has no qualification for HPLC"
    )


def test_an_expired_qualification_is_refused_with_its_date_and_training_record() -> None:
    lapsed = Qualification("analyst", "HPLC", date(2024, 1, 1), date(2026, 6, 14), "TR-3")
    assert qualification_refusal("analyst", "HPLC", [lapsed], TODAY) == (
        "analyst: analyst's qualification for HPLC expired on 2026-06-14 (training record TR-3)"
    )


def test_a_qualification_not_yet_started_is_refused() -> None:
    future = Qualification("analyst", "HPLC", date(2026, 7, 1), date(2028, 7, 1), "TR-9")
    assert "starts on 2026-07-01" in qualification_refusal("analyst", "HPLC", [future], TODAY)


def test_which_techniques_need_an_instrument() -> None:
    assert not needs_instrument("visual") and not needs_instrument(" Visual ")
    assert not needs_instrument("TLC")
    assert needs_instrument("HPLC") and needs_instrument("KF") and needs_instrument("UV")
    # A technique nobody listed is gated: the safe side.
    assert needs_instrument("ICP-MS")


def test_instrument_refusals_each_say_why() -> None:
    assert instrument_refusal("HPLC-01", HPLC, "HPLC", TODAY) == ""
    assert instrument_refusal("", None, "visual", TODAY) == ""
    assert instrument_refusal("", None, "HPLC", TODAY) == (
        "instrument: an instrument is required for HPLC"
    )
    assert (
        instrument_refusal("GC-9", None, "HPLC", TODAY) == "instrument: unknown instrument 'GC-9'"
    )
    broken = Instrument(
        "HPLC-01", "x", ("HPLC",), date(2026, 9, 1), InstrumentStatus.OUT_OF_SERVICE, "pump leak"
    )
    assert instrument_refusal("HPLC-01", broken, "HPLC", TODAY) == (
        "instrument: HPLC-01 is out of service (pump leak)"
    )
    assert instrument_refusal("HPLC-01", HPLC, "UV", TODAY) == (
        "instrument: HPLC-01 is not used for UV (it serves HPLC)"
    )
    overdue = Instrument("HPLC-01", "x", ("HPLC",), date(2026, 6, 14), InstrumentStatus.IN_SERVICE)
    assert instrument_refusal("HPLC-01", overdue, "HPLC", TODAY) == (
        "instrument: HPLC-01's calibration was due on 2026-06-14"
    )
    due_today = Instrument("HPLC-01", "x", ("HPLC",), TODAY, InstrumentStatus.IN_SERVICE)
    assert instrument_refusal("HPLC-01", due_today, "HPLC", TODAY) == ""


def test_lot_refusals_each_say_why() -> None:
    crs = Lot("Y0001015", "Paracetamol CRS", date(2026, 6, 14))
    assert lot_refusal("reference_standards", "reference standard", "Y0001015", crs, TODAY) == (
        "reference_standards: reference standard Paracetamol CRS lot Y0001015 expired on 2026-06-14"
    )
    assert lot_refusal("reagents", "reagent", "X1", None, TODAY) == (
        "reagents: unknown reagent lot 'X1'"
    )
    fresh = Lot("A1", "Acetonitrile", TODAY)
    assert lot_refusal("reagents", "reagent", "A1", fresh, TODAY) == ""


def test_gating_lists_every_reason_at_once() -> None:
    refusals = gating_refusals(
        analyst="analyst2",
        technique="HPLC",
        today=TODAY,
        wanted=Resources("HPLC-01", ("OLD",), ("NOPE",)),
        qualifications=[],
        instrument=Instrument(
            "HPLC-01", "x", ("HPLC",), date(2026, 1, 1), InstrumentStatus.IN_SERVICE
        ),
        standards={"OLD": Lot("OLD", "Paracetamol CRS", date(2020, 1, 1))},
        reagents={},
    )
    assert [r.split(":")[0] for r in refusals] == [
        "analyst",
        "instrument",
        "reference_standards",
        "reagents",
    ]
    allowed = gating_refusals(
        analyst="analyst",
        technique="HPLC",
        today=TODAY,
        wanted=Resources("HPLC-01"),
        qualifications=[AMINA],
        instrument=HPLC,
        standards={},
        reagents={},
    )
    assert allowed == []


def test_records_are_validated_field_by_field() -> None:
    bad = Qualification(" ", "HPLC", date(2026, 1, 2), date(2026, 1, 1), "")
    assert qualification_problems(bad) == [
        "analyst: required",
        "training_record: required",
        "expires_on: must be after qualified_on",
    ]
    out = Instrument("UV-1", "UV", (" ",), TODAY, InstrumentStatus.OUT_OF_SERVICE, " ")
    assert instrument_problems(out) == [
        "techniques: at least one technique is required",
        "out_of_service_reason: required when the instrument is out of service",
    ]
    assert quantity_problems("abc", "mg") == ["quantity: 'abc' is not a number"]
    assert quantity_problems("-1", "") == [
        "quantity: must not be negative",
        "quantity_unit: required",
    ]


def test_lots_are_trimmed_and_kept_once_in_order() -> None:
    assert clean_lots("reagents", [" B ", "A", "", "B"]) == ("B", "A")
    with pytest.raises(InvalidArgument, match="reagents: a lot number has at most 40"):
        clean_lots("reagents", ["x" * 41])


def test_what_expires_within_thirty_days_is_listed_expired_included() -> None:
    assert expiring(date(2026, 7, 15), TODAY)
    assert not expiring(date(2026, 7, 16), TODAY)
    assert expiring(date(2020, 1, 1), TODAY)
