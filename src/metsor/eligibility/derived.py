"""Scores derived from a screening record: Child-Pugh, ALBI and the BCLC stage.

The scores themselves are computed by :mod:`metsor.clinical`; this module only gathers their
inputs from a record, in the units each score expects. A record may lack some inputs. For
Child-Pugh the bounds are still useful: each missing component is set to its best (1 point) and
its worst (3 points) value, which gives the lowest and highest score the patient could have.
When both agree, the score is known; when even the lowest score is 7 or more, the patient is
not class A whatever the missing values turn out to be.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from metsor.clinical import albi_grade, albi_score, bclc_stage, child_pugh
from metsor.clinical.child_pugh import ChildPughScore
from metsor.eligibility.record import ScreeningRecord

__all__ = [
    "BCLC_VERSION",
    "ChildPughBounds",
    "albi_of",
    "bclc_of",
    "child_pugh_bounds",
    "derived_scores",
]

BCLC_VERSION: Literal["2022"] = "2022"
"""The BCLC version used for the derived stage (Reig et al., J Hepatol 2022)."""

_Ascites = Literal["none", "mild", "moderate", "severe"]

# (best value, worst value) of each Child-Pugh component, used when it is missing.
_BILIRUBIN_MG_DL = (1.0, 4.0)
_ALBUMIN_G_DL = (4.0, 2.0)
_INR = (1.0, 3.0)
_ASCITES: tuple[_Ascites, _Ascites] = ("none", "severe")
_ENCEPHALOPATHY = (0, 4)


@dataclass(frozen=True)
class ChildPughBounds:
    """The lowest and highest Child-Pugh score a record allows.

    Attributes
    ----------
    best, worst
        The score with every missing component at its best and at its worst value.
    missing
        Names of the missing components (empty when the score is known).
    """

    best: ChildPughScore
    worst: ChildPughScore
    missing: tuple[str, ...]

    @property
    def known(self) -> ChildPughScore | None:
        """The score when no component is missing, else None."""
        return None if self.missing else self.best

    @property
    def child_pugh_class(self) -> str | None:
        """The class when the bounds fix it (even with components missing), else None."""
        if self.best.child_pugh_class == self.worst.child_pugh_class:
            return self.best.child_pugh_class
        return None


def child_pugh_bounds(record: ScreeningRecord, albumin_cutoff_g_dl: float = 2.8) -> ChildPughBounds:
    """Child-Pugh score bounds of a record, missing components at their best and worst.

    Parameters
    ----------
    record
        The screening record.
    albumin_cutoff_g_dl
        Albumin cut-off of 3 points, passed to :func:`metsor.clinical.child_pugh`.

    Returns
    -------
    ChildPughBounds
        Best and worst scores and the missing components.
    """
    labs, liver = record.labs, record.liver
    bilirubin = labs.total_bilirubin if labs else None
    albumin = labs.albumin if labs else None
    inr = labs.inr if labs else None
    ascites = liver.ascites if liver else None
    encephalopathy = liver.encephalopathy_grade if liver else None
    known = {
        "total bilirubin": bilirubin,
        "albumin": albumin,
        "INR": inr,
        "ascites": ascites,
        "encephalopathy": encephalopathy,
    }
    missing = tuple(name for name, value in known.items() if value is None)

    def score(side: int) -> ChildPughScore:
        return child_pugh(
            bilirubin_mg_dl=bilirubin.in_canonical_unit() if bilirubin else _BILIRUBIN_MG_DL[side],
            albumin_g_dl=albumin.in_canonical_unit() if albumin else _ALBUMIN_G_DL[side],
            inr=inr.value if inr else _INR[side],
            ascites=ascites if ascites is not None else _ASCITES[side],
            encephalopathy_grade=(
                encephalopathy if encephalopathy is not None else _ENCEPHALOPATHY[side]
            ),
            albumin_cutoff_g_dl=albumin_cutoff_g_dl,
        )

    return ChildPughBounds(best=score(0), worst=score(1), missing=missing)


def albi_of(record: ScreeningRecord) -> tuple[float, int] | None:
    """ALBI score and grade of a record.

    Parameters
    ----------
    record
        The screening record.

    Returns
    -------
    tuple of (float, int) or None
        Score and grade, or None when bilirubin or albumin is missing, or bilirubin is zero
        (the score takes its logarithm).

    References
    ----------
    Johnson PJ et al. J Clin Oncol 2015;33:550–558.
    """
    labs = record.labs
    if labs is None or labs.total_bilirubin is None or labs.albumin is None:
        return None
    bilirubin_mg_dl = labs.total_bilirubin.in_canonical_unit()
    if bilirubin_mg_dl <= 0:
        return None
    score = albi_score(
        bilirubin_umol_l=labs.total_bilirubin.in_unit("umol/L"),
        albumin_g_l=labs.albumin.in_unit("g/L"),
    )
    return score, albi_grade(score)


def bclc_of(record: ScreeningRecord, bounds: ChildPughBounds) -> str | None:
    """BCLC stage (2022) of a record.

    Parameters
    ----------
    record
        The screening record.
    bounds
        Its Child-Pugh bounds; the class must be fixed by them.

    Returns
    -------
    str or None
        The stage "0", "A", "B", "C" or "D", or None when an input is missing.

    References
    ----------
    Reig M et al. BCLC strategy for prognosis prediction and treatment recommendation:
    the 2022 update. J Hepatol 2022;76:681–693.
    """
    tumour = record.tumour
    child_pugh_class = bounds.child_pugh_class
    if (
        tumour is None
        or tumour.nodules is None
        or tumour.largest_nodule_cm is None
        or tumour.macrovascular_invasion is None
        or tumour.extrahepatic_spread is None
        or record.ecog is None
        or record.ecog == 5
        or child_pugh_class is None
    ):
        return None
    return bclc_stage(
        nodules=tumour.nodules,
        largest_nodule_cm=tumour.largest_nodule_cm,
        macrovascular_invasion=tumour.macrovascular_invasion,
        extrahepatic_spread=tumour.extrahepatic_spread,
        ecog=record.ecog,
        child_pugh_class=child_pugh_class,
        version=BCLC_VERSION,
    ).stage


def derived_scores(record: ScreeningRecord, albumin_cutoff_g_dl: float = 2.8) -> dict[str, Any]:
    """The ``derived`` part of an eligibility result.

    Parameters
    ----------
    record
        The screening record.
    albumin_cutoff_g_dl
        Albumin cut-off of Child-Pugh 3 points.

    Returns
    -------
    dict
        ``{"child_pugh": {"points", "class"}, "albi": {"score", "grade"},
        "bclc": {"stage", "version"}}``; each entry is None when its inputs are missing.
    """
    bounds = child_pugh_bounds(record, albumin_cutoff_g_dl)
    known = bounds.known
    albi = albi_of(record)
    stage = bclc_of(record, bounds)
    return {
        "child_pugh": (
            None if known is None else {"points": known.points, "class": known.child_pugh_class}
        ),
        "albi": None if albi is None else {"score": albi[0], "grade": albi[1]},
        "bclc": None if stage is None else {"stage": stage, "version": BCLC_VERSION},
    }
