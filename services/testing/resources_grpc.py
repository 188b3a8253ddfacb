"""The Resources servicer: qualifications, instruments, reference standards, reagents and result
attachments; protobuf in, use case in one transaction, protobuf out."""

from collections.abc import Callable
from datetime import date
from typing import TypeVar

import grpc
from sqlalchemy.orm import Session

from kernel.db import Database
from kernel.errors import InvalidArgument
from kernel.proto_enums import enum_to_str, str_to_enum
from kernel.timefmt import to_rfc3339
from lims.common.v1 import common_pb2
from lims.testing.v1 import resources_pb2, resources_pb2_grpc
from services.testing import resources_repository as repo
from services.testing import resources_service as rs
from services.testing import service
from services.testing.grpc_server import who_of
from services.testing.resources import (
    Instrument,
    InstrumentStatus,
    Lot,
    Qualification,
    StandardSource,
)
from services.testing.resources_models import (
    AttachmentRow,
    InstrumentRow,
    QualificationRow,
    ReagentRow,
    ReferenceStandardRow,
)

Req = TypeVar("Req")
Resp = TypeVar("Resp")


def qualification_message(row: QualificationRow) -> resources_pb2.Qualification:
    """A qualification on the wire."""
    return resources_pb2.Qualification(
        analyst=row.analyst,
        technique=row.technique,
        qualified_on=row.qualified_on.isoformat(),
        expires_on=row.expires_on.isoformat(),
        training_record=row.training_record,
    )


def instrument_message(row: InstrumentRow) -> resources_pb2.Instrument:
    """An instrument on the wire."""
    return resources_pb2.Instrument(
        code=row.code,
        name=row.name,
        techniques=row.techniques,
        calibration_due=row.calibration_due.isoformat(),
        status=str_to_enum(resources_pb2.InstrumentStatus, row.status),
        out_of_service_reason=row.out_of_service_reason,
    )


def standard_message(row: ReferenceStandardRow) -> resources_pb2.ReferenceStandard:
    """A reference standard lot on the wire."""
    return resources_pb2.ReferenceStandard(
        lot=row.lot,
        name=row.name,
        source=str_to_enum(resources_pb2.StandardSource, row.source),
        expires_on=row.expires_on.isoformat(),
        quantity=row.quantity,
        quantity_unit=row.quantity_unit,
    )


def reagent_message(row: ReagentRow) -> resources_pb2.Reagent:
    """A reagent lot on the wire."""
    return resources_pb2.Reagent(lot=row.lot, name=row.name, expires_on=row.expires_on.isoformat())


def attachment_message(row: AttachmentRow, *, with_content: bool) -> resources_pb2.Attachment:
    """An attached file on the wire, with its content when asked."""
    return resources_pb2.Attachment(
        id=row.id,
        test_id=row.test_id,
        attempt=row.attempt,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_by=common_pb2.Actor(
            username=row.uploaded_by_username, full_name=row.uploaded_by_full_name
        ),
        uploaded_at=to_rfc3339(row.uploaded_at),
        content=row.content if with_content else b"",
    )


def _enum_name(enum: object, number: int, field: str) -> str:
    try:
        name = enum_to_str(enum, number)  # type: ignore[arg-type]
    except ValueError:
        name = ""
    if not name:
        raise InvalidArgument(f"{field}: {number} is not a known value")
    return name


# ---- units of work ------------------------------------------------------------------------------


def _list_qualifications(
    session: Session, request: resources_pb2.ListQualificationsRequest
) -> resources_pb2.ListQualificationsResponse:
    rows = repo.qualifications(session, request.analyst.strip())
    return resources_pb2.ListQualificationsResponse(
        qualifications=[qualification_message(r) for r in rows]
    )


def _save_qualification(
    session: Session, request: resources_pb2.SaveQualificationRequest
) -> resources_pb2.Qualification:
    q = request.qualification
    row = rs.save_qualification(
        session,
        Qualification(
            analyst=q.analyst,
            technique=q.technique,
            qualified_on=rs.day("qualified_on", q.qualified_on),
            expires_on=rs.day("expires_on", q.expires_on),
            training_record=q.training_record,
        ),
        who_of(request.actor),
        request.reason,
    )
    return qualification_message(row)


