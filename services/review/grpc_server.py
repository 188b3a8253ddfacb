"""The ReviewService servicer: proto <-> use cases; each call owns its transaction."""

from typing import Any

from sqlalchemy.orm import Session

from kernel.db import Database
from kernel.proto_enums import enum_to_str, str_to_enum
from kernel.settings import Settings
from kernel.timefmt import to_rfc3339
from lims.common.v1 import common_pb2
from lims.review.v1 import review_pb2, review_pb2_grpc
from services.review import service
from services.review.domain import ApprovalRequest, ReviewRequest, Signer
from services.review.models import Approval, Review, Signature


def _signer(actor: common_pb2.Actor) -> Signer:
    return Signer(actor.username, actor.full_name, actor.role)


def signature_message(signature: Signature) -> common_pb2.Signature:
    """The wire form of a stored signature."""
    return common_pb2.Signature(
        signature_id=signature.signature_id,
        username=signature.username,
        full_name=signature.full_name,
        meaning=str_to_enum(common_pb2.SignatureMeaning, signature.meaning.value),
        signed_at=to_rfc3339(signature.signed_at),
        content_hash=signature.content_hash,
        record_kind=signature.record_kind.value,
        record_id=signature.record_id,
        lab_number=signature.lab_number,
    )


def review_message(review: Review) -> review_pb2.Review:
    """The wire form of a stored review."""
    return review_pb2.Review(
        review_id=review.review_id,
        lab_number=review.lab_number,
        test_id=review.test_id,
        attempt=review.attempt,
        accepted=review.accepted,
        reason=review.reason,
        signature=signature_message(review.signature),
    )


def approval_message(approval: Approval) -> review_pb2.Approval:
    """The wire form of a stored approval."""
    return review_pb2.Approval(
        lab_number=approval.lab_number,
        conclusion=str_to_enum(common_pb2.Conformity, approval.conclusion.value),
        signature=signature_message(approval.signature),
    )


class ReviewServicer(review_pb2_grpc.ReviewServiceServicer):
    """Records signed review and approval decisions.

    Each call runs one synchronous unit of work (use case and proto conversion) in a worker
    thread, so every ORM attribute is read inside the session's own thread."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def RecordReview(
        self, request: review_pb2.RecordReviewRequest, context: Any
    ) -> review_pb2.Review:
        """Records a reviewer's decision with its signature."""
        return await self.db.write_call(self._record_review, request)

    async def RecordApproval(
        self, request: review_pb2.RecordApprovalRequest, context: Any
    ) -> review_pb2.Approval:
        """Records the approval of a sample's certificate with its signature."""
        return await self.db.write_call(self._record_approval, request)

    async def ListSignatures(
        self, request: review_pb2.ListSignaturesRequest, context: Any
    ) -> review_pb2.ListSignaturesResponse:
        """Lists a sample's signatures, oldest first."""
        return await self.db.read_call(self._list_signatures, request)

    def _record_review(
        self, session: Session, request: review_pb2.RecordReviewRequest
    ) -> review_pb2.Review:
        asked = ReviewRequest(
            review_key=request.review_key,
            lab_number=request.lab_number,
            test_id=request.test_id,
            attempt=request.attempt,
            analyst=request.analyst,
            reviewer=_signer(request.reviewer),
            accepted=request.accepted,
            reason=request.reason,
            signed_content=request.signed_content,
        )
        return review_message(service.record_review(session, asked))

    def _record_approval(
        self, session: Session, request: review_pb2.RecordApprovalRequest
    ) -> review_pb2.Approval:
        asked = ApprovalRequest(
            lab_number=request.lab_number,
            approver=_signer(request.approver),
            analysts=tuple(request.analysts),
            reviewers=tuple(request.reviewers),
            conclusion=enum_to_str(common_pb2.Conformity, request.conclusion),
            signed_content=request.signed_content,
        )
        approval = service.record_approval(
            session, asked, allow_reviewer_as_approver=self.settings.allow_reviewer_as_approver
        )
        return approval_message(approval)

    def _list_signatures(
        self, session: Session, request: review_pb2.ListSignaturesRequest
    ) -> review_pb2.ListSignaturesResponse:
        signatures = service.list_signatures(session, request.lab_number)
        return review_pb2.ListSignaturesResponse(
            signatures=[signature_message(s) for s in signatures]
        )
