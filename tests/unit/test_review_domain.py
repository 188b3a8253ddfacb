"""Separation of duties, signature hashing and input rules of the review service, without I/O."""

import hashlib
from dataclasses import replace

import pytest

from kernel.errors import InvalidArgument, PermissionDenied
from services.review.domain import (
    ApprovalRequest,
    Conformity,
    Meaning,
    ReviewRequest,
    Signer,
    check_approver,
    check_meaning,
    check_reviewer,
    content_hash,
    review_matches,
    validate_approval,
    validate_review,
)


def review_request(**changes: object) -> ReviewRequest:
    base = ReviewRequest(
        review_key="LNCM-2026-00001/T1/1",
        lab_number="LNCM-2026-00001",
        test_id="T1",
        attempt=1,
        analyst="analyst",
        reviewer=Signer("reviewer", "Rachid Reviewer", "reviewer"),
        accepted=True,
        reason="",
        signed_content="Assay: 99.8 %",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def approval_request(**changes: object) -> ApprovalRequest:
    base = ApprovalRequest(
        lab_number="LNCM-2026-00001",
        approver=Signer("approver", "Aicha Approver", "approver"),
        analysts=("analyst",),
        reviewers=("reviewer",),
        conclusion="conforms",
        signed_content="certificate of LNCM-2026-00001",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_analyst_cannot_review_own_result() -> None:
    with pytest.raises(PermissionDenied, match="cannot review a result they entered"):
        check_reviewer(analyst="analyst", reviewer="analyst")


def test_separation_of_duties_ignores_case_and_blanks_in_login_names() -> None:
    with pytest.raises(PermissionDenied):
        check_reviewer(analyst="Analyst ", reviewer="analyst")


def test_another_person_may_review_a_result() -> None:
    check_reviewer(analyst="analyst", reviewer="reviewer")


def test_analyst_of_a_sample_cannot_approve_it() -> None:
    with pytest.raises(PermissionDenied, match="whose results they entered"):
        check_approver(
            approver="analyst2",
            analysts=["analyst", "analyst2"],
            reviewers=["reviewer"],
            allow_reviewer_as_approver=True,
        )


def test_reviewer_of_a_sample_cannot_approve_it_by_default() -> None:
    with pytest.raises(PermissionDenied, match="whose results they reviewed"):
        check_approver(
            approver="reviewer",
            analysts=["analyst"],
            reviewers=["reviewer"],
            allow_reviewer_as_approver=False,
        )


def test_reviewer_may_approve_when_the_lab_allows_it() -> None:
    check_approver(
        approver="reviewer",
        analysts=["analyst"],
        reviewers=["reviewer"],
        allow_reviewer_as_approver=True,
    )


def test_an_independent_approver_may_approve() -> None:
    check_approver(
        approver="approver",
        analysts=["analyst"],
        reviewers=["reviewer"],
        allow_reviewer_as_approver=False,
    )


def test_content_hash_is_sha256_hex_of_the_utf8_text() -> None:
    text = "Dosage / Assay : 99,8 % — conforme, مطابق"
    assert content_hash(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert content_hash(text) != content_hash(text + " ")


def test_signature_meaning_must_be_set_and_known() -> None:
    assert check_meaning("reviewed") is Meaning.REVIEWED
    with pytest.raises(InvalidArgument, match="meaning is required"):
        check_meaning("")
    with pytest.raises(InvalidArgument, match="unknown"):
        check_meaning("glanced_at")


def test_a_complete_review_request_is_valid() -> None:
    validate_review(review_request())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"review_key": ""}, "review_key"),
        ({"lab_number": " "}, "lab_number"),
        ({"test_id": ""}, "test_id"),
        ({"attempt": 0}, "attempt"),
        ({"analyst": ""}, "analyst"),
        ({"reviewer": Signer("", "Rachid Reviewer")}, "reviewer.username"),
        ({"reviewer": Signer("reviewer", "")}, "reviewer.full_name"),
        ({"accepted": False, "reason": ""}, "reason"),
        ({"signed_content": ""}, "signed_content"),
    ],
)
def test_review_request_names_the_missing_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument, match=field.replace(".", r"\.")):
        validate_review(review_request(**changes))


def test_sending_back_with_a_reason_is_valid() -> None:
    validate_review(review_request(accepted=False, reason="peak integration wrong"))


def test_approval_request_returns_its_conclusion() -> None:
    assert validate_approval(approval_request()) is Conformity.CONFORMS


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lab_number": ""}, "lab_number"),
        ({"approver": Signer("", "Aicha Approver")}, "approver.username"),
        ({"approver": Signer("approver", " ")}, "approver.full_name"),
        ({"conclusion": ""}, "conclusion"),
        ({"conclusion": "maybe"}, "conclusion"),
        ({"signed_content": ""}, "signed_content"),
    ],
)
def test_approval_request_names_the_missing_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument, match=field.replace(".", r"\.")):
        validate_approval(approval_request(**changes))


def test_a_retry_matches_the_review_recorded_under_its_key() -> None:
    request = review_request()

    def recorded(attempt: int = 1, accepted: bool = True) -> bool:
        return review_matches(
            request,
            lab_number="LNCM-2026-00001",
            test_id="T1",
            attempt=attempt,
            reviewer="reviewer",
            accepted=accepted,
        )

    assert recorded()
    assert not recorded(accepted=False)
    assert not recorded(attempt=2)
