"""JSON shapes of the casebook and queries API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AdverseEventIn",
    "AnticancerTherapyIn",
    "CorrectionIn",
    "DeathIn",
    "DoseIn",
    "LabIn",
    "LesionIn",
    "QueryAnswerIn",
    "QueryCloseIn",
    "QueryIn",
    "SurvivalContactIn",
    "TumourAssessmentIn",
    "VisitIn",
    "VitalSignsIn",
    "WithdrawalIn",
]

#: The most lesions one tumour assessment may list.
MAX_LESIONS = 50


class LabIn(BaseModel):
    """A laboratory value: graded by CTCAE when stored."""

    model_config = ConfigDict(extra="forbid")

    analyte: str = Field(max_length=32)
    value: float
    unit: str = Field(max_length=16)
    collected_on: dt.date
    lln: float | None = None
    uln: float | None = None


class AdverseEventIn(BaseModel):
    """An adverse event, with relatedness and action for each study drug of the arm."""

    model_config = ConfigDict(extra="forbid")

    term: str = Field(max_length=128)
    grade: int
    onset_date: dt.date
    relatedness: dict[str, str]
    action_taken: dict[str, str]
    serious: bool = False
    outcome: str = Field(default="not_recovered", max_length=32)
    resolution_date: dt.date | None = None


class QueryIn(BaseModel):
    """A query on one field of one casebook record."""

    model_config = ConfigDict(extra="forbid")

    table: str = Field(max_length=64)
    record_id: int
    field: str = Field(max_length=64)
    question: str = Field(max_length=4000)


class QueryAnswerIn(BaseModel):
    """The site's answer to an open query."""

    model_config = ConfigDict(extra="forbid")

    answer: str = Field(max_length=4000)


class QueryCloseIn(BaseModel):
    """How a query was resolved."""

    model_config = ConfigDict(extra="forbid")

    resolution: str = Field(max_length=4000)


class VisitIn(BaseModel):
    """A visit that took place; its number defaults to the next of its type."""

    model_config = ConfigDict(extra="forbid")

    visit_type: str = Field(max_length=24)
    actual_date: dt.date
    number: int | None = None


class VitalSignsIn(BaseModel):
    """The vital signs of one day; blood pressure is graded as CTCAE hypertension."""

    model_config = ConfigDict(extra="forbid")

    measured_on: dt.date
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int | None = None
    temperature_c: float | None = None
    weight_kg: float | None = None
    ecog: int | None = None


class LesionIn(BaseModel):
    """One lesion of a tumour assessment (target, non-target or new)."""

    model_config = ConfigDict(extra="forbid")

    lesion_id: str = Field(max_length=32)
    organ: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    diameter_mm: float | None = None
    viable_diameter_mm: float | None = None
    is_lymph_node: bool = False
    short_axis_mm: float | None = None
    enhancing: bool | None = None


class TumourAssessmentIn(BaseModel):
    """A tumour assessment with its lesions; the answer carries the RECIST 1.1 and mRECIST
    responses."""

    model_config = ConfigDict(extra="forbid")

    assessed_on: dt.date
    method: str = Field(default="CT", max_length=8)
    non_target_status: str = Field(default="present", max_length=32)
    new_lesion: bool = False
    lesions: list[LesionIn] = Field(max_length=MAX_LESIONS)


class DoseIn(BaseModel):
    """A dosing event of one study drug: start, reduce, escalate, interrupt, resume, stop."""

    model_config = ConfigDict(extra="forbid")

    drug: str = Field(max_length=32)
    event: str = Field(max_length=16)
    event_date: dt.date
    level: str | None = Field(default=None, max_length=16)
    reason: str | None = Field(default=None, max_length=4000)
    egfr_override: str | None = Field(default=None, max_length=4000)


class AnticancerTherapyIn(BaseModel):
    """A new anticancer therapy given besides the study treatment."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=128)
    category: str = Field(max_length=16)
    started_on: dt.date
    ended_on: dt.date | None = None


class SurvivalContactIn(BaseModel):
    """A contact of survival follow-up."""

    model_config = ConfigDict(extra="forbid")

    contact_on: dt.date
    status: str = Field(max_length=8)
    method: str = Field(max_length=16)


class DeathIn(BaseModel):
    """The death of a randomized subject."""

    model_config = ConfigDict(extra="forbid")

    death_date: dt.date
    cause: str = Field(max_length=32)
    cause_detail: str | None = Field(default=None, max_length=4000)


class WithdrawalIn(BaseModel):
    """The end of a subject's follow-up."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=32)
    withdrawn_on: dt.date
    reason: str = Field(max_length=4000)
    last_contact_date: dt.date | None = None


class CorrectionIn(BaseModel):
    """A change of one recorded value, with the reason (and the query it answers)."""

    model_config = ConfigDict(extra="forbid")

    table: str = Field(max_length=64)
    record_id: int
    field: str = Field(max_length=64)
    value: bool | int | float | Annotated[str, Field(max_length=4000)] | None = Field(
        description="The new value, or its text (2016-03-01, 12.5, true; null to clear)"
    )
    reason: str = Field(max_length=4000)
    query_id: int | None = None
