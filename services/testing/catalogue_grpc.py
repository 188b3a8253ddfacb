"""The Catalogue servicer: protobuf in, catalogue_admin use case in one transaction, protobuf out."""

import grpc
from sqlalchemy.orm import Session

from kernel.db import Database
from kernel.errors import InvalidArgument
from kernel.proto_enums import enum_to_str
from kernel.timefmt import to_rfc3339
from lims.testing.v1 import catalogue_pb2, catalogue_pb2_grpc, testing_pb2
from services.testing import catalogue_admin
from services.testing.catalogue import ProductView, spec_of
from services.testing.domain import (
    Calculation,
    Criterion,
    CriterionKind,
    FormulaInput,
    ProductDefinition,
    SpecTest,
)
from services.testing.grpc_server import product_message, spec_message, who_of
from services.testing.models import Method, Product, Specification
from services.testing.spec_rules import MethodDefinition


def method_message(method: Method) -> catalogue_pb2.Method:
    """A method on the wire."""
    return catalogue_pb2.Method(
        code=method.code,
        title=method.title,
        reference=method.reference,
        technique=method.technique,
        active=method.active,
        created_at=to_rfc3339(method.created_at),
    )


def version_message(product: Product, spec: Specification) -> catalogue_pb2.SpecificationVersion:
    """One specification version on the wire."""
    return catalogue_pb2.SpecificationVersion(
        product_code=product.code,
        specification_id=spec.specification_id,
        version=spec.version,
        source=spec.source,
        reference=spec.reference,
        created_at=to_rfc3339(spec.created_at),
        created_by=spec.created_by,
        in_force=spec.version == product.current_version,
        tests=[spec_message(spec_of(t)) for t in spec.tests],
    )


def _enum(name: str, enum_type: type, number: int, where: str) -> str:
    try:
        text = enum_to_str(enum_type, number)  # type: ignore[arg-type]
    except ValueError:
        text = ""
    if not text:
        raise InvalidArgument(f"{where}: {name} is required")
    return text


def spec_of_message(message: testing_pb2.SpecificationTest) -> SpecTest:
    """A specification test from the wire; an unset calculation or criterion kind is refused."""
    where = f"test {message.code or '?'}"
    crit = message.criterion
    return SpecTest(
        code=message.code.strip(),
        name=message.name.strip(),
        method=message.method.strip(),
        technique=message.technique.strip(),
        unit=message.unit.strip(),
        replicates=message.replicates,
        calculation=Calculation(
            _enum("calculation", testing_pb2.Calculation, message.calculation, where)
        ),
        decimals=message.decimals,
        criterion=Criterion(
            kind=CriterionKind(
                _enum("criterion kind", testing_pb2.CriterionKind, crit.kind, where)
            ),
            low=crit.low.strip(),
            high=crit.high.strip(),
            expected_text=crit.expected_text.strip(),
            display=crit.display.strip(),
        ),
        method_code=message.method_code.strip(),
        warning_low=message.warning_low.strip(),
        warning_high=message.warning_high.strip(),
        lod=message.lod.strip(),
        loq=message.loq.strip(),
        formula=message.formula.strip(),
        inputs=tuple(
            FormulaInput(i.name.strip(), i.label.strip(), i.unit.strip()) for i in message.inputs
        ),
    )


# ---- units of work ------------------------------------------------------------------------------


def _list_methods(
    session: Session, request: catalogue_pb2.ListMethodsRequest
) -> catalogue_pb2.ListMethodsResponse:
    methods = catalogue_admin.list_methods(session, include_inactive=request.include_inactive)
    return catalogue_pb2.ListMethodsResponse(methods=[method_message(m) for m in methods])


def _create_method(
    session: Session, request: catalogue_pb2.CreateMethodRequest
) -> catalogue_pb2.Method:
    m = request.method
    definition = MethodDefinition(m.code, m.title, m.reference, m.technique)
    method = catalogue_admin.create_method(
        session, definition, who_of(request.actor), request.reason
    )
    return method_message(method)


def _update_method(
    session: Session, request: catalogue_pb2.UpdateMethodRequest
) -> catalogue_pb2.Method:
    definition = MethodDefinition(request.code, request.title, request.reference, request.technique)
    method = catalogue_admin.update_method(
        session, request.code, definition, request.active, who_of(request.actor), request.reason
    )
    return method_message(method)


