"""Resources that gate testing: analysts' qualifications, instruments, reference standards,
reagents (kept by the quality manager), what expires soon, the choices an assignment may name,
and the files attached to results."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile

from kernel.proto_enums import enum_to_str, str_to_enum
from lims.common.v1 import common_pb2
from lims.testing.v1 import resources_pb2
from services.gateway import convert, reads, service
from services.gateway.deps import Acting, AsStaff, Clients, acting_as
from services.gateway.domain import ATTACHABLE_TEST_STATUSES, Role, may_attach
from services.gateway.problems import Conflict, FieldError, Forbidden, Unprocessable, responses
from services.gateway.resource_schemas import (
    AssignmentChoicesOut,
    ExpiringOut,
    ExpiringPage,
    InstrumentIn,
    InstrumentOut,
    QualificationIn,
    QualificationOut,
    ReagentIn,
    ReagentOut,
    ReferenceStandardIn,
    ReferenceStandardOut,
)
from services.gateway.schemas import AttachmentOut

router = APIRouter(tags=["resources"])

# The quality manager keeps the resources; the admin may too.
KEEPERS = (Role.QUALITY, Role.ADMIN)
AsKeeper = Annotated[Acting, Depends(acting_as(*KEEPERS))]
# Who attaches files to a result: its analyst, or a reviewer.
ATTACHERS = (Role.ANALYST, Role.REVIEWER)
AsAttacher = Annotated[Acting, Depends(acting_as(*ATTACHERS))]
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

_READ_ERRORS = responses(401, 403, 404, 502, 503)
_WRITE_ERRORS = responses(401, 403, 409, 422, 502, 503)


def _actor(acting: Acting) -> common_pb2.Actor:
    return common_pb2.Actor(
        username=acting.username, full_name=acting.identity.full_name, role=acting.role
    )


def qualification_out(q: resources_pb2.Qualification) -> QualificationOut:
    """The REST form of a qualification."""
    return QualificationOut(
        analyst=q.analyst,
        technique=q.technique,
        qualified_on=date.fromisoformat(q.qualified_on),
        expires_on=date.fromisoformat(q.expires_on),
        training_record=q.training_record,
    )


def instrument_out(i: resources_pb2.Instrument) -> InstrumentOut:
    """The REST form of an instrument."""
    status = enum_to_str(resources_pb2.InstrumentStatus, i.status) or "in_service"
    return InstrumentOut(
        code=i.code,
        name=i.name,
        techniques=list(i.techniques),
        calibration_due=date.fromisoformat(i.calibration_due),
        status=status,
        out_of_service_reason=i.out_of_service_reason,
    )


def standard_out(s: resources_pb2.ReferenceStandard) -> ReferenceStandardOut:
    """The REST form of a reference standard lot."""
    return ReferenceStandardOut(
        lot=s.lot,
        name=s.name,
        source=enum_to_str(resources_pb2.StandardSource, s.source),
        expires_on=date.fromisoformat(s.expires_on),
        quantity=s.quantity,
        quantity_unit=s.quantity_unit,
    )


def reagent_out(r: resources_pb2.Reagent) -> ReagentOut:
    """The REST form of a reagent lot."""
    return ReagentOut(lot=r.lot, name=r.name, expires_on=date.fromisoformat(r.expires_on))


# ---- qualifications -----------------------------------------------------------------------------


@router.get("/qualifications", responses=_READ_ERRORS)
async def list_qualifications(
    clients: Clients,
    _acting: AsStaff,
    analyst: Annotated[str | None, Query(max_length=100)] = None,
) -> list[QualificationOut]:
    """Analysts' qualifications (one analyst's with `analyst`), by analyst then technique."""
    answer = await clients.resources.ListQualifications(
        resources_pb2.ListQualificationsRequest(analyst=analyst or "")
    )
    return [qualification_out(q) for q in answer.qualifications]


@router.post("/qualifications", responses=_WRITE_ERRORS)
async def save_qualification(
    body: QualificationIn, clients: Clients, acting: AsKeeper
) -> QualificationOut:
    """(quality, admin) Records a qualification, or changes it with a reason (audited)."""
    account = await clients.db.read_call(service.find_account, body.analyst)
    if account is None or Role.ANALYST not in account.roles:
        message = f"{body.analyst!r} is not a user with the role 'analyst'"
        raise Unprocessable(
            f"analyst: {message}", errors=[FieldError(field="analyst", message=message)]
        )
    saved = await clients.resources.SaveQualification(
        resources_pb2.SaveQualificationRequest(
            qualification=resources_pb2.Qualification(
                analyst=body.analyst,
                technique=body.technique,
                qualified_on=body.qualified_on.isoformat(),
                expires_on=body.expires_on.isoformat(),
                training_record=body.training_record,
            ),
            actor=_actor(acting),
            reason=body.reason,
        )
    )
    return qualification_out(saved)


# ---- instruments --------------------------------------------------------------------------------


@router.get("/instruments", responses=_READ_ERRORS)
async def list_instruments(clients: Clients, _acting: AsStaff) -> list[InstrumentOut]:
    """Every instrument, by code."""
    answer = await clients.resources.ListInstruments(resources_pb2.ListInstrumentsRequest())
    return [instrument_out(i) for i in answer.instruments]


@router.post("/instruments", responses=_WRITE_ERRORS)
async def save_instrument(body: InstrumentIn, clients: Clients, acting: AsKeeper) -> InstrumentOut:
    """(quality, admin) Records an instrument, or changes it (calibration, out of service with
    its reason, ...) with a reason (audited)."""
    saved = await clients.resources.SaveInstrument(
        resources_pb2.SaveInstrumentRequest(
            instrument=resources_pb2.Instrument(
                code=body.code,
                name=body.name,
                techniques=body.techniques,
                calibration_due=body.calibration_due.isoformat(),
                status=str_to_enum(resources_pb2.InstrumentStatus, body.status),
                out_of_service_reason=body.out_of_service_reason,
            ),
            actor=_actor(acting),
            reason=body.reason,
        )
    )
    return instrument_out(saved)


# ---- reference standards and reagents -----------------------------------------------------------


@router.get("/reference-standards", responses=_READ_ERRORS)
async def list_reference_standards(
    clients: Clients, _acting: AsStaff
) -> list[ReferenceStandardOut]:
    """Every reference standard lot, by name then lot."""
    answer = await clients.resources.ListReferenceStandards(
        resources_pb2.ListReferenceStandardsRequest()
    )
    return [standard_out(s) for s in answer.reference_standards]


@router.post("/reference-standards", responses=_WRITE_ERRORS)
async def save_reference_standard(
    body: ReferenceStandardIn, clients: Clients, acting: AsKeeper
) -> ReferenceStandardOut:
    """(quality, admin) Records a reference standard lot, or changes it with a reason."""
    saved = await clients.resources.SaveReferenceStandard(
        resources_pb2.SaveReferenceStandardRequest(
            reference_standard=resources_pb2.ReferenceStandard(
                lot=body.lot,
                name=body.name,
                source=str_to_enum(resources_pb2.StandardSource, body.source),
                expires_on=body.expires_on.isoformat(),
                quantity=body.quantity,
                quantity_unit=body.quantity_unit,
            ),
            actor=_actor(acting),
            reason=body.reason,
        )
    )
    return standard_out(saved)


@router.get("/reagents", responses=_READ_ERRORS)
async def list_reagents(clients: Clients, _acting: AsStaff) -> list[ReagentOut]:
    """Every reagent lot, by name then lot."""
    answer = await clients.resources.ListReagents(resources_pb2.ListReagentsRequest())
    return [reagent_out(r) for r in answer.reagents]


@router.post("/reagents", responses=_WRITE_ERRORS)
async def save_reagent(body: ReagentIn, clients: Clients, acting: AsKeeper) -> ReagentOut:
    """(quality, admin) Records a reagent lot, or changes it with a reason."""
    saved = await clients.resources.SaveReagent(
        resources_pb2.SaveReagentRequest(
            reagent=resources_pb2.Reagent(
                lot=body.lot, name=body.name, expires_on=body.expires_on.isoformat()
            ),
            actor=_actor(acting),
            reason=body.reason,
        )
    )
    return reagent_out(saved)


@router.get("/resources/expiring", responses=_READ_ERRORS)
async def list_expiring(
    clients: Clients,
    _acting: AsStaff,
    within_days: Annotated[int, Query(ge=0, le=3660)] = 30,
) -> ExpiringPage:
    """Qualifications, calibrations and lots expired or expiring within `within_days` days."""
    answer = await clients.resources.ListExpiring(
        resources_pb2.ListExpiringRequest(within_days=within_days)
    )
    return ExpiringPage(
        today=date.fromisoformat(answer.today),
        within_days=within_days,
        items=[
            ExpiringOut(
                kind=i.kind,
                key=i.key,
                name=i.name,
                date=date.fromisoformat(i.date),
                days_left=i.days_left,
            )
            for i in answer.items
        ],
    )


@router.get("/tests/{test_id}/assignment-choices", responses=_READ_ERRORS)
async def assignment_choices(
    test_id: str, clients: Clients, _acting: AsStaff
) -> AssignmentChoicesOut:
    """The analysts, instruments and lots an assignment of this test may name today."""
    reads.test_lab_number(test_id)
    choices = await clients.resources.ListAssignmentChoices(
        resources_pb2.ListAssignmentChoicesRequest(test_id=test_id)
    )
    active = []
    for username in choices.analysts:
        account = await clients.db.read_call(service.find_account, username)
        if account is not None and account.active and Role.ANALYST in account.roles:
            active.append(username)
    return AssignmentChoicesOut(
        technique=choices.technique,
        instrument_required=choices.instrument_required,
        analysts=active,
        instruments=[instrument_out(i) for i in choices.instruments],
        reference_standards=[standard_out(s) for s in choices.reference_standards],
        reagents=[reagent_out(r) for r in choices.reagents],
    )


# ---- attachments --------------------------------------------------------------------------------


@router.post("/tests/{test_id}/attachments", status_code=201, responses=_WRITE_ERRORS)
async def add_attachment(
    test_id: str,
    clients: Clients,
    acting: AsAttacher,
    file: Annotated[UploadFile, File(description="e.g. a chromatogram PDF; at most 10 MB.")],
) -> AttachmentOut:
    """(the test's analyst, a reviewer; while the test is assigned or submitted) Attaches a file
    (PDF, PNG, JPEG, CSV, text, ZIP) to the test's current result; stored with its SHA-256 and
    audited. The same file again returns the first."""
    test = await reads.test(clients, test_id)
    if test.status not in ATTACHABLE_TEST_STATUSES:
        raise Conflict("files are attached only while the test is assigned or submitted")
    if not may_attach(acting.username, acting.identity.roles, test.analyst or ""):
        raise Forbidden(
            "only the analyst assigned to the test, or a reviewer, attaches files to it"
        )
    content = await file.read(MAX_ATTACHMENT_BYTES + 1)
    if len(content) > MAX_ATTACHMENT_BYTES:
        message = f"at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB"
        raise Unprocessable(f"file: {message}", errors=[FieldError(field="file", message=message)])
    added = await clients.resources.AddAttachment(
        resources_pb2.AddAttachmentRequest(
            test_id=test_id,
            filename=file.filename or "",
            content_type=file.content_type or "",
            content=content,
            actor=_actor(acting),
        )
    )
    return convert.attachment(
        test_id,
        convert.attachment_info(added),
    )


@router.get(
    "/tests/{test_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={**_READ_ERRORS, 200: {"content": {"application/octet-stream": {}}}},
)
async def download_attachment(
    test_id: str, attachment_id: int, clients: Clients, _acting: AsStaff
) -> Response:
    """The attached file as it was uploaded; its SHA-256 in the `Digest`-like header."""
    reads.test_lab_number(test_id)
    found = await clients.resources.GetAttachment(
        resources_pb2.GetAttachmentRequest(test_id=test_id, id=attachment_id)
    )
    safe_name = found.filename.replace('"', "")
    return Response(
        content=found.content,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{safe_name}"',
            "X-Content-SHA256": found.sha256,
        },
    )
