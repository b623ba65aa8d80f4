"""JSON shapes of the casebook and queries API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AdverseEventIn", "LabIn", "QueryAnswerIn", "QueryCloseIn", "QueryIn"]


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
