"""Outcomes of virtual patients: progression, death, best response and dropout.

Each patient has latent times to radiological progression and to death. Death hazards and
progression hazards are multiplied by the patient's risk (macrovascular invasion, extrahepatic
spread, ECOG ≥ 1, AFP ≥ 400 ng/mL, as in the ITA.LI.CA and SHARP subgroup analyses), with the
baseline hazard solved so that the arm's marginal medians equal the preset's. Progression is
seen only if it comes before death, so a course is progression then death, or death without
progression. Time to progression censors deaths; PFS is the first of the two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from metsor.design.cohort import VirtualCohort
from metsor.design.expected_events import dropout_hazard
from metsor.errors import InputError

__all__ = ["PRESETS", "OutcomePreset", "Outcomes", "draw_outcomes", "risk_multipliers"]


@dataclass(frozen=True)
class OutcomePreset:
    """Medians and response of the control (sorafenib) arm.

    Attributes
    ----------
    os_median, ttp_median
        Months.
    response_rate
        Share with best response CR or PR.
    source
        Publication the figures come from.
    """

    os_median: float
    ttp_median: float
    response_rate: float
    source: str


PRESETS: dict[str, OutcomePreset] = {
    "sharp": OutcomePreset(10.7, 5.5, 0.02, "Llovet et al., NEJM 2008;359:378 (SHARP)"),
    "asia-pacific": OutcomePreset(
        6.5, 2.8, 0.033, "Cheng et al., Lancet Oncol 2009;10:25 (Asia-Pacific)"
    ),
}
"""Sorafenib-arm presets: SHARP (OS 10.7, TTP 5.5 months) and Asia-Pacific (6.5, 2.8)."""

_FIRST_ASSESSMENT_MONTHS = 6.0 / (365.25 / 7.0 / 12.0)  # week 6, in months


@dataclass(frozen=True)
class Outcomes:
    """Outcomes of each patient, months from randomization.

    Attributes
    ----------
    death
        Time of death.
    progression
        Time of radiological progression (nan when death comes first).
    dropout
        Time of loss to follow-up (inf when none).
    best_response
        ``"CR"``, ``"PR"``, ``"SD"`` or ``"PD"``.
    """

    death: NDArray[np.float64]
    progression: NDArray[np.float64]
    dropout: NDArray[np.float64]
    best_response: NDArray[np.str_]

    @property
    def progressed(self) -> NDArray[np.bool_]:
        """Whether progression was seen (before death)."""
        return ~np.isnan(self.progression)


def risk_multipliers(cohort: VirtualCohort) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Relative hazards of death and of progression from the baseline.

    Returns
    -------
    tuple of ndarray
        Death and progression multipliers (1 for a patient without risk factors).

    References
    ----------
    Bruix J, et al. Prognostic factors and predictors of sorafenib benefit in patients with
    hepatocellular carcinoma: analysis of two phase III studies. J Hepatol 2017;67:999–1008.
    """
    death = (
        np.where(cohort.macrovascular_invasion, 1.6, 1.0)
        * np.where(cohort.extrahepatic_spread, 1.3, 1.0)
        * np.where(cohort.ecog >= 1, 1.3, 1.0)
        * np.where(cohort.afp_ng_ml >= 400.0, 1.4, 1.0)
    )
    progression = np.where(cohort.macrovascular_invasion, 1.2, 1.0) * np.where(
        cohort.afp_ng_ml >= 400.0, 1.2, 1.0
    )
    return death, progression


def _baseline_hazard(multipliers: NDArray[np.float64], median: float) -> float:
    """λ0 such that the mean over patients of exp(−λ0 r_i × median) is 1/2."""

    def gap(lam: float) -> float:
        return float(np.mean(np.exp(-lam * multipliers * median))) - 0.5

    hi = 50.0 * math.log(2.0) / median
    return float(brentq(gap, 1e-12, hi, xtol=1e-14))


def draw_outcomes(
    cohort: VirtualCohort,
    experimental: NDArray[np.bool_],
    rng: np.random.Generator,
    *,
    preset: str = "sharp",
    hr_death: float = 1.0,
    hr_progression: float = 1.0,
    response_experimental: float | None = None,
    dropout_per_year: float = 0.0,
) -> Outcomes:
    """Draw outcomes for the cohort, control arm calibrated to ``preset``.

    Parameters
    ----------
    cohort
        Baseline of the patients.
    experimental
        True for patients in the experimental arm.
    rng
        Source of randomness.
    preset
        ``"sharp"`` or ``"asia-pacific"``.
    hr_death, hr_progression
        Hazard ratios experimental / control.
    response_experimental
        Response rate of the experimental arm (default: the control rate).
    dropout_per_year
        Probability of loss to follow-up within 12 months.

    Returns
    -------
    Outcomes
        Death, progression, dropout and best response per patient.

    References
    ----------
    Llovet JM, et al. Sorafenib in advanced hepatocellular carcinoma. N Engl J Med
    2008;359:378–390. Cheng AL, et al. Lancet Oncol 2009;10:25–34.
    """
    if preset not in PRESETS:
        raise InputError(f"preset must be one of {', '.join(PRESETS)}", field="preset")
    for name, value in (("hr_death", hr_death), ("hr_progression", hr_progression)):
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"{name} must be positive", field=name)
    p = PRESETS[preset]
    arm = np.asarray(experimental, dtype=np.bool_)
    if arm.shape != (cohort.n,):
        raise InputError("one arm flag per patient is needed", field="experimental")
    r_death, r_prog = risk_multipliers(cohort)
    lam_death = _baseline_hazard(r_death, p.os_median) * r_death * np.where(arm, hr_death, 1.0)
    lam_prog = _baseline_hazard(r_prog, p.ttp_median) * r_prog * np.where(arm, hr_progression, 1.0)
    death = rng.standard_exponential(cohort.n) / lam_death
    latent_progression = rng.standard_exponential(cohort.n) / lam_prog
    progression = np.where(latent_progression < death, latent_progression, np.nan)
    phi = dropout_hazard(dropout_per_year)
    dropout = rng.standard_exponential(cohort.n) / phi if phi > 0 else np.full(cohort.n, np.inf)
    early_pd = np.minimum(np.nan_to_num(progression, nan=np.inf), death) < _FIRST_ASSESSMENT_MONTHS
    rate = np.where(
        arm,
        p.response_rate if response_experimental is None else response_experimental,
        p.response_rate,
    )
    # responses come from patients not progressing before the first assessment; raise their
    # chance so that the arm's response rate stays the preset's
    for flag in (False, True):
        in_arm = arm == flag
        if in_arm.any():
            rate[in_arm] = np.minimum(1.0, rate[in_arm] / max(1.0 - early_pd[in_arm].mean(), 0.05))
    responder = (rng.random(cohort.n) < rate) & ~early_pd
    complete = responder & (rng.random(cohort.n) < 0.1)
    best = np.where(complete, "CR", np.where(responder, "PR", np.where(early_pd, "PD", "SD")))
    return Outcomes(death=death, progression=progression, dropout=dropout, best_response=best)
