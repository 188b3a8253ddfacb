"""The InvestigationService servicer: protobuf in, use case in one transaction, protobuf out."""

from datetime import date, datetime, timedelta

import grpc
from sqlalchemy.orm import Session

from kernel.db import Database
from kernel.errors import InvalidArgument
from kernel.timefmt import from_rfc3339, to_rfc3339
from lims.common.v1 import common_pb2
from lims.testing.v1 import investigation_pb2 as pb
from lims.testing.v1 import investigation_pb2_grpc
from services.testing import investigation_service as use
from services.testing.grpc_server import who_of
from services.testing.investigation import CHECKLIST, Deadlines
from services.testing.models import Investigation
from services.testing.resources_service import lab_today


def _at(text: str) -> datetime:
    try:
        at = from_rfc3339(text.strip())
    except ValueError:
        at = None
    if at is None:
        raise InvalidArgument("at: an RFC 3339 time is required")
    return at


def _deadlines(message: pb.Deadlines) -> Deadlines:
    if message.phase_1_seconds <= 0 or message.phase_2_seconds <= 0:
        raise InvalidArgument("deadlines: both phases need a positive duration")
    return Deadlines(
        timedelta(seconds=message.phase_1_seconds), timedelta(seconds=message.phase_2_seconds)
    )


def investigation_message(record: Investigation) -> pb.Investigation:
    """An investigation on the wire, its signatures checked against it."""
    return pb.Investigation(
        investigation_id=record.investigation_id,
        lab_number=record.lab_number,
        test_id=record.test_id,
        attempt=record.attempt,
        analyst=record.analyst,
        reportable_value=record.reportable_value,
        phase=record.phase,
        opened_at=to_rfc3339(record.opened_at),
        phase_1_due=to_rfc3339(record.phase_1_due),
        phase_2_due=to_rfc3339(record.phase_2_due),
        escalations=[pb.Escalation(phase=e["phase"], at=e["at"]) for e in record.escalations],
        checklist=record.checklist,
        phase_1_summary=record.phase_1_summary,
        outcome=record.outcome,
        conclusion=record.conclusion,
        retest_analyst=record.retest_analyst,
        concluded_at=to_rfc3339(record.concluded_at),
        signatures=[
            pb.InvestigationSignature(
                step=s.step,
                signer=common_pb2.Actor(username=s.username, full_name=s.full_name, role=s.role),
                meaning=s.meaning,
                signed_at=s.signed_at,
                content_hash=s.content_hash,
                intact=s.intact,
            )
            for s in use.signatures(record)
        ],
        questions=[pb.ChecklistQuestion(item=k, text=v) for k, v in CHECKLIST.items()],
    )


def _open(session: Session, request: pb.OpenInvestigationRequest) -> pb.Investigation:
    record = use.open_investigation(
        session,
        request.test_id,
        request.attempt,
        _at(request.at),
        _deadlines(request.deadlines),
        who_of(request.actor),
    )
    return investigation_message(record)


def _escalate(session: Session, request: pb.RecordEscalationRequest) -> pb.Investigation:
    record = use.record_escalation(
        session, request.investigation_id, request.phase, _at(request.at), who_of(request.actor)
    )
    return investigation_message(record)


def _phase_one(
    session: Session, request: pb.RecordPhaseOneRequest, today: date
) -> pb.Investigation:
    record = use.record_phase_one(
        session,
        request.investigation_id,
        dict(request.checklist),
        request.cause_found,
        request.summary,
        request.retest_analyst,
        request.meaning,
        _deadlines(request.deadlines),
        _at(request.at),
        today,
        who_of(request.actor),
    )
    return investigation_message(record)


def _conclude(session: Session, request: pb.ConcludeRequest, today: date) -> pb.Investigation:
    record = use.conclude(
        session,
        request.investigation_id,
        request.outcome,
        request.summary,
        request.retest_analyst,
        request.meaning,
        _at(request.at),
        today,
        who_of(request.actor),
    )
    return investigation_message(record)


def _get(session: Session, request: pb.GetInvestigationRequest) -> pb.Investigation:
    return investigation_message(use.get(session, request.investigation_id))


def _list(session: Session, request: pb.ListInvestigationsRequest) -> pb.ListInvestigationsResponse:
    records = use.list_investigations(
        session, lab_number=request.lab_number, open_only=request.open_only
    )
    return pb.ListInvestigationsResponse(investigations=[investigation_message(r) for r in records])


class InvestigationServicer(investigation_pb2_grpc.InvestigationServiceServicer):
    """Each call runs its unit of work in one transaction that this edge opens and commits."""

    def __init__(self, db: Database, timezone: str) -> None:
        self._db = db
        self._timezone = timezone

    async def OpenInvestigation(
        self, request: pb.OpenInvestigationRequest, context: grpc.aio.ServicerContext
    ) -> pb.Investigation:
        return await self._db.idempotent_write(_open, request)

    async def RecordEscalation(
        self, request: pb.RecordEscalationRequest, context: grpc.aio.ServicerContext
    ) -> pb.Investigation:
        return await self._db.idempotent_write(_escalate, request)

    async def RecordPhaseOne(
        self, request: pb.RecordPhaseOneRequest, context: grpc.aio.ServicerContext
    ) -> pb.Investigation:
        today = lab_today(self._timezone)
        return await self._db.idempotent_write(_phase_one, request, today)

    async def Conclude(
        self, request: pb.ConcludeRequest, context: grpc.aio.ServicerContext
    ) -> pb.Investigation:
        today = lab_today(self._timezone)
        return await self._db.idempotent_write(_conclude, request, today)

    async def GetInvestigation(
        self, request: pb.GetInvestigationRequest, context: grpc.aio.ServicerContext
    ) -> pb.Investigation:
        return await self._db.read_call(_get, request)

    async def ListInvestigations(
        self, request: pb.ListInvestigationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListInvestigationsResponse:
        return await self._db.read_call(_list, request)
