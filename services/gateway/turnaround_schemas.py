"""Bodies and answers of the turnaround settings' endpoints: the targets per purpose and
priority, and the lab calendar (working weekdays, non-working dates)."""

from typing import Literal

from pydantic import BaseModel, Field

from services.gateway.schemas import Input, IsoDate, Priority, Purpose, Text, Timestamp

Basis = Literal["calendar_days", "working_days"]


class TurnaroundTargetOut(BaseModel):
    """The turnaround target of one purpose and priority."""

    purpose: Purpose
    priority: Priority
    days: int = Field(description="Days from receipt.", examples=[15])
    basis: Basis = Field(description="Every day counts, or only the lab's working days.")
    updated_at: Timestamp | None = Field(description="Last change by an admin; none: default.")
    updated_by: str | None = Field(description="Who changed it last; none: the default.")


class HolidayOut(BaseModel):
    """A date the lab does not work."""

    date: IsoDate = Field(examples=["2026-05-01"])
    name: str = Field(examples=["Fête du Travail"])


class LabCalendarOut(BaseModel):
    """The lab's working week and its non-working dates."""

    working_weekdays: list[int] = Field(
        description="ISO numbers, 1 = Monday ... 7 = Sunday.", examples=[[1, 2, 3, 4, 5]]
    )
    holidays: list[HolidayOut] = Field(description="Earliest first.")


class TurnaroundSettingsOut(BaseModel):
    """Every turnaround target and the lab calendar. A sample keeps the target in force when it
    was received: a change applies to samples received afterwards."""

    targets: list[TurnaroundTargetOut]
    calendar: LabCalendarOut


class TurnaroundTargetIn(Input):
    """A new target for one purpose and priority (admin)."""

    days: int = Field(description="Days from receipt, 1 to 365.", examples=[10])
    basis: Basis = Field(default="calendar_days")
    reason: Text = Field(min_length=1, description="Why, for the audit trail.")


class WorkingWeekdaysIn(Input):
    """The lab's working weekdays (admin)."""

    weekdays: list[int] = Field(
        description="ISO numbers, 1 = Monday ... 7 = Sunday; at least one.",
        examples=[[1, 2, 3, 4, 5]],
    )
    reason: Text = Field(min_length=1, description="Why, for the audit trail.")


class HolidayIn(Input):
    """A new non-working date (admin)."""

    date: IsoDate = Field(examples=["2026-05-01"])
    name: str = Field(min_length=1, max_length=200, examples=["Fête du Travail"])
    reason: Text = Field(min_length=1, description="Why, for the audit trail.")
