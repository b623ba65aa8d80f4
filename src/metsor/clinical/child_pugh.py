"""Child-Pugh score and class of liver function.

Points per component (1 / 2 / 3), from the Cleveland Clinic Journal of Medicine table and
Harrison's Principles of Internal Medicine:

==================  ============  ================  ===============
component           1             2                 3
==================  ============  ================  ===============
total bilirubin     < 2 mg/dL     2–3 mg/dL         > 3 mg/dL
albumin             > 3.5 g/dL    2.8–3.5 g/dL      < 2.8 g/dL
INR                 < 1.7         1.7–2.3           > 2.3
ascites             none          mild              moderate–severe
encephalopathy      none          grade 1–2         grade 3–4
==================  ============  ================  ===============

Class A is 5–6 points, B 7–9, C 10–15.

Boundaries: the middle band is closed at both ends, so a value exactly on a cut-off scores
2 points (bilirubin 2.0 and 3.0 mg/dL, albumin 3.5 and 2.8 g/dL, INR 1.7 and 2.3). Values are
compared after rounding to six decimals, so that a value converted from another unit (34.2
µmol/L is 2.0 mg/dL) is not pushed across a cut-off by floating-point noise. The lower albumin
cut-off differs between sources (2.8 g/dL in oncology use, 3.0 g/dL in some textbooks); it is
the ``albumin_cutoff_g_dl`` setting, default 2.8.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from metsor.clinical._checks import non_negative
from metsor.errors import InputError

__all__ = ["ASCITES_GRADES", "ChildPughClass", "ChildPughScore", "child_pugh"]

ChildPughClass = Literal["A", "B", "C"]
Ascites = Literal["none", "mild", "moderate", "severe"]

ASCITES_GRADES: tuple[str, ...] = ("none", "mild", "moderate", "severe")
"""Accepted ascites grades; "mild" covers controlled ascites, "severe" refractory."""

_ASCITES_POINTS: Mapping[str, int] = MappingProxyType(
    {"none": 1, "mild": 2, "moderate": 3, "severe": 3}
)
_DECIMALS = 6


@dataclass(frozen=True)
class ChildPughScore:
    """A Child-Pugh result.

    Attributes
    ----------
    points
        Total points, 5 to 15.
    child_pugh_class
        "A" (5–6 points), "B" (7–9) or "C" (10–15).
    components
        Points of each component: bilirubin, albumin, inr, ascites, encephalopathy.
    """

    points: int
    child_pugh_class: ChildPughClass
    components: Mapping[str, int]


def _band(value: float, low: float, high: float) -> int:
    """Points for a component that worsens as it rises: < low 1, low–high 2, > high 3."""
    value = round(value, _DECIMALS)
    if value < low:
        return 1
    return 2 if value <= high else 3


def _falling_band(value: float, low: float, high: float) -> int:
    """Points for a component that worsens as it falls: > high 1, low–high 2, < low 3."""
    value = round(value, _DECIMALS)
    if value > high:
        return 1
    return 2 if value >= low else 3


def _encephalopathy_points(grade: int) -> int:
    if isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade <= 4:
        raise InputError(
            f"encephalopathy_grade must be an integer 0 to 4 (West Haven), got {grade!r}",
            field="encephalopathy_grade",
        )
    if grade == 0:
        return 1
    return 2 if grade <= 2 else 3


def _class_of(points: int) -> ChildPughClass:
    if points <= 6:
        return "A"
    return "B" if points <= 9 else "C"


def child_pugh(
    *,
    bilirubin_mg_dl: float,
    albumin_g_dl: float,
    inr: float,
    ascites: Ascites,
    encephalopathy_grade: int,
    albumin_cutoff_g_dl: float = 2.8,
) -> ChildPughScore:
    """Score liver function by Child-Pugh.

    Parameters
    ----------
    bilirubin_mg_dl
        Total bilirubin in mg/dL (convert µmol/L with :func:`metsor.clinical.units.convert`).
    albumin_g_dl
        Serum albumin in g/dL.
    inr
        International normalised ratio.
    ascites
        "none", "mild" (or controlled), "moderate" or "severe" (or refractory).
    encephalopathy_grade
        Hepatic encephalopathy, West Haven grade 0 (none) to 4.
    albumin_cutoff_g_dl
        The albumin value below which albumin scores 3 points; 2.8 by default, 3.0 in some
        textbooks. Must lie below 3.5.

    Returns
    -------
    ChildPughScore
        Points, class and the points of each component.

    Raises
    ------
    InputError
        Naming the argument, for a negative or non-finite value, an unknown ascites grade, an
        encephalopathy grade outside 0–4, or an albumin cut-off not below 3.5 g/dL.

    References
    ----------
    Pugh RN et al. Transection of the oesophagus for bleeding oesophageal varices.
    Br J Surg 1973;60:646–649.
    """
    cutoff = non_negative(albumin_cutoff_g_dl, "albumin_cutoff_g_dl")
    if not 0 < cutoff < 3.5:
        raise InputError(
            f"albumin_cutoff_g_dl must lie between 0 and 3.5 g/dL, got {albumin_cutoff_g_dl!r}",
            field="albumin_cutoff_g_dl",
        )
    if ascites not in _ASCITES_POINTS:
        raise InputError(
            f"ascites must be one of {', '.join(ASCITES_GRADES)}, got {ascites!r}",
            field="ascites",
        )
    components = {
        "bilirubin": _band(non_negative(bilirubin_mg_dl, "bilirubin_mg_dl"), 2.0, 3.0),
        "albumin": _falling_band(non_negative(albumin_g_dl, "albumin_g_dl"), cutoff, 3.5),
        "inr": _band(non_negative(inr, "inr"), 1.7, 2.3),
        "ascites": _ASCITES_POINTS[ascites],
        "encephalopathy": _encephalopathy_points(encephalopathy_grade),
    }
    points = sum(components.values())
    return ChildPughScore(
        points=points,
        child_pugh_class=_class_of(points),
        components=MappingProxyType(components),
    )
