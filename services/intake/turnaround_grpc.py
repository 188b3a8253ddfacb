"""The turnaround settings' side of IntakeService over gRPC: proto <-> use cases. The servicer
(grpc_server.py) runs each of these in one transaction."""

from sqlalchemy.orm import Session

from kernel.proto_enums import str_to_enum
from kernel.timefmt import to_iso_date, to_rfc3339
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from services.intake import turnaround_service
from services.intake.turnaround_service import TurnaroundSettings
from services.intake.wire import enum_text, who


def settings_to_proto(settings: TurnaroundSettings) -> intake_pb2.TurnaroundSettings:
    """The wire form of the targets and the lab calendar."""
    return intake_pb2.TurnaroundSettings(
        targets=[
            intake_pb2.TurnaroundTarget(
                purpose=str_to_enum(common_pb2.Purpose, setting.purpose.value),
                priority=str_to_enum(common_pb2.Priority, setting.priority.value),
                days=setting.target.days,
                basis=str_to_enum(intake_pb2.TurnaroundBasis, setting.target.basis.value),
                updated_at=to_rfc3339(setting.updated_at),
                updated_by=setting.updated_by,
            )
            for setting in settings.targets
        ],
        working_weekdays=sorted(settings.working_weekdays),
        holidays=[
            intake_pb2.Holiday(date=to_iso_date(holiday.day), name=holiday.name)
            for holiday in settings.holidays
        ],
    )


def get_settings(
    session: Session, request: intake_pb2.GetTurnaroundSettingsRequest
) -> intake_pb2.TurnaroundSettings:
    """GetTurnaroundSettings."""
    return settings_to_proto(turnaround_service.read_settings(session))


def set_target(
    session: Session, request: intake_pb2.SetTurnaroundTargetRequest
) -> intake_pb2.TurnaroundSettings:
    """SetTurnaroundTarget."""
    changed = turnaround_service.set_target(
        session,
        who(request.actor),
        purpose=enum_text(common_pb2.Purpose, request.purpose, "purpose"),
        priority=enum_text(common_pb2.Priority, request.priority, "priority"),
        days=request.days,
        basis=enum_text(intake_pb2.TurnaroundBasis, request.basis, "basis"),
        reason=request.reason,
    )
    return settings_to_proto(changed)


def set_weekdays(
    session: Session, request: intake_pb2.SetWorkingWeekdaysRequest
) -> intake_pb2.TurnaroundSettings:
    """SetWorkingWeekdays."""
    changed = turnaround_service.set_working_weekdays(
        session, who(request.actor), weekdays=list(request.weekdays), reason=request.reason
    )
    return settings_to_proto(changed)


def add_holiday(
    session: Session, request: intake_pb2.AddHolidayRequest
) -> intake_pb2.TurnaroundSettings:
    """AddHoliday."""
    changed = turnaround_service.add_holiday(
        session, who(request.actor), day=request.date, name=request.name, reason=request.reason
    )
    return settings_to_proto(changed)


def remove_holiday(
    session: Session, request: intake_pb2.RemoveHolidayRequest
) -> intake_pb2.TurnaroundSettings:
    """RemoveHoliday."""
    changed = turnaround_service.remove_holiday(
        session, who(request.actor), day=request.date, reason=request.reason
    )
    return settings_to_proto(changed)
