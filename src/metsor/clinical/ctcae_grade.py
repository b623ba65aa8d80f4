"""The result of grading an adverse event by the NCI Common Terminology Criteria (CTCAE)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from metsor.errors import InputError

__all__ = ["CTCAE_VERSIONS", "CtcaeGrade", "CtcaeVersion", "find_term"]

CtcaeVersion = Literal["5.0", "3.0"]
CTCAE_VERSIONS: tuple[str, ...] = ("5.0", "3.0")


@dataclass(frozen=True)
class CtcaeGrade:
    """A CTCAE grade of one adverse event term.

    Attributes
    ----------
    term
        The CTCAE term as the criteria spell it, e.g. "Blood bilirubin increased".
    grade
        0 (none) to 5 (death).
    version
        The CTCAE version whose criteria gave the grade: "5.0" or "3.0".
    basis
        What the grade was measured against: "x ULN", "x baseline" or "absolute" for a
        laboratory value; "observations" or "stated" for a clinical term.
    """

    term: str
    grade: int
    version: CtcaeVersion
    basis: str

    def __post_init__(self) -> None:
        if not 0 <= self.grade <= 5:
            raise InputError(f"CTCAE grade must be 0 to 5, got {self.grade!r}", field="grade")
        if self.version not in CTCAE_VERSIONS:
            raise InputError(
                f"CTCAE version must be '5.0' or '3.0', got {self.version!r}", field="version"
            )


def find_term(term: str, names: Mapping[str, str], kind: str) -> str:
    """Return the CTCAE spelling of ``term`` from ``names`` (keys case-folded), or raise.

    Parameters
    ----------
    term
        The term as written; case and surrounding spaces are ignored.
    names
        Case-folded spellings and aliases mapped to CTCAE spellings.
    kind
        "laboratory" or "clinical", for the error message.
    """
    key = term.strip().casefold() if isinstance(term, str) else ""
    found = names.get(key)
    if found is None:
        known = ", ".join(sorted(set(names.values())))
        raise InputError(f"unknown {kind} CTCAE term {term!r}; known terms: {known}", field="term")
    return found
