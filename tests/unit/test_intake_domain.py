"""Intake's rules without I/O: validation messages, turnaround targets, numbering, status changes."""

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from kernel.errors import FailedPrecondition, InvalidArgument
from kernel.lifecycle import SampleStatus
from services.intake import domain
from services.intake.domain import (
    NewRequest,
    NewSample,
    Priority,
    Purpose,
    check_status_change,
    format_lab_number,
    format_request_id,
    lab_year,
    parse_time,
    sample_filter,
    search_text,
    sla_target_days,
    status_detail,
    validate_request,
)

SAMPLE = NewSample(
    product_code="PARA-500-TAB",
    product_name="Paracetamol 500 mg tablets",
    batch_number="B2401",
    manufacturer="Pharma Atlas",
    manufacture_date="2025-01-10",
    expiry_date="2028-01-09",
    quantity="100",
    quantity_unit="tablets",
)
REQUEST = NewRequest(request_key="k1", purpose="batch_release", samples=(SAMPLE,))


def refusal(request: NewRequest, actor: str = "reception") -> str:
    """The message of validating a request that must be refused."""
    with pytest.raises(InvalidArgument) as caught:
        validate_request(request, actor)
    return caught.value.message


@pytest.mark.parametrize(
    ("purpose", "routine", "urgent"),
    [
        (Purpose.SUSPECTED_FALSIFIED, 3, 2),
        (Purpose.COMPLAINT, 10, 5),
        (Purpose.BATCH_RELEASE, 15, 8),
        (Purpose.MARKET_SURVEILLANCE, 30, 15),
        (Purpose.REGISTRATION, 60, 30),
    ],
)
def test_urgent_halves_the_purpose_target_rounded_up(
    purpose: Purpose, routine: int, urgent: int
) -> None:
    assert sla_target_days(purpose, Priority.ROUTINE) == routine
    assert sla_target_days(purpose, Priority.URGENT) == urgent


def test_urgent_target_is_never_below_one_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(domain.TURNAROUND_DAYS, Purpose.COMPLAINT, 1)
    assert sla_target_days(Purpose.COMPLAINT, Priority.URGENT) == 1


def test_numbers_are_zero_padded_to_five_digits() -> None:
    assert format_lab_number("LNCM", 2026, 1) == "LNCM-2026-00001"
    assert format_lab_number("QC", 2027, 12345) == "QC-2027-12345"
    assert format_request_id(2026, 42) == "REQ-2026-00042"


def test_the_numbering_year_is_the_lab_s_calendar_year() -> None:
    rabat = ZoneInfo("Africa/Casablanca")  # UTC+1 in winter
    assert lab_year(datetime(2025, 12, 31, 22, 59, tzinfo=UTC), rabat) == 2025
    assert lab_year(datetime(2025, 12, 31, 23, 1, tzinfo=UTC), rabat) == 2026


def test_a_valid_request_is_cleaned_and_given_its_target() -> None:
    draft = validate_request(
        replace(REQUEST, request_key=" k1 ", samples=(replace(SAMPLE, batch_number=" B2401 "),)),
        "reception",
    )
    assert draft.request_key == "k1"
    assert draft.requester == "reception"  # defaults to the actor
    assert draft.priority is Priority.ROUTINE  # not set means routine
    assert draft.sla_target_days == 15
    only = draft.samples[0]
    assert (only.batch_number, only.quantity) == ("B2401", "100")
    assert (only.manufacture_date, only.expiry_date) == (date(2025, 1, 10), date(2028, 1, 9))


def test_a_named_requester_owns_the_request() -> None:
    assert validate_request(replace(REQUEST, requester="inspector"), "reception").requester == (
        "inspector"
    )


def test_expiry_before_manufacture_is_refused_naming_the_sample() -> None:
    late = replace(SAMPLE, manufacture_date="2026-01-01", expiry_date="2025-01-01")
    assert refusal(replace(REQUEST, samples=(SAMPLE, late))) == (
        "samples[1].expiry_date: expiry 2025-01-01 is before manufacture 2026-01-01"
    )


