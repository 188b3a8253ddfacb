"""The catalogue's administration: methods, products and specification versions (admin changes,
staff reads). The testing service checks and audits every change."""

from typing import Annotated, Any, cast

import grpc
from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from kernel.proto_enums import enum_to_str, str_to_enum
from lims.common.v1 import common_pb2
from lims.testing.v1 import catalogue_pb2, testing_pb2
from services.gateway import convert, spec_import
from services.gateway.catalogue_schemas import (
    FormulaInputIn,
    ImportRowError,
    MethodIn,
    MethodOut,
    MethodPatch,
    ProductIn,
    ProductVersionsOut,
    SpecificationImportOut,
    SpecificationIn,
    SpecificationVersionOut,
    SpecTestIn,
)
from services.gateway.clients import Connections
from services.gateway.deps import Acting, AsAdmin, AsStaff, Clients
from services.gateway.problems import (
    MEDIA_TYPE,
    FieldError,
    Missing,
    ProblemDetails,
    Unprocessable,
    responses,
)
from services.gateway.schemas import ProductOut

router = APIRouter(tags=["catalogue"])

_READ_ERRORS = responses(401, 403, 404, 502, 503)
_CHANGE_ERRORS = responses(401, 403, 404, 409, 422, 502, 503)


def _actor(acting: Acting) -> common_pb2.Actor:
    return common_pb2.Actor(
        username=acting.username, full_name=acting.identity.full_name, role=acting.role
    )


def method_out(message: catalogue_pb2.Method) -> MethodOut:
    """The REST form of a method."""
    return MethodOut(
        code=message.code,
        title=message.title,
        reference=message.reference,
        technique=message.technique,
        active=message.active,
        created_at=message.created_at,
    )


def spec_test_out(message: testing_pb2.SpecificationTest) -> SpecTestIn:
    """The REST form of a specification test (the same shape as it is written)."""
    crit = message.criterion
    return SpecTestIn(
        code=message.code,
        name=message.name,
        method_code=message.method_code,
        method=message.method,
        technique=message.technique,
        unit=message.unit,
        replicates=max(1, message.replicates),
        calculation=cast(Any, enum_to_str(testing_pb2.Calculation, message.calculation)),
        decimals=message.decimals,
        criterion=cast(Any, enum_to_str(testing_pb2.CriterionKind, crit.kind)),
        low=crit.low,
        high=crit.high,
        expected_text=crit.expected_text,
        limits=crit.display,
        warning_low=message.warning_low,
        warning_high=message.warning_high,
        lod=message.lod,
        loq=message.loq,
        formula=message.formula,
        inputs=[FormulaInputIn(name=i.name, label=i.label, unit=i.unit) for i in message.inputs],
    )


def spec_test_message(body: SpecTestIn) -> testing_pb2.SpecificationTest:
    """A specification test on the wire."""
    return testing_pb2.SpecificationTest(
        code=body.code,
        name=body.name,
        method=body.method,
        technique=body.technique,
        unit=body.unit,
        replicates=body.replicates,
        calculation=str_to_enum(testing_pb2.Calculation, body.calculation),
        decimals=body.decimals,
        criterion=testing_pb2.Criterion(
            kind=str_to_enum(testing_pb2.CriterionKind, body.criterion),
            low=body.low,
            high=body.high,
            expected_text=body.expected_text,
            display=body.limits,
        ),
        method_code=body.method_code,
        warning_low=body.warning_low,
        warning_high=body.warning_high,
        lod=body.lod,
        loq=body.loq,
        formula=body.formula,
        inputs=[
            testing_pb2.FormulaInput(name=i.name, label=i.label, unit=i.unit) for i in body.inputs
        ],
    )


def version_out(message: catalogue_pb2.SpecificationVersion) -> SpecificationVersionOut:
    """The REST form of a specification version."""
    return SpecificationVersionOut(
        product_code=message.product_code,
        specification_id=message.specification_id,
        version=message.version,
        source=message.source,
        reference=message.reference,
        created_at=message.created_at,
        created_by=message.created_by,
        in_force=message.in_force,
        tests=[spec_test_out(t) for t in message.tests],
    )


# ---- methods ------------------------------------------------------------------------------------


