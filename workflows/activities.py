"""The lifecycle's activities: thin, idempotent gRPC calls to the services.

Each takes the key the workflow chose, so a retry changes nothing. A refusal by a service
(bad input, missing record, wrong state, separation of duties) becomes a non-retryable
ApplicationError whose type the gateway maps to an HTTP status; anything else is retried."""

import asyncio
import base64
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import grpc
from temporalio import activity
from temporalio.exceptions import ApplicationError

from kernel.proto_enums import enum_to_str, str_to_enum
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from lims.reporting.v1 import reporting_pb2
from lims.review.v1 import review_pb2
from lims.testing.v1 import investigation_pb2, testing_pb2
from workflows import activity_contracts as ac
from workflows.certificate import canonical_text, certificate_content, result_text
from workflows.contracts import ActorRef, ErrorType, TestState

if TYPE_CHECKING:
    from lims.intake.v1.intake_pb2_grpc import IntakeServiceAsyncStub
    from lims.reporting.v1.reporting_pb2_grpc import ReportingServiceAsyncStub
    from lims.review.v1.review_pb2_grpc import ReviewServiceAsyncStub
    from lims.testing.v1.investigation_pb2_grpc import InvestigationServiceAsyncStub
    from lims.testing.v1.testing_pb2_grpc import TestingServiceAsyncStub

Request = TypeVar("Request")
Response = TypeVar("Response")

# Deadline of one gRPC call; the activity's start-to-close timeout bounds the whole activity.
RPC_TIMEOUT_SECONDS = 10.0

# Refusals the caller must see and a retry cannot fix. ALREADY_EXISTS means "a record with
# that key exists and differs from what was asked": the record is in another state.
_REFUSALS: dict[grpc.StatusCode, ErrorType] = {
    grpc.StatusCode.INVALID_ARGUMENT: ErrorType.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND: ErrorType.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION: ErrorType.FAILED_PRECONDITION,
    grpc.StatusCode.PERMISSION_DENIED: ErrorType.PERMISSION_DENIED,
    grpc.StatusCode.ALREADY_EXISTS: ErrorType.FAILED_PRECONDITION,
}


async def call(rpc: Callable[..., Awaitable[Response]], request: Request) -> Response:
    """One gRPC call; a refusal becomes a non-retryable ApplicationError, other errors retry."""
    try:
        return await rpc(request, timeout=RPC_TIMEOUT_SECONDS)
    except grpc.aio.AioRpcError as error:
        kind = _REFUSALS.get(error.code())
        if kind is None:
            raise
        raise ApplicationError(
            error.details() or str(error.code()), type=kind, non_retryable=True
        ) from None


def actor_pb(actor: ActorRef) -> common_pb2.Actor:
    """The proto Actor of a workflow ActorRef."""
    return common_pb2.Actor(username=actor.username, full_name=actor.full_name, role=actor.role)


def test_state(test: testing_pb2.Test, *, with_detail: bool = False) -> TestState:
    """A testing service Test as the workflow tracks it (`with_detail`: and the whole test)."""
    current = test.results[-1] if test.results else None
    return TestState(
        test_id=test.test_id,
        code=test.spec.code,
        status=enum_to_str(testing_pb2.TestStatus, test.status),
        analyst=test.analyst,
        attempt=current.attempt if current else 0,
        conformity=enum_to_str(common_pb2.Conformity, current.conformity) if current else "",
        test_proto=test_proto(test) if with_detail else "",
    )


def test_proto(test: testing_pb2.Test) -> str:
    """The test as base64 protobuf (what an update passes back to the gateway)."""
    return base64.b64encode(test.SerializeToString()).decode("ascii")


