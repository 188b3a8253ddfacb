"""Pure rules of review and approval: separation of duties, what a signature covers, valid input."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from kernel.errors import InvalidArgument, PermissionDenied


class Meaning(StrEnum):
    """What a signer means by signing (values match lims.common.v1.SignatureMeaning)."""

    AUTHORED = "authored"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    WITNESSED = "witnessed"


class RecordKind(StrEnum):
    """The kind of record a signature is bound to."""

    TEST_REVIEW = "test_review"
    SAMPLE_APPROVAL = "sample_approval"


class Conformity(StrEnum):
    """A sample's overall verdict (values match lims.common.v1.Conformity)."""

    CONFORMS = "conforms"
    DOES_NOT_CONFORM = "does_not_conform"


@dataclass(frozen=True)
class Signer:
    """The person who signs: login name, printed name, role acted under."""

    username: str
    full_name: str
    role: str = ""


@dataclass(frozen=True)
class ReviewRequest:
    """A reviewer's decision on one attempt of one test, as asked."""

    review_key: str
    lab_number: str
    test_id: str
    attempt: int
    analyst: str
    reviewer: Signer
    accepted: bool
    reason: str
    signed_content: str


@dataclass(frozen=True)
class ApprovalRequest:
    """An approver's approval of a sample's certificate, as asked."""

    lab_number: str
    approver: Signer
    analysts: tuple[str, ...]
    reviewers: tuple[str, ...]
    conclusion: str
    signed_content: str


def content_hash(signed_content: str) -> str:
    """The canonical hash of signed content: SHA-256 (hex) of its UTF-8 bytes."""
    return hashlib.sha256(signed_content.encode("utf-8")).hexdigest()


def same_person(a: str, b: str) -> bool:
    """Whether two login names are the same person (case and surrounding blanks ignored)."""
    return a.strip().casefold() == b.strip().casefold()


def check_reviewer(*, analyst: str, reviewer: str) -> None:
    """Refuses a review by the analyst who entered the result."""
    if same_person(analyst, reviewer):
        raise PermissionDenied(
            f"{reviewer} cannot review this result: an analyst cannot review a result"
            " they entered (separation of duties); ask another reviewer"
        )


def check_approver(
    *,
    approver: str,
    analysts: Iterable[str],
    reviewers: Iterable[str],
    allow_reviewer_as_approver: bool,
) -> None:
    """Refuses an approval by an analyst of the sample, or by one of its reviewers unless allowed."""
    if any(same_person(approver, analyst) for analyst in analysts):
        raise PermissionDenied(
            f"{approver} cannot approve this sample: an approver cannot approve a sample"
            " whose results they entered (separation of duties); ask another approver"
        )
    if not allow_reviewer_as_approver and any(same_person(approver, r) for r in reviewers):
        raise PermissionDenied(
            f"{approver} cannot approve this sample: an approver cannot approve a sample"
            " whose results they reviewed (separation of duties); ask another approver"
        )


def check_meaning(meaning: str) -> Meaning:
    """The meaning of a signature; refused when unset or unknown (21 CFR 11.50 requires it)."""
    if not meaning:
        raise InvalidArgument("signature meaning is required (authored, reviewed, approved, ...)")
    try:
        return Meaning(meaning)
    except ValueError:
        choices = ", ".join(m.value for m in Meaning)
        raise InvalidArgument(
            f"signature meaning {meaning!r} is unknown: use one of {choices}"
        ) from None


def _require(value: str, field: str, why: str) -> None:
    if not value.strip():
        raise InvalidArgument(f"{field} is required: {why}")


def _check_signer(signer: Signer, field: str) -> None:
    _require(signer.username, f"{field}.username", "the signer's login name")
    _require(signer.full_name, f"{field}.full_name", "the name printed with the signature")


def validate_review(request: ReviewRequest) -> None:
    """Refuses a review request with a missing or impossible field (naming the field)."""
    _require(request.review_key, "review_key", "the idempotency key of this review")
    _require(request.lab_number, "lab_number", "the sample the result belongs to")
    _require(request.test_id, "test_id", "the test reviewed")
    if request.attempt < 1:
        raise InvalidArgument(
            f"attempt must be 1 or more (the result's attempt number), got {request.attempt}"
        )
    _require(request.analyst, "analyst", "who entered the result, to check separation of duties")
    _check_signer(request.reviewer, "reviewer")
    if not request.accepted:
        _require(request.reason, "reason", "say why the result is sent back to the analyst")
    _require(request.signed_content, "signed_content", "the text the reviewer signs")


def validate_approval(request: ApprovalRequest) -> Conformity:
    """Refuses an approval request with a missing field; returns its conclusion."""
    _require(request.lab_number, "lab_number", "the sample approved")
    _check_signer(request.approver, "approver")
    if not request.conclusion:
        raise InvalidArgument(
            "conclusion is required: conforms or does_not_conform (the overall verdict approved)"
        )
    try:
        conclusion = Conformity(request.conclusion)
    except ValueError:
        raise InvalidArgument(
            f"conclusion {request.conclusion!r} is unknown: use conforms or does_not_conform"
        ) from None
    _require(request.signed_content, "signed_content", "the certificate content the approver signs")
    return conclusion


def review_matches(
    request: ReviewRequest,
    *,
    lab_number: str,
    test_id: str,
    attempt: int,
    reviewer: str,
    accepted: bool,
) -> bool:
    """Whether a retry with the same review key asks for the review already recorded."""
    return (
        request.lab_number == lab_number
        and request.test_id == test_id
        and request.attempt == attempt
        and same_person(request.reviewer.username, reviewer)
        and request.accepted == accepted
    )