def test_expiry_on_the_day_of_manufacture_is_allowed() -> None:
    same_day = replace(SAMPLE, manufacture_date="2026-01-01", expiry_date="2026-01-01")
    assert validate_request(replace(REQUEST, samples=(same_day,)), "reception").samples


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"purpose": ""}, "purpose: required (one of registration, batch_release,"),
        ({"purpose": "curiosity"}, "purpose: unknown value 'curiosity'"),
        ({"priority": "asap"}, "priority: unknown value 'asap'"),
        ({"samples": ()}, "samples: at least one sample is required"),
        ({"samples": (SAMPLE,) * 5001}, "samples: at most 5000 per request (got 5001)"),
        ({"request_key": "  "}, "request_key: required"),
        ({"requester": "x" * 101}, "requester: at most 100 characters (got 101)"),
    ],
)
def test_bad_request_fields_are_named(change: dict[str, object], message: str) -> None:
    assert message in refusal(replace(REQUEST, **change))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"batch_number": ""}, "samples[0].batch_number: required"),
        ({"product_code": ""}, "samples[0].product_code: required"),
        ({"product_name": " "}, "samples[0].product_name: required"),
        ({"quantity": ""}, "samples[0].quantity: required (a positive decimal"),
        ({"quantity": "0"}, "samples[0].quantity: must be positive (got 0)"),
        ({"quantity": "-3"}, "samples[0].quantity: '-3' is not a decimal number"),
        ({"quantity": "1e3"}, "samples[0].quantity: '1e3' is not a decimal number"),
        ({"quantity": "NaN"}, "samples[0].quantity: 'NaN' is not a decimal number"),
        ({"manufacture_date": "2025-02-30"}, "samples[0].manufacture_date: '2025-02-30' is not"),
        ({"expiry_date": "20280109"}, "samples[0].expiry_date: '20280109' is not an ISO 8601"),
    ],
)
def test_bad_sample_fields_are_named(change: dict[str, object], message: str) -> None:
    sample = replace(SAMPLE, **change)  # type: ignore[arg-type]
    assert message in refusal(replace(REQUEST, samples=(sample,)))


def test_every_problem_is_reported_at_once() -> None:
    sample = replace(SAMPLE, batch_number="", quantity="0")
    message = refusal(replace(REQUEST, purpose="", samples=(sample,)), actor="")
    assert message.split("; ") == [
        "actor.username: required",
        "purpose: required (one of registration, batch_release, market_surveillance, "
        "complaint, suspected_falsified)",
        "samples[0].batch_number: required",
        "samples[0].quantity: must be positive (got 0)",
    ]


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (SampleStatus.ON_HOLD, "reason: required to put a sample on hold"),
        (SampleStatus.CANCELLED, "reason: required to cancel a sample"),
    ],
)
def test_hold_and_cancel_need_a_reason(new: SampleStatus, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        check_status_change(SampleStatus.IN_TESTING, new, None, "  ")


def test_a_hold_resumes_only_to_where_it_was() -> None:
    check_status_change(SampleStatus.ON_HOLD, SampleStatus.IN_TESTING, SampleStatus.IN_TESTING, "")
    with pytest.raises(FailedPrecondition, match=r"a hold resumes to in_testing"):
        check_status_change(
            SampleStatus.ON_HOLD, SampleStatus.RECEIVED, SampleStatus.IN_TESTING, ""
        )


def test_receipt_is_not_a_status_change() -> None:
    with pytest.raises(FailedPrecondition, match="only through the receipt check"):
        check_status_change(SampleStatus.REGISTERED, SampleStatus.RECEIVED, None, "")


def test_a_skipped_step_is_refused() -> None:
    with pytest.raises(FailedPrecondition, match="cannot go from received to released"):
        check_status_change(SampleStatus.RECEIVED, SampleStatus.RELEASED, None, "")


def test_status_detail_shows_the_move_and_its_reason() -> None:
    assert status_detail(SampleStatus.IN_TESTING, SampleStatus.IN_REVIEW, "") == (
        "in_testing -> in_review"
    )
    assert status_detail(SampleStatus.IN_TESTING, SampleStatus.ON_HOLD, "HPLC down") == (
        "in_testing -> on_hold: HPLC down"
    )


def test_times_need_an_offset() -> None:
    assert parse_time("at", "2026-03-02T10:00:00+01:00") == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert parse_time("at", "") is None
    with pytest.raises(InvalidArgument, match=r"^at: '2026-03-02T10:00:00' is not an RFC 3339"):
        parse_time("at", "2026-03-02T10:00:00")
    with pytest.raises(InvalidArgument, match=r"^due_at: required"):
        parse_time("due_at", "", required=True)


def test_list_filters_default_and_bound_the_page() -> None:
    spec = sample_filter(statuses=["received", "received"], purpose="complaint", text=" Para ")
    assert (spec.page_size, spec.offset, spec.text) == (50, 0, "Para")
    assert spec.statuses == (SampleStatus.RECEIVED,)
    assert spec.purpose is Purpose.COMPLAINT
    with pytest.raises(InvalidArgument, match=r"page_size: must be between 1 and 500 \(got 501\)"):
        sample_filter(page_size=501)
    with pytest.raises(InvalidArgument, match=r"offset: must not be negative"):
        sample_filter(offset=-1)
    with pytest.raises(InvalidArgument, match=r"statuses\[1\]: a status must be set"):
        sample_filter(statuses=["received", ""])


def test_search_text_is_lowercase_one_field_per_line() -> None:
    assert search_text("LNCM-2026-00001", "Paracétamol", "B1", "Atlas") == (
        "lncm-2026-00001\nparacétamol\nb1\natlas"
    )