class LifecycleActivities:
    """Activities of SampleLifecycle; the worker builds one with its gRPC stubs."""

    def __init__(
        self,
        intake: "IntakeServiceAsyncStub",
        testing: "TestingServiceAsyncStub",
        review: "ReviewServiceAsyncStub",
        reporting: "ReportingServiceAsyncStub",
        investigations: "InvestigationServiceAsyncStub",
    ) -> None:
        self._intake = intake
        self._testing = testing
        self._review = review
        self._reporting = reporting
        self._investigations = investigations

    @activity.defn(name=ac.RECORD_RECEIPT)
    async def record_receipt(self, request: ac.RecordReceipt) -> ac.ReceiptRecorded:
        """Records the receipt check (idempotent: the same decision returns the same sample).

        An acceptance reads the product's units per analysis from the catalogue first: intake
        owns the rule, testing the figure."""
        units = 0
        if request.accepted and request.product_code:
            product = await call(
                self._testing.GetProduct, testing_pb2.GetProductRequest(code=request.product_code)
            )
            units = product.units_per_analysis
        sample = await call(
            self._intake.RecordReceipt,
            intake_pb2.RecordReceiptRequest(
                lab_number=request.lab_number,
                actor=actor_pb(request.actor),
                accepted=request.accepted,
                condition=request.condition,
                quantity_received=request.quantity_received,
                reason=request.reason,
                at=request.at,
                seals_intact=request.seals_intact,
                labelling_legible=request.labelling_legible,
                temperature_on_arrival=request.temperature_on_arrival,
                units_per_analysis=units,
                accept_insufficient_quantity=request.accept_insufficient_quantity,
            ),
        )
        return ac.ReceiptRecorded(
            status=enum_to_str(common_pb2.SampleStatus, sample.status),
            received_at=sample.received_at,
            sla_target_days=sample.sla_target_days,
            sla_basis=enum_to_str(intake_pb2.TurnaroundBasis, sample.sla_basis),
            sla_target_seconds=sample.sla_target_seconds,
        )

    @activity.defn(name=ac.CREATE_TEST_PLAN)
    async def create_test_plan(self, request: ac.CreateTestPlan) -> ac.TestPlanCreated:
        """Plans the sample's tests from its product's specification (idempotent per sample)."""
        plan = await call(
            self._testing.CreateTestPlan,
            testing_pb2.CreateTestPlanRequest(
                lab_number=request.lab_number,
                product_code=request.product_code,
                actor=actor_pb(request.actor),
            ),
        )
        return ac.TestPlanCreated(tests=[test_state(t) for t in plan.tests])

    @activity.defn(name=ac.RECORD_STATUS)
    async def record_status(self, request: ac.RecordStatus) -> ac.StatusRecorded:
        """Brings intake's status read model to the workflow's status (idempotent on event_key)."""
        sample = await call(
            self._intake.RecordStatus,
            intake_pb2.RecordStatusRequest(
                lab_number=request.lab_number,
                actor=actor_pb(request.actor),
                status=str_to_enum(common_pb2.SampleStatus, request.status),
                reason=request.reason,
                event_key=request.event_key,
                at=request.at,
            ),
        )
        return ac.StatusRecorded(status=enum_to_str(common_pb2.SampleStatus, sample.status))

    @activity.defn(name=ac.RECORD_SLA_EVENT)
    async def record_sla_event(self, request: ac.RecordSlaEvent) -> ac.SlaEventRecorded:
        """Records a mark of the turnaround clock (idempotent on event_key)."""
        sample = await call(
            self._intake.RecordSlaEvent,
            intake_pb2.RecordSlaEventRequest(
                lab_number=request.lab_number,
                kind=str_to_enum(intake_pb2.SlaEventKind, request.kind),
                at=request.at,
                due_at=request.due_at,
                event_key=request.event_key,
            ),
        )
        return ac.SlaEventRecorded(
            due_at=sample.sla_due_at,
            warning_at=sample.sla_warning_at,
            breached_at=sample.sla_breached_at,
        )

    @activity.defn(name=ac.ASSIGN_TEST)
    async def assign_test(self, request: ac.AssignTest) -> TestState:
        """Assigns a test to an analyst (idempotent: the same assignment again changes nothing);
        testing refuses an analyst, instrument or lot that gating does not allow."""
        test = await call(
            self._testing.AssignTest,
            testing_pb2.AssignTestRequest(
                test_id=request.test_id,
                analyst=request.analyst,
                actor=actor_pb(request.actor),
                instrument_code=request.instrument,
                reference_standard_lots=request.reference_standard_lots,
                reagent_lots=request.reagent_lots,
            ),
        )
        return test_state(test, with_detail=True)

    @activity.defn(name=ac.SUBMIT_RESULT)
    async def submit_result(self, request: ac.SubmitResult) -> ac.ResultSubmitted:
        """Records a result; testing computes and judges it (idempotent on submission_key)."""
        test = await call(
            self._testing.SubmitResult,
            testing_pb2.SubmitResultRequest(
                test_id=request.test_id,
                values=request.values,
                remarks=request.remarks,
                actor=actor_pb(request.actor),
                submission_key=request.submission_key,
                instrument_code=request.instrument,
                reference_standard_lots=request.reference_standard_lots,
                reagent_lots=request.reagent_lots,
            ),
        )
        result = test.results[-1]
        return ac.ResultSubmitted(
            attempt=result.attempt,
            reportable_value=result.reportable_value,
            conformity=enum_to_str(common_pb2.Conformity, result.conformity),
            test_proto=test_proto(test),
        )

    @activity.defn(name=ac.REVIEW_TEST)
    async def review_test(self, request: ac.ReviewTest) -> ac.TestReviewed:
        """Signs the reviewer's decision on the result as shown, then applies it to the test.

        Both calls are idempotent on review_key, so a retry after either one is safe."""
        test = await call(
            self._testing.GetTest, testing_pb2.GetTestRequest(test_id=request.test_id)
        )
        result = next((r for r in test.results if r.attempt == request.attempt), None)
        if result is None:
            raise ApplicationError(
                f"test {request.test_id} has no result attempt {request.attempt} to review",
                type=ErrorType.FAILED_PRECONDITION,
                non_retryable=True,
            )
        review = await call(
            self._review.RecordReview,
            review_pb2.RecordReviewRequest(
                review_key=request.review_key,
                lab_number=request.lab_number,
                test_id=request.test_id,
                attempt=request.attempt,
                analyst=result.submitted_by.username,
                reviewer=actor_pb(request.reviewer),
                accepted=request.accepted,
                reason=request.reason,
                signed_content=result_text(test, result),
            ),
        )
        after = await call(
            self._testing.RecordReviewOutcome,
            testing_pb2.RecordReviewOutcomeRequest(
                test_id=request.test_id,
                accepted=request.accepted,
                reason=request.reason,
                actor=actor_pb(request.reviewer),
                review_key=request.review_key,
            ),
        )
        return ac.TestReviewed(
            status=enum_to_str(testing_pb2.TestStatus, after.status),
            signature_id=review.signature.signature_id,
            test_proto=test_proto(after),
        )

    @activity.defn(name=ac.RECORD_APPROVAL)
    async def record_approval(self, request: ac.RecordApproval) -> ac.ApprovalRecorded:
        """The approver signs the certificate content (idempotent on the lab number)."""
        sample, plan, signatures = await self._records(request.lab_number)
        # The approver signs what the certificate will print, less their own signature.
        content = certificate_content(sample, plan, signatures, with_approval=False)
        approval = await call(
            self._review.RecordApproval,
            review_pb2.RecordApprovalRequest(
                lab_number=request.lab_number,
                approver=actor_pb(request.approver),
                analysts=request.analysts,
                reviewers=request.reviewers,
                conclusion=content.conclusion,
                signed_content=canonical_text(content),
            ),
        )
        return ac.ApprovalRecorded(
            conclusion=enum_to_str(common_pb2.Conformity, approval.conclusion),
            signature_id=approval.signature.signature_id,
        )

    @activity.defn(name=ac.ISSUE_CERTIFICATE)
    async def issue_certificate(self, request: ac.IssueCertificate) -> ac.CertificateIssued:
        """Issues the certificate from the three services' records and the sample's OOS
        investigations (idempotent per sample)."""
        (sample, plan, signatures), investigations = await asyncio.gather(
            self._records(request.lab_number),
            call(
                self._investigations.ListInvestigations,
                investigation_pb2.ListInvestigationsRequest(lab_number=request.lab_number),
            ),
        )
        content = certificate_content(
            sample, plan, signatures, investigations=investigations.investigations
        )
        certificate = await call(
            self._reporting.IssueCertificate,
            reporting_pb2.IssueCertificateRequest(actor=actor_pb(request.actor), content=content),
        )
        return ac.CertificateIssued(report_number=certificate.report_number)

    async def _records(
        self, lab_number: str
    ) -> tuple[intake_pb2.Sample, testing_pb2.TestPlan, list[common_pb2.Signature]]:
        sample, plan, signatures = await asyncio.gather(
            call(self._intake.GetSample, intake_pb2.GetSampleRequest(lab_number=lab_number)),
            call(self._testing.GetTestPlan, testing_pb2.GetTestPlanRequest(lab_number=lab_number)),
            call(
                self._review.ListSignatures,
                review_pb2.ListSignaturesRequest(lab_number=lab_number),
            ),
        )
        return sample, plan, list(signatures.signatures)

    def all(self) -> list[Callable[..., Awaitable[object]]]:
        """Every activity, for the worker."""
        return [
            self.record_receipt,
            self.create_test_plan,
            self.record_status,
            self.record_sla_event,
            self.assign_test,
            self.submit_result,
            self.review_test,
            self.record_approval,
            self.issue_certificate,
        ]
