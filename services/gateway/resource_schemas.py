"""REST bodies of the resources that gate testing: qualifications, instruments, reference
standards, reagents, what expires, and the choices an assignment may name."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from services.gateway.schemas import Input, Text

StandardSourceName = Literal["ph_eur_crs", "usp_rs", "who_icrs", "in_house_secondary"]
InstrumentStatusName = Literal["in_service", "out_of_service"]
_REASON = "Why it changes: required to change an existing record (audited)."


class QualificationIn(Input):
    """An analyst's qualification for a technique; the same analyst and technique again
    changes it (with a reason)."""

    analyst: str = Field(min_length=1, max_length=100, examples=["analyst"])
    technique: str = Field(min_length=1, max_length=50, examples=["HPLC"])
    qualified_on: date
    expires_on: date
    training_record: str = Field(min_length=1, max_length=200, examples=["TR-2026-014"])
    reason: Text = Field(default="", description=_REASON)


class QualificationOut(BaseModel):
    """An analyst's qualification for a technique, valid from qualified_on to expires_on."""

    analyst: str
    technique: str
    qualified_on: date
    expires_on: date
    training_record: str


class InstrumentIn(Input):
    """An instrument; the same code again changes it (with a reason)."""

    code: str = Field(min_length=1, max_length=40, examples=["HPLC-01"])
    name: str = Field(min_length=1, max_length=200)
    techniques: list[str] = Field(min_length=1, max_length=20, examples=[["HPLC"]])
    calibration_due: date = Field(description="Usable up to and including this day.")
    status: InstrumentStatusName = "in_service"
    out_of_service_reason: Text = ""
    reason: Text = Field(default="", description=_REASON)


class InstrumentOut(BaseModel):
    """An instrument, the techniques it serves, its calibration due date and status."""

    code: str
    name: str
    techniques: list[str]
    calibration_due: date
    status: InstrumentStatusName
    out_of_service_reason: str


class ReferenceStandardIn(Input):
    """A reference standard lot; the same lot again changes it (with a reason)."""

    lot: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200, examples=["Paracetamol CRS"])
    source: StandardSourceName
    expires_on: date
    quantity: str = Field(pattern=r"^\d+(\.\d+)?$", examples=["100"])
    quantity_unit: str = Field(min_length=1, max_length=20, examples=["mg"])
    reason: Text = Field(default="", description=_REASON)


class ReferenceStandardOut(BaseModel):
    """A reference standard lot."""

    lot: str
    name: str
    source: StandardSourceName
    expires_on: date
    quantity: str
    quantity_unit: str


class ReagentIn(Input):
    """A reagent lot; the same lot again changes it (with a reason)."""

    lot: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    expires_on: date
    reason: Text = Field(default="", description=_REASON)


class ReagentOut(BaseModel):
    """A reagent lot."""

    lot: str
    name: str
    expires_on: date


class ExpiringOut(BaseModel):
    """Something expired, or expiring within the window."""

    kind: Literal["qualification", "instrument", "reference_standard", "reagent"]
    key: str = Field(description="analyst / technique, instrument code, or lot number.")
    name: str
    date: date
    days_left: int = Field(description="Negative when already past.")


class ExpiringPage(BaseModel):
    """What expires soon, soonest first."""

    today: date = Field(description="In the lab's time zone.")
    within_days: int
    items: list[ExpiringOut]


class AssignmentChoicesOut(BaseModel):
    """What an assignment of one test may name today: everything else would be refused."""

    technique: str
    instrument_required: bool
    analysts: list[str] = Field(description="Active analysts qualified today for the technique.")
    instruments: list[InstrumentOut]
    reference_standards: list[ReferenceStandardOut]
    reagents: list[ReagentOut]
