"""Virtual patients with advanced hepatocellular carcinoma, as Asian cohorts present.

Baseline characteristics are drawn from the published distributions of Chinese advanced-HCC
cohorts (CLINICAL-REFERENCE.md, "Baseline of Asian advanced-HCC cohorts"): mostly men in their
fifties with hepatitis B, ECOG 0–1, macrovascular invasion or extrahepatic spread in about half,
log-normal AFP with median about 400 ng/mL. Some virtual patients fail the trial's screening, as
real ones do. Screening records come out in the shape :mod:`metsor.eligibility` reads.
Outcomes (progression, death, response, dropout) are drawn by :mod:`metsor.design.outcomes`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["AETIOLOGIES", "ULN", "VirtualCohort", "generate_cohort"]

AETIOLOGIES = ("HBV", "HCV", "alcohol", "other")
ULN = {"ast": 40.0, "alt": 40.0, "alp": 125.0}
"""Upper limits of normal (U/L) used on the virtual laboratory reports."""

_FloatArray = NDArray[np.float64]
_IntArray = NDArray[np.int64]
_BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class VirtualCohort:
    """Baseline of ``n`` virtual patients, one array entry per patient.

    Laboratory values are in the units of their names (albumin g/L, bilirubin µmol/L,
    platelets and ANC per mm³, haemoglobin g/dL, AST/ALT/ALP U/L, AFP ng/mL).
    """

    age_years: _IntArray
    male: _BoolArray
    aetiology: NDArray[np.str_]
    ecog: _IntArray
    macrovascular_invasion: _BoolArray
    extrahepatic_spread: _BoolArray
    nodules: _IntArray
    largest_nodule_cm: _FloatArray
    afp_ng_ml: _FloatArray
    albumin_g_l: _FloatArray
    bilirubin_umol_l: _FloatArray
    platelets_per_mm3: _FloatArray
    hemoglobin_g_dl: _FloatArray
    anc_per_mm3: _FloatArray
    ast_u_l: _FloatArray
    alt_u_l: _FloatArray
    alp_u_l: _FloatArray
    inr: _FloatArray
    prothrombin_activity_pct: _FloatArray
    ascites: NDArray[np.str_]
    encephalopathy_grade: _IntArray
    histopathology: _BoolArray
    imaging_techniques: _IntArray
    consent_signed: _BoolArray
    pregnant: _BoolArray
    history: dict[str, NDArray[Any]]

    @property
    def n(self) -> int:
        """Number of patients."""
        return int(self.age_years.shape[0])

    def subset(self, index: NDArray[np.intp] | _BoolArray) -> VirtualCohort:
        """The patients at ``index`` (an index or a boolean mask)."""
        values: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dict):
                values[f.name] = {k: v[index] for k, v in value.items()}
            else:
                values[f.name] = value[index]
        return VirtualCohort(**values)

    def to_screening_records(self) -> list[dict[str, Any]]:
        """Screening records in the shape :func:`metsor.eligibility.screen` reads.

        Returns
        -------
        list of dict
            One record per patient; laboratory values as ``{"value", "unit"}`` (with ``"uln"``
            for AST, ALT and ALP).
        """
        return [self._record(i) for i in range(self.n)]

    def _record(self, i: int) -> dict[str, Any]:
        def lab(value: float, unit: str, digits: int = 1) -> dict[str, Any]:
            return {"value": round(float(value), digits), "unit": unit}

        labs = {
            "hemoglobin": lab(self.hemoglobin_g_dl[i], "g/dL"),
            "anc": lab(self.anc_per_mm3[i], "/mm3", 0),
            "platelets": lab(self.platelets_per_mm3[i], "/mm3", 0),
            "total_bilirubin": lab(self.bilirubin_umol_l[i], "umol/L"),
            "albumin": lab(self.albumin_g_l[i], "g/L"),
            "ast": {**lab(self.ast_u_l[i], "U/L", 0), "uln": ULN["ast"]},
            "alt": {**lab(self.alt_u_l[i], "U/L", 0), "uln": ULN["alt"]},
            "alp": {**lab(self.alp_u_l[i], "U/L", 0), "uln": ULN["alp"]},
            "inr": lab(self.inr[i], "", 2),
            "prothrombin_activity": lab(self.prothrombin_activity_pct[i], "%", 0),
        }
        return {
            "age_years": int(self.age_years[i]),
            "sex": "male" if self.male[i] else "female",
            "race": "asian",  # the cohort is drawn from Chinese advanced-HCC cohorts
            "pregnant": bool(self.pregnant[i]),
            "consent_signed": bool(self.consent_signed[i]),
            "hcc_confirmation": {
                "histopathology": bool(self.histopathology[i]),
                "typical_imaging_techniques": int(self.imaging_techniques[i]),
            },
            "metastatic_liver_cancer": False,
            "ecog": int(self.ecog[i]),
            "tumour": {
                "macrovascular_invasion": bool(self.macrovascular_invasion[i]),
                "extrahepatic_spread": bool(self.extrahepatic_spread[i]),
                "nodules": int(self.nodules[i]),
                "largest_nodule_cm": round(float(self.largest_nodule_cm[i]), 1),
                "afp_ng_ml": round(float(self.afp_ng_ml[i]), 1),
            },
            "liver": {
                "ascites": str(self.ascites[i]),
                "encephalopathy_grade": int(self.encephalopathy_grade[i]),
            },
            "labs": labs,
            "history": {
                **{k: _plain(v[i]) for k, v in self.history.items()},
                # first line: the cohort is drawn from patients naive to systemic therapy
                "prior_systemic_therapy": False,
                "aetiology": str(self.aetiology[i]),
            },
        }


def _plain(value: Any) -> bool | int:
    return bool(value) if isinstance(value, np.bool_) else int(value)


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> _FloatArray:
    return median * np.exp(sigma * rng.standard_normal(n))


def _history(rng: np.random.Generator, n: int, ascites: NDArray[np.str_]) -> dict[str, Any]:
    def share(p: float) -> _BoolArray:
        return rng.random(n) < p

    infection = rng.choice(np.arange(5), size=n, p=[0.95, 0.025, 0.013, 0.01, 0.002])
    return {
        "severe_cardiovascular_disease": share(0.02),
        "uncontrolled_hypertension": share(0.02),
        "hiv": share(0.002),
        "active_infection_grade": infection.astype(np.int64),
        "systemic_chemo_within_6_months": share(0.03),
        "gi_bleeding_history": share(0.03),
        "seizures_requiring_drugs": share(0.004),
        "allograft_transplant": share(0.004),
        "bleeding_signs": share(0.015),
        "dialysis": share(0.003),
        "uncontrollable_ascites": (ascites == "severe") | ((ascites == "moderate") & share(0.3)),
    }


def generate_cohort(n: int, rng: np.random.Generator) -> VirtualCohort:
    """Draw the baseline of ``n`` virtual patients with advanced HCC.

    Parameters
    ----------
    n
        Number of patients.
    rng
        The source of randomness; the same generator state gives the same cohort.

    Returns
    -------
    VirtualCohort
        Baseline characteristics as arrays.

    References
    ----------
    Cheng AL, et al. Efficacy and safety of sorafenib in patients in the Asia-Pacific region with
    advanced hepatocellular carcinoma. Lancet Oncol 2009;10:25–34. Ren Z, et al. Sintilimab plus
    a bevacizumab biosimilar versus sorafenib in unresectable hepatocellular carcinoma
    (ORIENT-32). Lancet Oncol 2021;22:977–990.
    """
    if n < 0:
        raise ValueError("n must be ≥ 0")
    male = rng.random(n) < 0.88
    age = np.clip(np.rint(53.0 + 11.0 * rng.standard_normal(n)), 16, 90).astype(np.int64)
    ascites = rng.choice(
        np.array(["none", "mild", "moderate", "severe"]), size=n, p=[0.90, 0.08, 0.015, 0.005]
    )
    inr = np.clip(1.1 + 0.13 * rng.standard_normal(n), 0.85, 3.5)
    histopathology = rng.random(n) < 0.4
    imaging = np.where(rng.random(n) < 0.95, 2, rng.integers(0, 2, size=n)).astype(np.int64)
    return VirtualCohort(
        age_years=age,
        male=male,
        aetiology=rng.choice(np.array(AETIOLOGIES), size=n, p=[0.88, 0.04, 0.05, 0.03]),
        ecog=rng.choice(np.arange(4), size=n, p=[0.45, 0.47, 0.06, 0.02]).astype(np.int64),
        macrovascular_invasion=rng.random(n) < 0.55,
        extrahepatic_spread=rng.random(n) < 0.55,
        nodules=np.minimum(1 + rng.poisson(1.2, size=n), 10).astype(np.int64),
        largest_nodule_cm=np.clip(_lognormal(rng, 7.0, 0.5, n), 1.0, 25.0),
        afp_ng_ml=np.clip(_lognormal(rng, 400.0, 2.5, n), 1.0, 1e6),
        albumin_g_l=np.clip(37.0 + 5.0 * rng.standard_normal(n), 20.0, 52.0),
        bilirubin_umol_l=np.clip(_lognormal(rng, 14.0, 0.5, n), 3.0, 150.0),
        platelets_per_mm3=_lognormal(rng, 130_000.0, 0.5, n),
        hemoglobin_g_dl=np.clip(13.0 + 1.8 * rng.standard_normal(n), 6.0, 18.0),
        anc_per_mm3=_lognormal(rng, 3_500.0, 0.4, n),
        ast_u_l=_lognormal(rng, 60.0, 0.6, n),
        alt_u_l=_lognormal(rng, 45.0, 0.6, n),
        alp_u_l=_lognormal(rng, 130.0, 0.5, n),
        inr=inr,
        prothrombin_activity_pct=np.clip(100.0 - 60.0 * (inr - 1.0), 20.0, 130.0),
        ascites=ascites,
        encephalopathy_grade=rng.choice(np.arange(3), size=n, p=[0.99, 0.008, 0.002]).astype(
            np.int64
        ),
        histopathology=histopathology,
        imaging_techniques=imaging,
        consent_signed=rng.random(n) < 0.98,
        pregnant=~male & (age < 50) & (rng.random(n) < 0.01),
        history=_history(rng, n, ascites),
    )
