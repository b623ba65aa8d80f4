"""JSON shapes of the subjects API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ConsentIn", "RegistrationIn", "ScreeningCheckIn"]


class RegistrationIn(BaseModel):
    """A candidate to register: their screening record, site and day of screening."""

    model_config = ConfigDict(extra="forbid")

    record: dict[str, Any] = Field(description="Screening record (see `metsor screen --schema`).")
    site: str | None = Field(default=None, max_length=64, description="Site code (admin only).")
    screened_on: dt.date | None = Field(default=None, description="Day of screening (today).")


class ConsentIn(BaseModel):
    """A consent to record."""

    model_config = ConfigDict(extra="forbid")

    consent_date: dt.date


class ScreeningCheckIn(BaseModel):
    """A screening record to check without storing it."""

    model_config = ConfigDict(extra="forbid")

    record: dict[str, Any]
