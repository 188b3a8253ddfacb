"""Every query of the review service."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.review.models import Approval, Review, Signature


async def review_by_key(session: AsyncSession, review_key: str) -> Review | None:
    """The review recorded under an idempotency key, with its signature."""
    return await session.scalar(
        select(Review)
        .options(selectinload(Review.signature))
        .where(Review.review_key == review_key)
    )


async def review_of_attempt(
    session: AsyncSession, lab_number: str, test_id: str, attempt: int
) -> Review | None:
    """The review of one attempt of one test, if any."""
    return await session.scalar(
        select(Review).where(
            Review.lab_number == lab_number, Review.test_id == test_id, Review.attempt == attempt
        )
    )


async def reviews_of_sample(session: AsyncSession, lab_number: str) -> Sequence[Review]:
    """Every review of a sample's results."""
    result = await session.scalars(select(Review).where(Review.lab_number == lab_number))
    return result.all()


async def approval_of(session: AsyncSession, lab_number: str) -> Approval | None:
    """The approval of a sample, with its signature, if any."""
    return await session.scalar(
        select(Approval)
        .options(selectinload(Approval.signature))
        .where(Approval.lab_number == lab_number)
    )


async def signatures_of_sample(session: AsyncSession, lab_number: str) -> Sequence[Signature]:
    """A sample's signatures, oldest first."""
    result = await session.scalars(
        select(Signature).where(Signature.lab_number == lab_number).order_by(Signature.seq)
    )
    return result.all()
