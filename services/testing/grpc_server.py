"""The TestingService servicer: protobuf in, use case in one transaction, protobuf out.

Each RPC's unit of work (the use case and the conversion to protobuf, so that every ORM attribute
is read inside the session) is a plain function run in a worker thread by the Database."""

from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

import grpc
from sqlalchemy.orm import Session

from kernel.audit import Who
from kernel.db import Database
from kernel.errors import InvalidArgument
from kernel.proto_enums import enum_to_str, str_to_enum
from kernel.timefmt import to_rfc3339
from lims.common.v1 import common_pb2
from lims.testing.v1 import testing_pb2, testing_pb2_grpc
from services.testing import catalogue, resources_repository, resources_service, service
from services.testing.catalogue import ProductView, spec_of
from services.testing.domain import SpecTest
from services.testing.models import PlannedTest, Result, TestPlan
from services.testing.resources_models import AttachmentRow

Req = TypeVar("Req")
Resp = TypeVar("Resp")


def who_of(actor: common_pb2.Actor) -> Who:
    """The audit trail's view of the request's actor."""
    return Who(actor.username.strip(), actor.full_name.strip(), actor.role.strip())


def _actor(username: str, full_name: str, role: str) -> common_pb2.Actor | None:
    return common_pb2.Actor(username=username, full_name=full_name, role=role) if username else None


def spec_message(spec: SpecTest) -> testing_pb2.SpecificationTest:
    """A specification test on the wire."""
    crit = spec.criterion
    return testing_pb2.SpecificationTest(
        code=spec.code,
        name=spec.name,
        method=spec.method,
        technique=spec.technique,
        unit=spec.unit,
        replicates=spec.replicates,
        calculation=str_to_enum(testing_pb2.Calculation, spec.calculation),
        decimals=spec.decimals,
        criterion=testing_pb2.Criterion(
            kind=str_to_enum(testing_pb2.CriterionKind, crit.kind),
            low=crit.low,
            high=crit.high,
            expected_text=crit.expected_text,
            display=crit.display,
        ),
        method_code=spec.method_code,
        warning_low=spec.warning_low,
        warning_high=spec.warning_high,
        lod=spec.lod,
        loq=spec.loq,
        formula=spec.formula,
        inputs=[
            testing_pb2.FormulaInput(name=i.name, label=i.label, unit=i.unit) for i in spec.inputs
        ],
    )


def product_message(view: ProductView) -> testing_pb2.Product:
    """A product with its current specification on the wire."""
    product, spec = view.product, view.specification
    return testing_pb2.Product(
        code=product.code,
        name=product.name,
        inn=product.inn,
        dosage_form=product.dosage_form,
        strength=product.strength,
        units_per_analysis=product.units_per_analysis,
        specification_id=spec.specification_id,
        specification_version=spec.version,
        specification_source=spec.source,
        specification_reference=spec.reference,
        tests=[spec_message(spec_of(t)) for t in spec.tests],
    )


def result_message(result: Result) -> testing_pb2.Result:
    """One submission on the wire."""
    return testing_pb2.Result(
        attempt=result.attempt,
        values=result.values,
        reportable_value=result.reportable_value,
        conformity=str_to_enum(common_pb2.Conformity, result.conformity),
        submitted_by=_actor(
            result.submitted_by_username,
            result.submitted_by_full_name,
            result.submitted_by_role,
        ),
        submitted_at=to_rfc3339(result.submitted_at),
        remarks=result.remarks,
        unrounded_value=result.unrounded_value,
        review_outcome=result.review_outcome,
        review_reason=result.review_reason,
        reviewed_by=_actor(
            result.reviewed_by_username, result.reviewed_by_full_name, result.reviewed_by_role
        ),
        instrument_code=result.instrument_code,
        reference_standard_lots=result.reference_standard_lots,
        reagent_lots=result.reagent_lots,
        invalidated_reason=result.invalidated_reason,
        invalidated_by=result.invalidated_by,
        invalidated_at=to_rfc3339(result.invalidated_at),
        warning=result.warning,
        below_loq=result.below_loq,
        replicate_values=result.replicate_values,
    )


def attachment_info(row: AttachmentRow) -> testing_pb2.AttachmentInfo:
    """An attached file's description on the wire (never its content)."""
    return testing_pb2.AttachmentInfo(
        id=row.id,
        attempt=row.attempt,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_by=_actor(row.uploaded_by_username, row.uploaded_by_full_name, ""),
        uploaded_at=to_rfc3339(row.uploaded_at),
    )


