"""JSON shapes of the casebook and queries API.

An entry whose service checks its input by a model takes that model as its body (less the
subject, in the path): visits, visits not done, laboratory values, vital signs, adverse
events, tumour assessments, dosing, new anticancer therapies, survival contacts, deaths and
withdrawals, so that a field's type and bounds are written once.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from metsor.services.casebook.adverse_events import AdverseEventInput as AdverseEventIn
from metsor.services.casebook.deaths import DeathInput as DeathIn
from metsor.services.casebook.dosing import DoseInput as DoseIn
from metsor.services.casebook.labs import LabInput as LabIn
from metsor.services.casebook.missed_visits import MissedVisitInput as MissedVisitIn
from metsor.services.casebook.survival_contacts import (
    SurvivalContactInput as SurvivalContactIn,
)
from metsor.services.casebook.therapies import AnticancerTherapyInput as AnticancerTherapyIn
from metsor.services.casebook.tumour import LesionInput as LesionIn
from metsor.services.casebook.tumour import TumourAssessmentInput as TumourAssessmentIn
from metsor.services.casebook.visits import VisitInput as VisitIn
from metsor.services.casebook.vital_signs import VitalSignsInput as VitalSignsIn
from metsor.services.casebook.withdrawals import WithdrawalInput as WithdrawalIn

__all__ = [
    "AdverseEventIn",
    "AnticancerTherapyIn",
    "CorrectionIn",
    "DeathIn",
    "DoseIn",
    "LabIn",
    "LesionIn",
    "MissedVisitIn",
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