def _create_product(
    session: Session, request: catalogue_pb2.CreateProductRequest
) -> testing_pb2.Product:
    p = request.product
    definition = ProductDefinition(
        code=p.code.strip(),
        name=p.name.strip(),
        inn=p.inn.strip(),
        dosage_form=p.dosage_form.strip(),
        strength=p.strength.strip(),
        units_per_analysis=p.units_per_analysis,
        source=p.specification_source.strip(),
        reference=p.specification_reference.strip(),
        tests=tuple(spec_of_message(t) for t in p.tests),
    )
    view = catalogue_admin.create_product(
        session, definition, who_of(request.actor), request.reason
    )
    return product_message(view)


def _list_versions(
    session: Session, request: catalogue_pb2.ListSpecificationVersionsRequest
) -> catalogue_pb2.ListSpecificationVersionsResponse:
    found = catalogue_admin.list_versions(session, request.product_code)
    in_force = next(v for v in found.versions if v.version == found.product.current_version)
    return catalogue_pb2.ListSpecificationVersionsResponse(
        product=product_message(ProductView(found.product, in_force)),
        versions=[version_message(found.product, v) for v in found.versions],
    )


def _get_version(
    session: Session, request: catalogue_pb2.GetSpecificationVersionRequest
) -> catalogue_pb2.SpecificationVersion:
    view = catalogue_admin.get_version(session, request.product_code, request.version)
    return version_message(view.product, view.specification)


def _add_version(
    session: Session, request: catalogue_pb2.AddSpecificationVersionRequest
) -> catalogue_pb2.SpecificationVersion:
    spec = catalogue_admin.add_version(
        session,
        request.product_code,
        request.source,
        request.reference,
        [spec_of_message(t) for t in request.tests],
        who_of(request.actor),
        request.reason,
        based_on_version=request.based_on_version,
        dry_run=request.dry_run,
    )
    view = catalogue_admin.get_version(session, request.product_code, 0)
    message = version_message(view.product, spec)
    message.in_force = not request.dry_run
    return message


class CatalogueServicer(catalogue_pb2_grpc.CatalogueServicer):
    """Each call runs its unit of work in one transaction that this edge opens and commits."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def ListMethods(
        self, request: catalogue_pb2.ListMethodsRequest, context: grpc.aio.ServicerContext
    ) -> catalogue_pb2.ListMethodsResponse:
        return await self._db.read_call(_list_methods, request)

    async def CreateMethod(
        self, request: catalogue_pb2.CreateMethodRequest, context: grpc.aio.ServicerContext
    ) -> catalogue_pb2.Method:
        return await self._db.write_call(_create_method, request)

    async def UpdateMethod(
        self, request: catalogue_pb2.UpdateMethodRequest, context: grpc.aio.ServicerContext
    ) -> catalogue_pb2.Method:
        return await self._db.write_call(_update_method, request)

    async def CreateProduct(
        self, request: catalogue_pb2.CreateProductRequest, context: grpc.aio.ServicerContext
    ) -> testing_pb2.Product:
        return await self._db.write_call(_create_product, request)

    async def ListSpecificationVersions(
        self,
        request: catalogue_pb2.ListSpecificationVersionsRequest,
        context: grpc.aio.ServicerContext,
    ) -> catalogue_pb2.ListSpecificationVersionsResponse:
        return await self._db.read_call(_list_versions, request)

    async def GetSpecificationVersion(
        self,
        request: catalogue_pb2.GetSpecificationVersionRequest,
        context: grpc.aio.ServicerContext,
    ) -> catalogue_pb2.SpecificationVersion:
        return await self._db.read_call(_get_version, request)

    async def AddSpecificationVersion(
        self,
        request: catalogue_pb2.AddSpecificationVersionRequest,
        context: grpc.aio.ServicerContext,
    ) -> catalogue_pb2.SpecificationVersion:
        # A dry run records nothing: a read-only transaction guarantees it.
        if request.dry_run:
            return await self._db.read_call(_add_version, request)
        return await self._db.write_call(_add_version, request)