def lab_test_message(
    test: PlannedTest, attachments: Sequence[AttachmentRow] = ()
) -> testing_pb2.Test:
    """A test with every result, oldest first (and its attachments, when given)."""
    return testing_pb2.Test(
        test_id=test.test_id,
        lab_number=test.lab_number,
        sequence=test.sequence,
        spec=spec_message(spec_of(test)),
        status=str_to_enum(testing_pb2.TestStatus, test.status),
        analyst=test.analyst,
        assigned_by=_actor(
            test.assigned_by_username, test.assigned_by_full_name, test.assigned_by_role
        ),
        assigned_at=to_rfc3339(test.assigned_at),
        results=[result_message(r) for r in test.results],
        product_code=test.product_code,
        instrument_code=test.instrument_code,
        reference_standard_lots=test.reference_standard_lots,
        reagent_lots=test.reagent_lots,
        attachments=[attachment_info(a) for a in attachments if a.test_id == test.test_id],
    )


def with_attachments(session: Session, test: PlannedTest) -> testing_pb2.Test:
    """A test on the wire with its attachments."""
    return lab_test_message(test, resources_repository.attachments(session, [test.test_id]))


def plan_message(plan: TestPlan, attachments: Sequence[AttachmentRow] = ()) -> testing_pb2.TestPlan:
    """A sample's test plan on the wire (with its tests' attachments, when given)."""
    return testing_pb2.TestPlan(
        lab_number=plan.lab_number,
        product_code=plan.product_code,
        specification_id=plan.specification_id,
        specification_version=plan.specification_version,
        specification_source=plan.specification_source,
        specification_reference=plan.specification_reference,
        tests=[lab_test_message(t, attachments) for t in plan.tests],
    )


def _statuses(numbers: list[int]) -> list[str]:
    names = []
    for number in numbers:
        try:
            name = enum_to_str(testing_pb2.TestStatus, number)
        except ValueError:
            name = ""
        if not name:
            raise InvalidArgument(f"statuses: {number} is not a test status")
        names.append(name)
    return names


# ---- units of work: (session, request) -> response, run in the session's thread -----------------


def _get_product(session: Session, request: testing_pb2.GetProductRequest) -> testing_pb2.Product:
    return product_message(catalogue.get_product(session, request.code))


def _list_products(
    session: Session, request: testing_pb2.ListProductsRequest
) -> testing_pb2.ListProductsResponse:
    views = catalogue.list_products(session)
    return testing_pb2.ListProductsResponse(products=[product_message(v) for v in views])


def _create_test_plan(
    session: Session, request: testing_pb2.CreateTestPlanRequest
) -> testing_pb2.TestPlan:
    plan = service.create_test_plan(
        session, request.lab_number, request.product_code, who_of(request.actor)
    )
    return plan_message(plan)


def _get_test_plan(
    session: Session, request: testing_pb2.GetTestPlanRequest
) -> testing_pb2.TestPlan:
    plan = service.get_test_plan(session, request.lab_number)
    ids = [t.test_id for t in plan.tests]
    return plan_message(plan, resources_repository.attachments(session, ids))


def _get_test(session: Session, request: testing_pb2.GetTestRequest) -> testing_pb2.Test:
    return with_attachments(session, service.get_test(session, request.test_id))


def _list_tests(
    session: Session, request: testing_pb2.ListTestsRequest
) -> testing_pb2.ListTestsResponse:
    tests, total = service.list_tests(
        session,
        analyst=request.analyst,
        statuses=_statuses(list(request.statuses)),
        lab_number=request.lab_number,
        page_size=request.page_size,
        offset=request.offset,
    )
    return testing_pb2.ListTestsResponse(tests=[lab_test_message(t) for t in tests], total=total)


def _assign_test(
    session: Session, request: testing_pb2.AssignTestRequest, today: date
) -> testing_pb2.Test:
    wanted = resources_service.wanted_resources(
        request.instrument_code, request.reference_standard_lots, request.reagent_lots
    )
    test = service.assign_test(
        session, request.test_id, request.analyst, who_of(request.actor), today=today, wanted=wanted
    )
    return with_attachments(session, test)


