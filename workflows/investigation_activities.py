"""The OOS investigation's activities: thin, idempotent calls to testing's InvestigationService."""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from google.protobuf import json_format
from temporalio import activity

from kernel.audit import SYSTEM
from lims.common.v1 import common_pb2
from lims.testing.v1 import investigation_pb2 as pb
from workflows import activity_contracts as ac
from workflows.activities import actor_pb, call

if TYPE_CHECKING:
    from lims.testing.v1.investigation_pb2_grpc import InvestigationServiceAsyncStub

_SYSTEM = common_pb2.Actor(username=SYSTEM.username, full_name=SYSTEM.full_name, role=SYSTEM.role)


def _deadlines(phase_1_days: int, phase_2_days: int) -> pb.Deadlines:
    day = int(timedelta(days=1).total_seconds())
    return pb.Deadlines(phase_1_seconds=phase_1_days * day, phase_2_seconds=phase_2_days * day)


def recorded(record: pb.Investigation) -> ac.InvestigationRecorded:
    """What the workflow keeps of an investigation, and the record for the update's caller."""
    return ac.InvestigationRecorded(
        investigation_id=record.investigation_id,
        phase=record.phase,
        phase_1_due=record.phase_1_due,
        phase_2_due=record.phase_2_due,
        outcome=record.outcome,
        retest_analyst=record.retest_analyst,
        investigation_json=json_format.MessageToJson(
            record, indent=None, preserving_proto_field_name=True
        ),
    )


class InvestigationActivities:
    """Activities of OosInvestigation; the worker builds one with testing's stub."""

    def __init__(self, investigations: "InvestigationServiceAsyncStub") -> None:
        self._investigations = investigations

    @activity.defn(name=ac.OPEN_INVESTIGATION)
    async def open_investigation(self, request: ac.OpenInvestigation) -> ac.InvestigationRecorded:
        """Opens the investigation (a repeat returns it)."""
        record = await call(
            self._investigations.OpenInvestigation,
            pb.OpenInvestigationRequest(
                test_id=request.test_id,
                attempt=request.attempt,
                at=request.at,
                deadlines=_deadlines(request.phase_1_days, request.phase_2_days),
                actor=_SYSTEM,
            ),
        )
        return recorded(record)

    @activity.defn(name=ac.RECORD_ESCALATION)
    async def record_escalation(self, request: ac.RecordEscalation) -> ac.InvestigationRecorded:
        """Records a missed deadline (once per phase)."""
        record = await call(
            self._investigations.RecordEscalation,
            pb.RecordEscalationRequest(
                investigation_id=request.investigation_id,
                phase=request.phase,
                at=request.at,
                actor=_SYSTEM,
            ),
        )
        return recorded(record)

    @activity.defn(name=ac.RECORD_PHASE_ONE)
    async def record_phase_one(self, request: ac.RecordPhaseOne) -> ac.InvestigationRecorded:
        """The signed Phase I finding (a repeat returns the record)."""
        record = await call(
            self._investigations.RecordPhaseOne,
            pb.RecordPhaseOneRequest(
                investigation_id=request.investigation_id,
                checklist=request.checklist,
                cause_found=request.cause_found,
                summary=request.summary,
                retest_analyst=request.retest_analyst,
                meaning=request.meaning,
                deadlines=_deadlines(request.phase_1_days, request.phase_2_days),
                at=request.at,
                actor=actor_pb(request.actor),
            ),
        )
        return recorded(record)

    @activity.defn(name=ac.CONCLUDE_INVESTIGATION)
    async def conclude(self, request: ac.ConcludeInvestigation) -> ac.InvestigationRecorded:
        """The signed Phase II conclusion (a repeat returns the record)."""
        record = await call(
            self._investigations.Conclude,
            pb.ConcludeRequest(
                investigation_id=request.investigation_id,
                outcome=request.outcome,
                summary=request.summary,
                retest_analyst=request.retest_analyst,
                meaning=request.meaning,
                at=request.at,
                actor=actor_pb(request.actor),
            ),
        )
        return recorded(record)

    def all(self) -> list[Callable[..., Awaitable[object]]]:
        """Every activity, for the worker."""
        return [
            self.open_investigation,
            self.record_escalation,
            self.record_phase_one,
            self.conclude,
        ]
