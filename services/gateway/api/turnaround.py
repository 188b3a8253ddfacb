"""Turnaround targets and the lab calendar: any staff member reads them, the admin changes
them, each change with a reason (audited by intake)."""

from typing import Annotated, Any, cast

from fastapi import APIRouter, Query

from kernel.proto_enums import enum_to_str, str_to_enum
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from services.gateway.deps import Acting, AsAdmin, AsStaff, Clients
from services.gateway.problems import responses
from services.gateway.schemas import Priority, Purpose
from services.gateway.turnaround_schemas import (
    HolidayIn,
    HolidayOut,
    LabCalendarOut,
    TurnaroundSettingsOut,
    TurnaroundTargetIn,
    TurnaroundTargetOut,
    WorkingWeekdaysIn,
)

router = APIRouter(prefix="/settings", tags=["settings"])

_CHANGE_ERRORS = responses(401, 403, 404, 409, 422, 502, 503)


def _actor(acting: Acting) -> common_pb2.Actor:
    return common_pb2.Actor(
        username=acting.username, full_name=acting.identity.full_name, role=acting.role
    )


def settings_out(settings: intake_pb2.TurnaroundSettings) -> TurnaroundSettingsOut:
    """The REST form of the targets and the calendar."""
    return TurnaroundSettingsOut(
        targets=[
            TurnaroundTargetOut(
                purpose=cast(Any, enum_to_str(common_pb2.Purpose, target.purpose)),
                priority=cast(Any, enum_to_str(common_pb2.Priority, target.priority)),
                days=target.days,
                basis=cast(
                    Any, enum_to_str(intake_pb2.TurnaroundBasis, target.basis) or "calendar_days"
                ),
                updated_at=target.updated_at or None,
                updated_by=target.updated_by or None,
            )
            for target in settings.targets
        ],
        calendar=LabCalendarOut(
            working_weekdays=list(settings.working_weekdays),
            holidays=[HolidayOut(date=h.date, name=h.name) for h in settings.holidays],
        ),
    )


@router.get("/turnaround", responses=responses(401, 403, 502, 503))
async def get_turnaround(clients: Clients, _acting: AsStaff) -> TurnaroundSettingsOut:
    """Every turnaround target (per purpose and priority) and the lab calendar."""
    found = await clients.intake.GetTurnaroundSettings(intake_pb2.GetTurnaroundSettingsRequest())
    return settings_out(found)


@router.put("/turnaround/{purpose}/{priority}", responses=_CHANGE_ERRORS)
async def set_turnaround_target(
    purpose: Purpose,
    priority: Priority,
    body: TurnaroundTargetIn,
    clients: Clients,
    acting: AsAdmin,
) -> TurnaroundSettingsOut:
    """Sets the target of one purpose and priority, in calendar or working days, for samples
    received from now on (a sample keeps the target in force at its receipt)."""
    changed = await clients.intake.SetTurnaroundTarget(
        intake_pb2.SetTurnaroundTargetRequest(
            actor=_actor(acting),
            purpose=str_to_enum(common_pb2.Purpose, purpose),
            priority=str_to_enum(common_pb2.Priority, priority),
            days=body.days,
            basis=str_to_enum(intake_pb2.TurnaroundBasis, body.basis),
            reason=body.reason,
        )
    )
    return settings_out(changed)


@router.put("/calendar/weekdays", responses=_CHANGE_ERRORS)
async def set_working_weekdays(
    body: WorkingWeekdaysIn, clients: Clients, acting: AsAdmin
) -> TurnaroundSettingsOut:
    """Sets the lab's working weekdays (ISO numbers, 1 = Monday ... 7 = Sunday)."""
    changed = await clients.intake.SetWorkingWeekdays(
        intake_pb2.SetWorkingWeekdaysRequest(
            actor=_actor(acting), weekdays=body.weekdays, reason=body.reason
        )
    )
    return settings_out(changed)


@router.get("/calendar/holidays", responses=responses(401, 403, 502, 503))
async def list_holidays(clients: Clients, _acting: AsStaff) -> list[HolidayOut]:
    """The non-working dates, earliest first."""
    found = await clients.intake.GetTurnaroundSettings(intake_pb2.GetTurnaroundSettingsRequest())
    return settings_out(found).calendar.holidays


@router.post("/calendar/holidays", status_code=201, responses=_CHANGE_ERRORS)
async def add_holiday(body: HolidayIn, clients: Clients, acting: AsAdmin) -> TurnaroundSettingsOut:
    """Adds a non-working date (409 if it is already listed)."""
    changed = await clients.intake.AddHoliday(
        intake_pb2.AddHolidayRequest(
            actor=_actor(acting), date=body.date, name=body.name, reason=body.reason
        )
    )
    return settings_out(changed)


@router.delete("/calendar/holidays/{date}", responses=_CHANGE_ERRORS)
async def remove_holiday(
    date: str,
    clients: Clients,
    acting: AsAdmin,
    reason: Annotated[
        str, Query(min_length=1, max_length=500, description="Why, for the audit trail.")
    ],
) -> TurnaroundSettingsOut:
    """Removes a non-working date (404 if it is not listed)."""
    changed = await clients.intake.RemoveHoliday(
        intake_pb2.RemoveHolidayRequest(actor=_actor(acting), date=date, reason=reason)
    )
    return settings_out(changed)
