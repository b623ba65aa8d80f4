"""JSON shapes of the casebook and queries API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from metsor.services.casebook.deaths import DeathInput as DeathIn
from metsor.services.casebook.dosing import DoseInput as DoseIn
from metsor.services.casebook.survival_contacts import (
    SurvivalContactInput as SurvivalContactIn,
)
from metsor.services.casebook.therapies import AnticancerTherapyInput as AnticancerTherapyIn
from metsor.services.casebook.tumour import LesionInput as LesionIn
from metsor.services.casebook.tumour import TumourAssessmentInput as TumourAssessmentIn
from metsor.services.casebook.withdrawals import WithdrawalInput as WithdrawalIn

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
