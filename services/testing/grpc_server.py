"""The TestingService servicer: protobuf in, use case in one transaction, protobuf out.

Each RPC's unit of work (the use case and the conversion to protobuf, so that every ORM attribute
is read inside the session) is a plain function run in a worker thread by the Database."""

from collections.abc import Callable
from typing import TypeVar

import grpc
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kernel.audit import Who
from kernel.db import Database
from kernel.errors import InvalidArgument
from kernel.proto_enums import enum_to_str, str_to_enum
from kernel.timefmt import to_rfc3339
from lims.common.v1 import common_pb2
from lims.testing.v1 import testing_pb2, testing_pb2_grpc
from services.testing import catalogue, service
from services.testing.catalogue import ProductView, spec_of
from services.testing.domain import SpecTest
from services.testing.models import PlannedTest, Result, TestPlan

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
        warning=result.warning,
        below_loq=result.below_loq,
        replicate_values=result.replicate_values,
    )


def lab_test_message(test: PlannedTest) -> testing_pb2.Test:
    """A test with every result, oldest first."""
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
    )


def plan_message(plan: TestPlan) -> testing_pb2.TestPlan:
    """A sample's test plan on the wire."""
    return testing_pb2.TestPlan(
        lab_number=plan.lab_number,
        product_code=plan.product_code,
        specification_id=plan.specification_id,
        specification_version=plan.specification_version,
        specification_source=plan.specification_source,
        specification_reference=plan.specification_reference,
        tests=[lab_test_message(t) for t in plan.tests],
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
    return plan_message(service.get_test_plan(session, request.lab_number))


def _get_test(session: Session, request: testing_pb2.GetTestRequest) -> testing_pb2.Test:
    return lab_test_message(service.get_test(session, request.test_id))


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


def _assign_test(session: Session, request: testing_pb2.AssignTestRequest) -> testing_pb2.Test:
    test = service.assign_test(session, request.test_id, request.analyst, who_of(request.actor))
    return lab_test_message(test)


def _submit_result(session: Session, request: testing_pb2.SubmitResultRequest) -> testing_pb2.Test:
    test = service.submit_result(
        session,
        request.test_id,
        list(request.values),
        request.remarks,
        who_of(request.actor),
        request.submission_key,
    )
    return lab_test_message(test)


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
    return lab_test_message(test)


class TestingServicer(testing_pb2_grpc.TestingServiceServicer):
    """Each call runs its unit of work in one transaction that this edge opens and commits."""

    __test__ = False  # not a pytest class

    def __init__(self, db: Database) -> None:
        self._db = db

    async def _write(self, unit: Callable[[Session, Req], Resp], request: Req) -> Resp:
        # Two first-time callers racing on the same key (or on the audit chain's first row) make
        # one insert fail; run again in a new transaction: the use case sees the winner's rows
        # and answers as a repeat.
        try:
            return await self._db.write_call(unit, request)
        except IntegrityError:
            return await self._db.write_call(unit, request)

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
        return await self._write(_create_test_plan, request)

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
        return await self._write(_assign_test, request)

    async def SubmitResult(
        self, request: testing_pb2.SubmitResultRequest, context: grpc.aio.ServicerContext
    ) -> testing_pb2.Test:
        return await self._write(_submit_result, request)

    async def PreviewResult(
        self, request: testing_pb2.PreviewResultRequest, context: grpc.aio.ServicerContext
    ) -> testing_pb2.ResultPreview:
        return await self._db.read_call(_preview_result, request)

    async def RecordReviewOutcome(
        self, request: testing_pb2.RecordReviewOutcomeRequest, context: grpc.aio.ServicerContext
    ) -> testing_pb2.Test:
        return await self._write(_record_review_outcome, request)