def _submit_result(
    session: Session, request: testing_pb2.SubmitResultRequest, today: date
) -> testing_pb2.Test:
    used = resources_service.wanted_resources(
        request.instrument_code, request.reference_standard_lots, request.reagent_lots
    )
    test = service.submit_result(
        session,
        request.test_id,
        list(request.values),
        request.remarks,
        who_of(request.actor),
        request.submission_key,
        today=today,
        used=used,
    )
    return with_attachments(session, test)


def _preview_result(
    session: Session, request: testing_pb2.PreviewResultRequest
) -> testing_pb2.ResultPreview:
    test, evaluation = service.preview_result(session, request.test_id, list(request.values))
    spec = spec_of(test)
    return testing_pb2.ResultPreview(
        test_id=test.test_id,
        values=evaluation.values,
        reportable_value=evaluation.reportable,
        unrounded_value=evaluation.unrounded,
        conformity=str_to_enum(common_pb2.Conformity, evaluation.conformity),
        unit=spec.unit,
        criterion=spec_message(spec).criterion,
        warning=evaluation.warning,
        below_loq=evaluation.below_loq,
        replicate_values=evaluation.replicate_values,
        formula=spec.formula,
    )


def _record_review_outcome(
    session: Session, request: testing_pb2.RecordReviewOutcomeRequest
) -> testing_pb2.Test:
    test = service.record_review_outcome(
        session,
        request.test_id,
        request.accepted,
        request.reason,
        who_of(request.actor),
        request.review_key,
    )
    return with_attachments(session, test)


class TestingServicer(testing_pb2_grpc.TestingServiceServicer):
    """Each call runs its unit of work in one transaction that this edge opens and commits."""

    __test__ = False  # not a pytest class

    def __init__(self, db: Database, timezone: str = "UTC") -> None:
        self._db = db
        self._timezone = timezone

    def _dated(self, unit: Callable[[Session, Req, date], Resp]) -> Callable[[Session, Req], Resp]:
        # "Today" is read once per call, in the lab's zone, before the unit of work runs: a
        # retried transaction judges expiry against the same day.
        today = resources_service.lab_today(self._timezone)

        def dated(session: Session, request: Req) -> Resp:
            return unit(session, request, today)

        return dated

    async def GetProduct(
        self, request: testing_pb2.GetProductRequest, context: grpc.aio.ServicerContext
    ) -> testing_pb2.Product:
        return await self._db.read_call(_get_product, request)

    async def ListProducts(
        self, request: testing_pb2.ListProductsRequest, context: grpc.aio.ServicerContext
    ) -> testing_pb2.ListProductsResponse:
        return await self._db.read_call(_list_products, request)

    async def CreateTestPlan(
        self, request: testing_pb2.CreateTestPlanRequest, context: grpc.aio.ServicerContext
    ) -> testing_pb2.TestPlan:
        return await self._db.idempotent_write(_create_test_plan, request)

    async def GetTestPlan(
        self, request: testing_pb2.GetTestPlanRequest, context: grpc.aio.ServicerContext
    ) -> testing_pb2.TestPlan:
        return await self._db.read_call(_get_test_plan, request)

    async def GetTest(
        self, request: testing_pb2.GetTestRequest, context: grpc.aio.ServicerContext
    ) -> testing_pb2.Test:
        return await self._db.read_call(_get_test, request)

    async def ListTests(
        self, request: testing_pb2.ListTestsRequest, context: grpc.aio.ServicerContext
    ) -> testing_pb2.ListTestsResponse:
        return await self._db.read_call(_list_tests, request)

    async def AssignTest(
        self, request: testing_pb2.AssignTestRequest, context: grpc.aio.ServicerContext
    ) -> testing_pb2.Test:
        return await self._db.idempotent_write(self._dated(_assign_test), request)

    async def SubmitResult(
        self, request: testing_pb2.SubmitResultRequest, context: grpc.aio.ServicerContext
    ) -> testing_pb2.Test:
        return await self._db.idempotent_write(self._dated(_submit_result), request)

    async def PreviewResult(
        self, request: testing_pb2.PreviewResultRequest, context: grpc.aio.ServicerContext
    ) -> testing_pb2.ResultPreview:
        return await self._db.read_call(_preview_result, request)

    async def RecordReviewOutcome(
        self, request: testing_pb2.RecordReviewOutcomeRequest, context: grpc.aio.ServicerContext
    ) -> testing_pb2.Test:
        return await self._db.idempotent_write(_record_review_outcome, request)