@router.get("/methods", responses=responses(401, 403, 502, 503))
async def list_methods(
    clients: Clients,
    _acting: AsStaff,
    include_inactive: Annotated[bool, Query(description="Also the retired ones.")] = False,
) -> list[MethodOut]:
    """Test methods by code (those in use unless asked)."""
    found = await clients.catalogue.ListMethods(
        catalogue_pb2.ListMethodsRequest(include_inactive=include_inactive)
    )
    return [method_out(m) for m in found.methods]


@router.post("/methods", status_code=201, responses=responses(401, 403, 409, 422, 502, 503))
async def create_method(body: MethodIn, clients: Clients, acting: AsAdmin) -> MethodOut:
    """Adds a method (409 if the code is taken)."""
    created = await clients.catalogue.CreateMethod(
        catalogue_pb2.CreateMethodRequest(
            method=catalogue_pb2.Method(
                code=body.code,
                title=body.title,
                reference=body.reference,
                technique=body.technique,
            ),
            actor=_actor(acting),
            reason=body.reason,
        )
    )
    return method_out(created)


@router.patch("/methods/{code}", responses=_CHANGE_ERRORS)
async def update_method(
    code: str, body: MethodPatch, clients: Clients, acting: AsAdmin
) -> MethodOut:
    """Changes a method's title, reference or technique, or retires it (or back)."""
    found = await clients.catalogue.ListMethods(
        catalogue_pb2.ListMethodsRequest(include_inactive=True)
    )
    current = next((m for m in found.methods if m.code == code.strip()), None)
    if current is None:
        raise Missing(f"no method {code}")
    changed = await clients.catalogue.UpdateMethod(
        catalogue_pb2.UpdateMethodRequest(
            code=current.code,
            title=body.title if body.title is not None else current.title,
            reference=body.reference if body.reference is not None else current.reference,
            technique=body.technique if body.technique is not None else current.technique,
            active=body.active if body.active is not None else current.active,
            actor=_actor(acting),
            reason=body.reason,
        )
    )
    return method_out(changed)


# ---- products and specification versions -------------------------------------------------------


@router.post("/products", status_code=201, responses=responses(401, 403, 409, 422, 502, 503))
async def create_product(body: ProductIn, clients: Clients, acting: AsAdmin) -> ProductOut:
    """Adds a product with the first version of its specification."""
    created = await clients.catalogue.CreateProduct(
        catalogue_pb2.CreateProductRequest(
            product=testing_pb2.Product(
                code=body.code,
                name=body.name,
                inn=body.inn,
                dosage_form=body.dosage_form,
                strength=body.strength,
                units_per_analysis=body.units_per_analysis,
                specification_source=body.source,
                specification_reference=body.reference,
                tests=[spec_test_message(t) for t in body.tests],
            ),
            actor=_actor(acting),
            reason=body.reason,
        )
    )
    return convert.product(created)


@router.get("/products/{code}/specifications", responses=_READ_ERRORS)
async def list_versions(code: str, clients: Clients, _acting: AsStaff) -> ProductVersionsOut:
    """A product and every version of its specification, newest first."""
    found = await clients.catalogue.ListSpecificationVersions(
        catalogue_pb2.ListSpecificationVersionsRequest(product_code=code)
    )
    return ProductVersionsOut(
        product=convert.product(found.product), versions=[version_out(v) for v in found.versions]
    )


@router.get("/products/{code}/specifications/{version}", responses=_READ_ERRORS)
async def get_version(
    code: str, version: int, clients: Clients, _acting: AsStaff
) -> SpecificationVersionOut:
    """One version of a product's specification with its tests (0: the one in force)."""
    found = await clients.catalogue.GetSpecificationVersion(
        catalogue_pb2.GetSpecificationVersionRequest(product_code=code, version=version)
    )
    return version_out(found)


async def add_version(
    clients: Connections, acting: Acting, code: str, body: SpecificationIn, *, dry_run: bool
) -> SpecificationVersionOut:
    """Sends a new specification version to testing (checked only when `dry_run`)."""
    added = await clients.catalogue.AddSpecificationVersion(
        catalogue_pb2.AddSpecificationVersionRequest(
            product_code=code,
            source=body.source,
            reference=body.reference,
            tests=[spec_test_message(t) for t in body.tests],
            based_on_version=body.based_on_version,
            dry_run=dry_run,
            actor=_actor(acting),
            reason=body.reason,
        )
    )
    return version_out(added)


