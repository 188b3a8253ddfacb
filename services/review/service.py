"""Use cases of the review service. Each takes the caller's session, flushes, never commits."""

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from kernel import audit
from kernel.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from kernel.timefmt import to_rfc3339, utcnow
from services.review import repository
from services.review.domain import (
    ApprovalRequest,
    Meaning,
    RecordKind,
    ReviewRequest,
    Signer,
    check_approver,
    check_meaning,
    check_reviewer,
    content_hash,
    review_matches,
    same_person,
    validate_approval,
    validate_review,
)
from services.review.models import Approval, AuditEntry, AuditHead, Review, Signature


def _who(signer: Signer) -> audit.Who:
    return audit.Who(signer.username, signer.full_name, signer.role)


def signature_view(signature: Signature) -> dict[str, str]:
    """What the audit trail records of a signature."""
    return {
        "signature_id": signature.signature_id,
        "username": signature.username,
        "full_name": signature.full_name,
        "meaning": signature.meaning.value,
        "signed_at": to_rfc3339(signature.signed_at),
        "content_hash": signature.content_hash,
        "record_kind": signature.record_kind.value,
        "record_id": signature.record_id,
        "lab_number": signature.lab_number,
    }


def _sign(
    session: Session,
    *,
    signer: Signer,
    meaning: Meaning,
    signed_content: str,
    record_kind: RecordKind,
    record_id: str,
    lab_number: str,
) -> Signature:
    signature = Signature(
        signature_id=str(uuid.uuid4()),
        username=signer.username,
        full_name=signer.full_name,
        role=signer.role,
        meaning=check_meaning(meaning),
        signed_at=utcnow(),
        signed_content=signed_content,
        content_hash=content_hash(signed_content),
        record_kind=record_kind,
        record_id=record_id,
        lab_number=lab_number,
    )
    session.add(signature)
    session.flush()
    audit.record(
        session,
        AuditEntry,
        AuditHead,
        who=_who(signer),
        action="signed",
        entity_type="signature",
        entity_id=signature.signature_id,
        new=signature_view(signature),
        at=signature.signed_at,
    )
    return signature


def record_review(session: Session, request: ReviewRequest) -> Review:
    """Records a reviewer's signed decision on one result; idempotent on review_key."""
    validate_review(request)
    existing = repository.review_by_key(session, request.review_key)
    if existing is not None:
        if not review_matches(
            request,
            lab_number=existing.lab_number,
            test_id=existing.test_id,
            attempt=existing.attempt,
            reviewer=existing.reviewer,
            accepted=existing.accepted,
        ):
            raise AlreadyExists(
                f"review_key {request.review_key!r} was already used for the review of test"
                f" {existing.test_id} attempt {existing.attempt} of {existing.lab_number}"
                f" by {existing.reviewer}: use a new key for a different review"
            )
        return existing
    check_reviewer(analyst=request.analyst, reviewer=request.reviewer.username)
    earlier = repository.review_of_attempt(
        session, request.lab_number, request.test_id, request.attempt
    )
    if earlier is not None:
        decision = "accepted" if earlier.accepted else "sent back"
        raise FailedPrecondition(
            f"attempt {request.attempt} of test {request.test_id} was already reviewed"
            f" ({decision} by {earlier.reviewer}); a new result must be entered first"
        )
    signature = _sign(
        session,
        signer=request.reviewer,
        meaning=Meaning.REVIEWED,
        signed_content=request.signed_content,
        record_kind=RecordKind.TEST_REVIEW,
        record_id=request.test_id,
        lab_number=request.lab_number,
    )
    review = Review(
        review_id=str(uuid.uuid4()),
        review_key=request.review_key,
        lab_number=request.lab_number,
        test_id=request.test_id,
        attempt=request.attempt,
        analyst=request.analyst,
        reviewer=request.reviewer.username,
        accepted=request.accepted,
        reason=request.reason,
        signature=signature,
        created_at=signature.signed_at,
    )
    session.add(review)
    session.flush()
    audit.record(
        session,
        AuditEntry,
        AuditHead,
        who=_who(request.reviewer),
        action="accepted" if request.accepted else "sent_back",
        entity_type=RecordKind.TEST_REVIEW.value,
        entity_id=request.test_id,
        new={
            "review_id": review.review_id,
            "lab_number": review.lab_number,
            "test_id": review.test_id,
            "attempt": review.attempt,
            "analyst": review.analyst,
            "accepted": review.accepted,
            "signature_id": signature.signature_id,
        },
        reason=request.reason,
        at=signature.signed_at,
    )
    return review


def record_approval(
    session: Session, request: ApprovalRequest, *, allow_reviewer_as_approver: bool
) -> Approval:
    """Records the signed approval of a sample's certificate; idempotent on lab_number."""
    conclusion = validate_approval(request)
    existing = repository.approval_of(session, request.lab_number)
    if existing is not None:
        if same_person(existing.approver, request.approver.username):
            return existing
        raise FailedPrecondition(
            f"sample {request.lab_number} is already approved by"
            f" {existing.signature.full_name} ({existing.approver})"
            f" at {to_rfc3339(existing.signature.signed_at)}"
        )
    # The reviews this service recorded count too, whatever the caller remembered to send.
    recorded = repository.reviews_of_sample(session, request.lab_number)
    analysts = [*request.analysts, *(r.analyst for r in recorded)]
    reviewers = [*request.reviewers, *(r.reviewer for r in recorded)]
    check_approver(
        approver=request.approver.username,
        analysts=analysts,
        reviewers=reviewers,
        allow_reviewer_as_approver=allow_reviewer_as_approver,
    )
    signature = _sign(
        session,
        signer=request.approver,
        meaning=Meaning.APPROVED,
        signed_content=request.signed_content,
        record_kind=RecordKind.SAMPLE_APPROVAL,
        record_id=request.lab_number,
        lab_number=request.lab_number,
    )
    approval = Approval(
        lab_number=request.lab_number,
        approver=request.approver.username,
        conclusion=conclusion,
        analysts=sorted(set(analysts)),
        reviewers=sorted(set(reviewers)),
        signature=signature,
        created_at=signature.signed_at,
    )
    session.add(approval)
    session.flush()
    audit.record(
        session,
        AuditEntry,
        AuditHead,
        who=_who(request.approver),
        action="approved",
        entity_type=RecordKind.SAMPLE_APPROVAL.value,
        entity_id=request.lab_number,
        new={
            "lab_number": approval.lab_number,
            "conclusion": approval.conclusion.value,
            "analysts": approval.analysts,
            "reviewers": approval.reviewers,
            "signature_id": signature.signature_id,
        },
        at=signature.signed_at,
    )
    return approval


def list_signatures(session: Session, lab_number: str) -> Sequence[Signature]:
    """A sample's signatures, oldest first (empty when it has none)."""
    if not lab_number.strip():
        raise InvalidArgument("lab_number is required: the sample whose signatures to list")
    return repository.signatures_of_sample(session, lab_number)
