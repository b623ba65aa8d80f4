"""Reading the findings a clinical CTCAE term is graded on: flags, choices, limits of daily
living and life-threatening or fatal outcomes, shared by every clinical term.

CTCAE v5.0 (NCI, 2017) defines activities of daily living (ADL): instrumental ADL are
preparing meals, shopping, using the telephone, managing money; self-care ADL are bathing,
dressing, feeding oneself, using the toilet, taking medications, not bedridden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from metsor.clinical._checks import non_negative
from metsor.clinical.ctcae_grade import CtcaeVersion
from metsor.errors import InputError

__all__ = [
    "ADL_LIMITATIONS",
    "SEVERITIES",
    "Term",
    "adl_grade",
    "choice",
    "flag",
    "outcome_grade",
    "percent",
    "severity_grade",
]

ADL_LIMITATIONS: tuple[str, ...] = ("none", "instrumental", "self_care")
"""How far an event limits activities of daily living (ADL)."""

SEVERITIES: tuple[str, ...] = ("none", "mild", "moderate", "severe")
"""Severity of a symptom as CTCAE words it (grade 1 mild, 2 moderate, 3 severe)."""


@dataclass(frozen=True)
class Term:
    """A clinical CTCAE term: its version, the grades it has, and how findings grade it.

    Attributes
    ----------
    version
        The CTCAE version of the definition.
    grades
        The grades the term has, 0 (none) included.
    from_observations
        Takes the findings (removing those it reads) and returns the grade.
    """

    version: CtcaeVersion
    grades: tuple[int, ...]
    from_observations: Callable[[dict[str, Any]], int]


def flag(observations: dict[str, Any], name: str) -> bool:
    """Remove and return a true/false finding (absent: false)."""
    value = observations.pop(name, False)
    if not isinstance(value, bool):
        raise InputError(f"{name} must be true or false, got {value!r}", field=name)
    return value


def choice(observations: dict[str, Any], name: str, options: tuple[str, ...]) -> str:
    """Remove and return a finding that is one of ``options`` (absent: the first)."""
    value = observations.pop(name, options[0])
    if value not in options:
        raise InputError(f"{name} must be one of {', '.join(options)}, got {value!r}", field=name)
    return str(value)


def percent(observations: dict[str, Any], name: str) -> float:
    """Remove and return a required percentage in [0, 100]."""
    if name not in observations:
        raise InputError(f"give {name} (per cent)", field=name)
    value = non_negative(observations.pop(name), name)
    if value > 100.0:
        raise InputError(f"{name} must be at most 100 (per cent), got {value!r}", field=name)
    return value


def adl_grade(observations: dict[str, Any]) -> int:
    """0 with no limitation, 2 limiting instrumental ADL, 3 limiting self-care ADL."""
    return {"none": 0, "instrumental": 2, "self_care": 3}[
        choice(observations, "adl_limitation", ADL_LIMITATIONS)
    ]


def outcome_grade(observations: dict[str, Any]) -> int:
    """5 for death, 4 for life-threatening consequences, otherwise 0."""
    if flag(observations, "death"):
        return 5
    return 4 if flag(observations, "life_threatening") else 0


def severity_grade(observations: dict[str, Any]) -> int:
    """0 none, 1 mild, 2 moderate, 3 severe, raised by the limit of daily living."""
    severity = SEVERITIES.index(choice(observations, "severity", SEVERITIES))
    return max(severity, adl_grade(observations))
