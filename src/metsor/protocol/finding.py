"""A finding of a protocol review: what is wrong or worth knowing, where, and on whose word."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["SEVERITY_ORDER", "Finding", "Severity"]

Severity = Literal["error", "warning", "info"]

#: Errors first, then warnings, then notes.
SEVERITY_ORDER: dict[Severity, int] = {"error": 0, "warning": 1, "info": 2}


class Finding(BaseModel):
    """One finding of :func:`metsor.protocol.review.review_protocol`.

    Attributes
    ----------
    code
        A stable name of the kind of finding (``dose_implausible``, ``power``, ...).
    severity
        ``error``: the protocol cannot be run as written; ``warning``: it can, but the point
        needs a decision; ``info``: worth knowing.
    field
        Where in the protocol (``interventions[Sorafenib].dose``, ``criteria[age]``).
    message
        What is found, in words.
    source
        The label, paper or registry field the finding rests on.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    severity: Severity
    field: str
    message: str
    source: str
