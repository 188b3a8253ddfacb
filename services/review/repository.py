"""Every query of the review service."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from services.review.models import Approval, Review, Signature


def review_by_key(session: Session, review_key: str) -> Review | None:
    """The review recorded under an idempotency key, with its signature."""
    return session.scalar(
        select(Review).options(joinedload(Review.signature)).where(Review.review_key == review_key)
    )


def review_of_attempt(
    session: Session, lab_number: str, test_id: str, attempt: int
) -> Review | None:
    """The review of one attempt of one test, if any."""
    return session.scalar(
        select(Review).where(
            Review.lab_number == lab_number, Review.test_id == test_id, Review.attempt == attempt
        )
    )


def reviews_of_sample(session: Session, lab_number: str) -> Sequence[Review]:
    """Every review of a sample's results."""
    result = session.scalars(select(Review).where(Review.lab_number == lab_number))
    return result.all()


def approval_of(session: Session, lab_number: str) -> Approval | None:
    """The approval of a sample, with its signature, if any."""
    return session.scalar(
        select(Approval)
        .options(joinedload(Approval.signature))
        .where(Approval.lab_number == lab_number)
    )


def signatures_of_sample(session: Session, lab_number: str) -> Sequence[Signature]:
    """A sample's signatures, oldest first."""
    result = session.scalars(
        select(Signature).where(Signature.lab_number == lab_number).order_by(Signature.seq)
    )
    return result.all()
