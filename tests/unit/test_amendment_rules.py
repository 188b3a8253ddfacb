"""Pure rules of corrections and amendments: who may amend, how versions are numbered, what a
correction changes."""

import pytest

from kernel.errors import FailedPrecondition, InvalidArgument
from lims.common.v1 import common_pb2
from lims.testing.v1 import testing_pb2
from services.gateway import amendment_rules
from services.intake.corrections import CORRECTABLE, Change, changes
from services.reporting.domain import validate_amendment, version_report_number

CURRENT = {field: "" for field in CORRECTABLE} | {
    "product_name": "Paracetamol 500 mg tablets",
    "batch_number": "PT24117",
    "manufacture_date": "2025-03-01",
    "expiry_date": "2028-02-29",
}


def test_versions_keep_the_report_number_and_add_their_own_suffix() -> None:
    assert version_report_number("COA-2026-00001", 1) == "COA-2026-00001"
    assert version_report_number("COA-2026-00001", 3) == "COA-2026-00001-V3"


def test_an_amendment_says_what_it_replaces_and_why() -> None:
    with pytest.raises(InvalidArgument, match="reason"):
        validate_amendment(replaces="COA-2026-00001", reason="  ")
    with pytest.raises(InvalidArgument, match="replaces"):
        validate_amendment(replaces="", reason="typo")


def test_whoever_entered_or_reviewed_a_result_may_not_amend() -> None:
    plan = testing_pb2.TestPlan(
        tests=[
            testing_pb2.Test(
                results=[testing_pb2.Result(submitted_by=common_pb2.Actor(username="analyst"))]
            )
        ]
    )
    reviews = [common_pb2.Signature(username="Reviewer", record_kind="test_review")]
    analysts = amendment_rules.analysts_of(plan)
    reviewers = amendment_rules.reviewers_of(reviews)
    refusal = amendment_rules.refusal
    assert (
        refusal(
            "approver", analysts=analysts, reviewers=reviewers, allow_reviewer_as_approver=False
        )
        is None
    )
    assert "entered" in (
        refusal("analyst", analysts=analysts, reviewers=reviewers, allow_reviewer_as_approver=True)
        or ""
    )
    assert "reviewed" in (
        refusal(
            "reviewer", analysts=analysts, reviewers=reviewers, allow_reviewer_as_approver=False
        )
        or ""
    )
    assert (
        refusal("reviewer", analysts=analysts, reviewers=reviewers, allow_reviewer_as_approver=True)
        is None
    )


def test_a_correction_lists_only_the_fields_that_change() -> None:
    made = changes(
        CURRENT,
        {"batch_number": " PT24171 ", "product_name": "Paracetamol 500 mg tablets"},
        status="released",
        reason="digits swapped",
    )
    assert made == [Change("batch_number", "PT24117", "PT24171")]
    assert changes(CURRENT, {"batch_number": "PT24117"}, status="released", reason="x") == []


@pytest.mark.parametrize(
    ("asked", "status", "reason", "error", "message"),
    [
        ({"batch_number": "X"}, "cancelled", "r", FailedPrecondition, "cancelled"),
        ({"batch_number": "X"}, "released", " ", InvalidArgument, "reason"),
        ({}, "released", "r", InvalidArgument, "details"),
        ({"requester": "x"}, "released", "r", InvalidArgument, "details.requester"),
        ({"product_name": " "}, "released", "r", InvalidArgument, "details.product_name"),
        ({"expiry_date": "2028-13-01"}, "released", "r", InvalidArgument, "details.expiry_date"),
        (
            {"manufacture_date": "2029-01-01"},
            "released",
            "r",
            InvalidArgument,
            "before manufacture",
        ),
        ({"batch_number": "B" * 101}, "released", "r", InvalidArgument, "details.batch_number"),
    ],
)
def test_a_bad_correction_is_refused_naming_the_field(
    asked: dict[str, str], status: str, reason: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        changes(CURRENT, asked, status=status, reason=reason)