def _list_instruments(
    session: Session, request: resources_pb2.ListInstrumentsRequest
) -> resources_pb2.ListInstrumentsResponse:
    return resources_pb2.ListInstrumentsResponse(
        instruments=[instrument_message(r) for r in repo.instruments(session)]
    )


def _save_instrument(
    session: Session, request: resources_pb2.SaveInstrumentRequest
) -> resources_pb2.Instrument:
    i = request.instrument
    status = (
        InstrumentStatus.IN_SERVICE
        if i.status == resources_pb2.INSTRUMENT_STATUS_UNSPECIFIED
        else InstrumentStatus(_enum_name(resources_pb2.InstrumentStatus, i.status, "status"))
    )
    row = rs.save_instrument(
        session,
        Instrument(
            code=i.code,
            name=i.name,
            techniques=tuple(i.techniques),
            calibration_due=rs.day("calibration_due", i.calibration_due),
            status=status,
            out_of_service_reason=i.out_of_service_reason,
        ),
        who_of(request.actor),
        request.reason,
    )
    return instrument_message(row)


def _list_standards(
    session: Session, request: resources_pb2.ListReferenceStandardsRequest
) -> resources_pb2.ListReferenceStandardsResponse:
    return resources_pb2.ListReferenceStandardsResponse(
        reference_standards=[standard_message(r) for r in repo.standards(session)]
    )


def _save_standard(
    session: Session, request: resources_pb2.SaveReferenceStandardRequest
) -> resources_pb2.ReferenceStandard:
    s = request.reference_standard
    if s.source == resources_pb2.STANDARD_SOURCE_UNSPECIFIED:
        raise InvalidArgument("source: required (Ph. Eur. CRS, USP RS, WHO ICRS or in-house)")
    row = rs.save_reference_standard(
        session,
        rs.StandardLot(
            lot=s.lot,
            name=s.name,
            source=StandardSource(_enum_name(resources_pb2.StandardSource, s.source, "source")),
            expires_on=rs.day("expires_on", s.expires_on),
            quantity=s.quantity,
            quantity_unit=s.quantity_unit,
        ),
        who_of(request.actor),
        request.reason,
    )
    return standard_message(row)


def _list_reagents(
    session: Session, request: resources_pb2.ListReagentsRequest
) -> resources_pb2.ListReagentsResponse:
    return resources_pb2.ListReagentsResponse(
        reagents=[reagent_message(r) for r in repo.reagents(session)]
    )


def _save_reagent(
    session: Session, request: resources_pb2.SaveReagentRequest
) -> resources_pb2.Reagent:
    r = request.reagent
    row = rs.save_reagent(
        session,
        Lot(lot=r.lot, name=r.name, expires_on=rs.day("expires_on", r.expires_on)),
        who_of(request.actor),
        request.reason,
    )
    return reagent_message(row)


def _list_expiring(
    session: Session, request: resources_pb2.ListExpiringRequest, today: date
) -> resources_pb2.ListExpiringResponse:
    items = rs.list_expiring(session, today, request.within_days or 30)
    return resources_pb2.ListExpiringResponse(
        items=[
            resources_pb2.ExpiringItem(
                kind=i.kind,
                key=i.key,
                name=i.name,
                date=i.date.isoformat(),
                days_left=i.days_left,
            )
            for i in items
        ],
        today=today.isoformat(),
    )


def _assignment_choices(
    session: Session, request: resources_pb2.ListAssignmentChoicesRequest, today: date
) -> resources_pb2.AssignmentChoices:
    choices = rs.assignment_choices(session, service.get_test(session, request.test_id), today)
    return resources_pb2.AssignmentChoices(
        technique=choices.technique,
        instrument_required=choices.instrument_required,
        analysts=choices.analysts,
        instruments=[instrument_message(r) for r in choices.instruments],
        reference_standards=[standard_message(r) for r in choices.standards],
        reagents=[reagent_message(r) for r in choices.reagents],
    )


