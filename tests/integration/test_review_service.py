"""ReviewService over a real gRPC server and a real database (SQLite and PostgreSQL)."""

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import grpc
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from kernel import migrations
from kernel.audit import verify_chain
from kernel.db import Database, sync_url
from kernel.settings import Settings
from lims.common.v1 import common_pb2
from lims.review.v1 import review_pb2, review_pb2_grpc
from services.review import main
from services.review.models import AuditEntry, Base
from tests.support.grpc import serving

if TYPE_CHECKING:
    from lims.review.v1.review_pb2_grpc import ReviewServiceAsyncStub

LAB = "LNCM-2026-00001"
ANALYST = common_pb2.Actor(username="analyst", full_name="Amina Analyst", role="analyst")
REVIEWER = common_pb2.Actor(username="reviewer", full_name="Rachid Reviewer", role="reviewer")
APPROVER = common_pb2.Actor(username="approver", full_name="Aicha Approver", role="approver")


def review(**fields: object) -> review_pb2.RecordReviewRequest:
    """A valid review request; keyword arguments override its fields."""
    values: dict[str, object] = {
        "review_key": f"{LAB}/T1/1",
        "lab_number": LAB,
        "test_id": "T1",
        "attempt": 1,
        "analyst": "analyst",
        "reviewer": REVIEWER,
        "accepted": True,
        "signed_content": "Assay (HPLC): 99.8 % (95.0-105.0) conforms",
    }
    values.update(fields)
    return review_pb2.RecordReviewRequest(**values)  # type: ignore[arg-type]


