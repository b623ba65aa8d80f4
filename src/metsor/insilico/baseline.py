"""A virtual subject's baseline work-up, and their laboratory values and vital signs later on.

The baseline visit, on the day of consent and before randomization, records a visit, the
laboratory panel of the screening record (AST, ALT, total bilirubin, platelets, neutrophils,
haemoglobin), vital signs and the baseline tumour assessment (multiphase CT, or MRI for about
half of the subjects). Treatment visits repeat ALT, total bilirubin and platelets; values vary
log-normally about the subject's baseline. Blood pressure lies in the CTCAE v5.0 band of any
hypertension the subject is having (grade 1: 120–139/80–89 mm Hg, grade 2: 140–159/90–99,
grade 3: ≥ 160/≥ 100).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from metsor.insilico.lesions import TumourBurden, tumour_burden
from metsor.insilico.plan import PlannedEntry

__all__ = ["LAB_PANEL", "Baseline", "plan_baseline"]

LAB_PANEL: dict[str, tuple[str, float | None, float | None]] = {
    "ast": ("U/L", None, 40.0),
    "alt": ("U/L", None, 40.0),
    "total_bilirubin": ("umol/L", None, 21.0),
    "platelets": ("/mm3", 150_000.0, None),
    "anc": ("/mm3", 1_800.0, None),
    "hemoglobin": ("g/dL", 13.0, None),
}
"""Analyte: (unit, lower and upper limit of normal) of the virtual laboratory."""

_LIVER_PANEL = ("alt", "total_bilirubin", "platelets")
_BP_BANDS = {0: ((112, 119), (68, 79)), 1: ((122, 138), (80, 88)), 2: ((141, 158), (90, 98)),
             3: ((161, 175), (100, 108))}  # fmt: skip


@dataclass(frozen=True)
class Baseline:
    """What the course planner needs of a subject's baseline.

    Attributes
    ----------
    ecog
        ECOG performance status at screening.
    labs
        Baseline value of each analyte of :data:`LAB_PANEL`, in its unit.
    burden
        Target and non-target lesions.
    imaging
        ``CT`` or ``MRI``, the same at every scan.
    entries
        The baseline entries (visit, laboratory panel, vital signs, tumour assessment).
    """

    ecog: int
    labs: Mapping[str, float]
    burden: TumourBurden
    imaging: str
    entries: tuple[PlannedEntry, ...]

    def liver_panel(self, on: date, rng: np.random.Generator) -> list[PlannedEntry]:
        """Liver panel and platelets of a treatment visit."""
        return [_lab(analyte, self.labs[analyte] * _drift(rng), on) for analyte in _LIVER_PANEL]

    def vital_signs(
        self,
        on: date,
        *,
        hypertension_grade: int,
        rng: np.random.Generator,
        worse: bool = False,
    ) -> PlannedEntry:
        """Vital signs of a visit; ``worse``: performance status one step lower (follow-up)."""
        (s_low, s_high), (d_low, d_high) = _BP_BANDS[hypertension_grade]
        fields = {
            "measured_on": on,
            "systolic_mmhg": int(rng.integers(s_low, s_high + 1)),
            "diastolic_mmhg": int(rng.integers(d_low, d_high + 1)),
            "heart_rate_bpm": int(rng.integers(62, 96)),
            "ecog": min(self.ecog + int(worse), 4),
        }
        return PlannedEntry(on, "vital_signs", fields)


def _drift(rng: np.random.Generator) -> float:
    return float(np.exp(0.2 * rng.standard_normal()))


def _lab(analyte: str, value: float, on: date) -> PlannedEntry:
    unit, lln, uln = LAB_PANEL[analyte]
    digits = 0 if unit in ("U/L", "/mm3") else 1
    fields = {
        "analyte": analyte,
        "value": round(value, digits),
        "unit": unit,
        "collected_on": on,
        "lln": lln,
        "uln": uln,
    }
    return PlannedEntry(on, "lab", fields)


def plan_baseline(record: Mapping[str, Any], on: date, rng: np.random.Generator) -> Baseline:
    """The baseline work-up of an eligible, consented subject.

    Parameters
    ----------
    record
        The subject's screening record (:meth:`metsor.design.cohort.VirtualCohort.
        to_screening_records`), whose laboratory values and tumour findings are used.
    on
        Day of the baseline visit (on or after consent, before randomization).
    rng
        Source of randomness.

    Returns
    -------
    Baseline
        The baseline and its entries.
    """
    tumour = record["tumour"]
    burden = tumour_burden(
        float(tumour["largest_nodule_cm"]),
        int(tumour["nodules"]),
        extrahepatic_spread=bool(tumour["extrahepatic_spread"]),
        macrovascular_invasion=bool(tumour["macrovascular_invasion"]),
        rng=rng,
    )
    labs = {analyte: float(record["labs"][analyte]["value"]) for analyte in LAB_PANEL}
    lln = 12.0 if record.get("sex") == "female" else 13.0
    baseline = Baseline(
        ecog=int(record["ecog"]),
        labs=labs,
        burden=burden,
        imaging="MRI" if rng.random() < 0.5 else "CT",
        entries=(),
    )
    entries = [PlannedEntry(on, "visit", {"visit_type": "baseline", "number": 0,
                                          "actual_date": on})]  # fmt: skip
    for analyte, value in labs.items():
        entry = _lab(analyte, value, on)
        if analyte == "hemoglobin":
            entry = PlannedEntry(on, "lab", {**entry.fields, "lln": lln})
        entries.append(entry)
    entries.append(baseline.vital_signs(on, hypertension_grade=0, rng=rng))
    scan = {
        "assessed_on": on,
        "lesions": burden.baseline_lesions(),
        "method": baseline.imaging,
        "non_target_status": "present",
    }
    entries.append(PlannedEntry(on, "tumour_assessment", scan))
    return Baseline(baseline.ecog, labs, burden, baseline.imaging, tuple(entries))