def _add_attachment(
    session: Session, request: resources_pb2.AddAttachmentRequest
) -> resources_pb2.Attachment:
    test = service.get_test(session, request.test_id)
    row = rs.add_attachment(
        session,
        test,
        request.filename,
        request.content_type,
        request.content,
        who_of(request.actor),
    )
    return attachment_message(row, with_content=False)


def _get_attachment(
    session: Session, request: resources_pb2.GetAttachmentRequest
) -> resources_pb2.Attachment:
    row = rs.get_attachment(session, request.test_id, request.id)
    return attachment_message(row, with_content=True)


class ResourcesServicer(resources_pb2_grpc.ResourcesServicer):
    """Each call runs its unit of work in one transaction that this edge opens and commits."""

    def __init__(self, db: Database, timezone: str = "UTC") -> None:
        self._db = db
        self._timezone = timezone

    def _dated(self, unit: Callable[[Session, Req, date], Resp]) -> Callable[[Session, Req], Resp]:
        today = rs.lab_today(self._timezone)

        def dated(session: Session, request: Req) -> Resp:
            return unit(session, request, today)

        return dated

    async def ListQualifications(
        self, request: resources_pb2.ListQualificationsRequest, context: grpc.aio.ServicerContext
    ) -> resources_pb2.ListQualificationsResponse:
        return await self._db.read_call(_list_qualifications, request)

    async def SaveQualification(
        self, request: resources_pb2.SaveQualificationRequest, context: grpc.aio.ServicerContext
    ) -> resources_pb2.Qualification:
        return await self._db.idempotent_write(_save_qualification, request)

    async def ListInstruments(
        self, request: resources_pb2.ListInstrumentsRequest, context: grpc.aio.ServicerContext
    ) -> resources_pb2.ListInstrumentsResponse:
        return await self._db.read_call(_list_instruments, request)

    async def SaveInstrument(
        self, request: resources_pb2.SaveInstrumentRequest, context: grpc.aio.ServicerContext
    ) -> resources_pb2.Instrument:
        return await self._db.idempotent_write(_save_instrument, request)

    async def ListReferenceStandards(
        self,
        request: resources_pb2.ListReferenceStandardsRequest,
        context: grpc.aio.ServicerContext,
    ) -> resources_pb2.ListReferenceStandardsResponse:
        return await self._db.read_call(_list_standards, request)

    async def SaveReferenceStandard(
        self,
        request: resources_pb2.SaveReferenceStandardRequest,
        context: grpc.aio.ServicerContext,
    ) -> resources_pb2.ReferenceStandard:
        return await self._db.idempotent_write(_save_standard, request)

    async def ListReagents(
        self, request: resources_pb2.ListReagentsRequest, context: grpc.aio.ServicerContext
    ) -> resources_pb2.ListReagentsResponse:
        return await self._db.read_call(_list_reagents, request)

    async def SaveReagent(
        self, request: resources_pb2.SaveReagentRequest, context: grpc.aio.ServicerContext
    ) -> resources_pb2.Reagent:
        return await self._db.idempotent_write(_save_reagent, request)

    async def ListExpiring(
        self, request: resources_pb2.ListExpiringRequest, context: grpc.aio.ServicerContext
    ) -> resources_pb2.ListExpiringResponse:
        return await self._db.read_call(self._dated(_list_expiring), request)

    async def ListAssignmentChoices(
        self,
        request: resources_pb2.ListAssignmentChoicesRequest,
        context: grpc.aio.ServicerContext,
    ) -> resources_pb2.AssignmentChoices:
        return await self._db.read_call(self._dated(_assignment_choices), request)

    async def AddAttachment(
        self, request: resources_pb2.AddAttachmentRequest, context: grpc.aio.ServicerContext
    ) -> resources_pb2.Attachment:
        return await self._db.idempotent_write(_add_attachment, request)

    async def GetAttachment(
        self, request: resources_pb2.GetAttachmentRequest, context: grpc.aio.ServicerContext
    ) -> resources_pb2.Attachment:
        return await self._db.read_call(_get_attachment, request)