def approval(**fields: object) -> review_pb2.RecordApprovalRequest:
    """A valid approval request; keyword arguments override its fields."""
    values: dict[str, object] = {
        "lab_number": LAB,
        "approver": APPROVER,
        "analysts": ["analyst"],
        "reviewers": ["reviewer"],
        "conclusion": common_pb2.CONFORMITY_CONFORMS,
        "signed_content": f"certificate of {LAB}: conforms",
    }
    values.update(fields)
    return review_pb2.RecordApprovalRequest(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def review_service(
    database_url: str, settings: Settings | None = None
) -> AsyncIterator[tuple["ReviewServiceAsyncStub", Database]]:
    """The service, migrated and served on a free port, and its database."""
    settings = settings or Settings()
    db = Database(database_url)
    await main.setup(db, settings)
    try:
        async with serving(main.register(db, settings), main.SERVICE_NAMES) as channel:
            yield review_pb2_grpc.ReviewServiceStub(channel), db  # type: ignore[misc]
    finally:
        await db.dispose()


async def refused(call: object, code: grpc.StatusCode) -> str:
    """Awaits a call that must fail with `code`; returns its message."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code() == code, caught.value.details()
    return str(caught.value.details())


def test_migrations_produce_exactly_the_models_schema(database_url: str) -> None:
    migrations.upgrade("review", database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


async def test_reviewer_records_a_signed_review(database_url: str) -> None:
    async with review_service(database_url) as (stub, _):
        recorded = await stub.RecordReview(review())
    assert recorded.review_id
    assert (recorded.lab_number, recorded.test_id, recorded.attempt) == (LAB, "T1", 1)
    assert recorded.accepted
    signature = recorded.signature
    assert signature.meaning == common_pb2.SIGNATURE_MEANING_REVIEWED
    assert (signature.username, signature.full_name) == ("reviewer", "Rachid Reviewer")
    assert (signature.record_kind, signature.record_id, signature.lab_number) == (
        "test_review",
        "T1",
        LAB,
    )
    assert signature.signed_at.endswith("Z")
    expected = hashlib.sha256(review().signed_content.encode("utf-8")).hexdigest()
    assert signature.content_hash == expected


async def test_analyst_cannot_review_own_result(database_url: str) -> None:
    async with review_service(database_url) as (stub, _):
        message = await refused(
            stub.RecordReview(review(reviewer=ANALYST)), grpc.StatusCode.PERMISSION_DENIED
        )
        assert "cannot review a result they entered" in message
        listed = await stub.ListSignatures(review_pb2.ListSignaturesRequest(lab_number=LAB))
    assert list(listed.signatures) == []


async def test_review_is_idempotent_on_its_key(database_url: str) -> None:
    async with review_service(database_url) as (stub, _):
        first = await stub.RecordReview(review())
        again = await stub.RecordReview(review())
        listed = await stub.ListSignatures(review_pb2.ListSignaturesRequest(lab_number=LAB))
    assert again == first
    assert [s.signature_id for s in listed.signatures] == [first.signature.signature_id]


async def test_a_review_key_cannot_be_reused_for_another_decision(database_url: str) -> None:
    async with review_service(database_url) as (stub, _):
        await stub.RecordReview(review())
        message = await refused(
            stub.RecordReview(review(accepted=False, reason="redo")),
            grpc.StatusCode.ALREADY_EXISTS,
        )
    assert "review_key" in message


async def test_an_attempt_is_reviewed_once(database_url: str) -> None:
    async with review_service(database_url) as (stub, _):
        await stub.RecordReview(review(accepted=False, reason="integration of peak 2 is wrong"))
        message = await refused(
            stub.RecordReview(review(review_key="another-key")),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        # The analyst's next attempt can be reviewed.
        second = await stub.RecordReview(review(review_key=f"{LAB}/T1/2", attempt=2))
    assert "already reviewed" in message
    assert second.accepted


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"review_key": ""}, "review_key"),
        ({"lab_number": ""}, "lab_number"),
        ({"test_id": ""}, "test_id"),
        ({"attempt": 0}, "attempt"),
        ({"reviewer": common_pb2.Actor(full_name="Nobody")}, "reviewer.username"),
        ({"accepted": False}, "reason"),
    ],
)
async def test_review_with_a_missing_field_is_invalid(
    database_url: str, fields: dict[str, object], field: str
) -> None:
    async with review_service(database_url) as (stub, _):
        message = await refused(
            stub.RecordReview(review(**fields)), grpc.StatusCode.INVALID_ARGUMENT
        )
    assert field in message


async def test_approver_records_a_signed_approval(database_url: str) -> None:
    async with review_service(database_url) as (stub, _):
        approved = await stub.RecordApproval(approval())
    assert approved.lab_number == LAB
    assert approved.conclusion == common_pb2.CONFORMITY_CONFORMS
    signature = approved.signature
    assert signature.meaning == common_pb2.SIGNATURE_MEANING_APPROVED
    assert (signature.record_kind, signature.record_id) == ("sample_approval", LAB)
    assert (signature.username, signature.full_name) == ("approver", "Aicha Approver")


async def test_analyst_of_the_sample_cannot_approve_it(database_url: str) -> None:
    async with review_service(database_url) as (stub, _):
        message = await refused(
            stub.RecordApproval(approval(approver=ANALYST)), grpc.StatusCode.PERMISSION_DENIED
        )
    assert "whose results they entered" in message


async def test_reviewer_of_the_sample_cannot_approve_it_by_default(database_url: str) -> None:
    async with review_service(database_url) as (stub, _):
        message = await refused(
            stub.RecordApproval(approval(approver=REVIEWER)), grpc.StatusCode.PERMISSION_DENIED
        )
    assert "whose results they reviewed" in message


async def test_reviews_recorded_here_count_even_when_the_caller_omits_them(
    database_url: str,
) -> None:
    async with review_service(database_url) as (stub, _):
        await stub.RecordReview(review())
        await refused(
            stub.RecordApproval(approval(approver=REVIEWER, analysts=[], reviewers=[])),
            grpc.StatusCode.PERMISSION_DENIED,
        )
        await refused(
            stub.RecordApproval(approval(approver=ANALYST, analysts=[], reviewers=[])),
            grpc.StatusCode.PERMISSION_DENIED,
        )


async def test_reviewer_may_approve_when_the_lab_allows_it(database_url: str) -> None:
    settings = Settings(allow_reviewer_as_approver=True)
    async with review_service(database_url, settings) as (stub, _):
        await stub.RecordReview(review())
        approved = await stub.RecordApproval(approval(approver=REVIEWER))
        # Still never the analyst.
        await refused(
            stub.RecordApproval(approval(lab_number="LNCM-2026-00002", approver=ANALYST)),
            grpc.StatusCode.PERMISSION_DENIED,
        )
    assert approved.signature.username == "reviewer"


async def test_approval_is_idempotent_and_refuses_a_second_approver(database_url: str) -> None:
    other = common_pb2.Actor(username="head", full_name="Hassan Head", role="approver")
    async with review_service(database_url) as (stub, _):
        first = await stub.RecordApproval(approval())
        again = await stub.RecordApproval(approval())
        message = await refused(
            stub.RecordApproval(approval(approver=other)), grpc.StatusCode.FAILED_PRECONDITION
        )
        listed = await stub.ListSignatures(review_pb2.ListSignaturesRequest(lab_number=LAB))
    assert again == first
    assert "already approved by Aicha Approver (approver)" in message
    assert len(listed.signatures) == 1


async def test_approval_without_a_conclusion_is_invalid(database_url: str) -> None:
    async with review_service(database_url) as (stub, _):
        message = await refused(
            stub.RecordApproval(approval(conclusion=common_pb2.CONFORMITY_UNSPECIFIED)),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
    assert "conclusion" in message


async def test_signatures_are_listed_oldest_first_with_their_content_hashes(
    database_url: str,
) -> None:
    contents = {"T1": "Assay: 99.8 %", "T2": "Dissolution: 92 % — conforme"}
    async with review_service(database_url) as (stub, db):
        for test_id, content in contents.items():
            await stub.RecordReview(
                review(review_key=f"{LAB}/{test_id}/1", test_id=test_id, signed_content=content)
            )
        await stub.RecordApproval(approval(signed_content="certificate"))
        await stub.RecordReview(review(lab_number="LNCM-2026-00009", review_key="other"))
        listed = await stub.ListSignatures(review_pb2.ListSignaturesRequest(lab_number=LAB))
        check = await db.read_call(verify_chain, AuditEntry)
    signed = [*contents.values(), "certificate"]
    assert [s.record_id for s in listed.signatures] == ["T1", "T2", LAB]
    assert [s.content_hash for s in listed.signatures] == [
        hashlib.sha256(text.encode("utf-8")).hexdigest() for text in signed
    ]
    assert [s.signed_at for s in listed.signatures] == sorted(
        s.signed_at for s in listed.signatures
    )
    # Each signed decision writes two entries: the signature and the decision.
    assert (check.entries, check.broken_at) == (8, None)


async def test_listing_signatures_needs_a_lab_number(database_url: str) -> None:
    async with review_service(database_url) as (stub, _):
        await refused(
            stub.ListSignatures(review_pb2.ListSignaturesRequest()),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