@router.post("/products/{code}/specifications", status_code=201, responses=_CHANGE_ERRORS)
async def create_version(
    code: str, body: SpecificationIn, clients: Clients, acting: AsAdmin
) -> SpecificationVersionOut:
    """A new version of the product's specification, in force for samples planned from now on;
    tests already planned keep theirs. 409 when `based_on_version` is no longer in force."""
    return await add_version(clients, acting, code, body, dry_run=False)


async def import_version(
    clients: Connections,
    acting: Acting,
    code: str,
    content: bytes,
    *,
    source: str,
    reference: str,
    reason: str,
    dry_run: bool,
) -> SpecificationImportOut:
    """Reads a file of tests and checks it; unless a dry run or anything is wrong, records it as a
    new version. All or nothing: with any error, nothing is recorded."""
    read = spec_import.parse(content)
    report = SpecificationImportOut(
        rows=read.rows,
        errors=[ImportRowError(row=e.row, field=e.field, message=e.message) for e in read.errors],
        version=None,
        recorded=False,
    )
    if read.errors:
        return report
    try:
        body = SpecificationIn(
            source=source, reference=reference, tests=[t for _, t in read.tests], reason=reason
        )
    except ValueError as error:
        report.errors.append(ImportRowError(row=0, field="form", message=str(error)))
        return report
    try:
        checked = await add_version(clients, acting, code, body, dry_run=True)
    except grpc.aio.AioRpcError as error:
        if error.code() is not grpc.StatusCode.INVALID_ARGUMENT:
            raise
        report.errors.extend(
            ImportRowError(row=e.row, field=e.field, message=e.message)
            for e in spec_import.errors_of(error.details() or "", read)
        )
        return report
    report.version = checked
    if dry_run:
        return report
    report.version = await add_version(clients, acting, code, body, dry_run=False)
    report.recorded = True
    return report


class SpecificationImportProblem(ProblemDetails):
    """A refused import: the problem, with the report (nothing was recorded)."""

    report: SpecificationImportOut


def refusal(http: Request, report: SpecificationImportOut) -> JSONResponse:
    """The 422 problem of a file with errors, carrying the whole report."""
    count = len(report.errors)
    body = SpecificationImportProblem(
        type="/problems/validation-error",
        title="Unprocessable Content",
        status=422,
        detail=f"the file has {count} error{'s' if count != 1 else ''}; nothing was recorded",
        instance=http.url.path,
        errors=[
            FieldError(field=f"row {e.row}: {e.field}", message=e.message) for e in report.errors
        ],
        report=report,
    )
    return JSONResponse(body.model_dump(exclude_none=True), status_code=422, media_type=MEDIA_TYPE)


@router.post(
    "/products/{code}/specifications/import",
    status_code=201,
    responses=responses(401, 403, 404, 409, 422, 502, 503),
)
async def import_specification(
    code: str,
    http: Request,
    clients: Clients,
    acting: AsAdmin,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, ; or ,) or XLSX: one row a test.")],
    source: Annotated[str, Form(min_length=1, max_length=50)],
    reference: Annotated[str, Form(min_length=1, max_length=300)],
    reason: Annotated[str, Form(min_length=1, max_length=500)],
    dry_run: Annotated[bool, Form()] = False,
) -> Any:
    """A new specification version from a file, all or nothing: 201 with the version recorded,
    200 with the report of a dry run, 422 with the report of every row in error."""
    content = await file.read(spec_import.MAX_BYTES + 1)
    try:
        report = await import_version(
            clients,
            acting,
            code,
            content,
            source=source,
            reference=reference,
            reason=reason,
            dry_run=dry_run,
        )
    except spec_import.ImportRefused as error:
        raise Unprocessable(f"file: {error}") from None
    if report.errors:
        return refusal(http, report)
    status = 201 if report.recorded else 200
    return JSONResponse(report.model_dump(mode="json"), status_code=status)
