"""Outcomes of virtual patients: progression, death, best response and dropout.

Each patient has latent times to radiological progression and to death. Death hazards and
progression hazards are multiplied by the patient's risk (macrovascular invasion, extrahepatic
spread, ECOG ≥ 1, AFP ≥ 400 ng/mL, as in the ITA.LI.CA and SHARP subgroup analyses), with the
baseline hazard solved so that the arm's marginal medians equal the preset's. Progression is
seen only if it comes before death, so a course is progression then death, or death without
progression. Time to progression censors deaths; PFS is the first of the two.

Progression is only seen at a scheduled scan, so a published median TTP or PFS is a scan day of
its trial (SHARP's 5.5 months is the fourth 6-weekly scan, REFLECT's 3.7 the second 8-weekly
one). The latent median is therefore put half a scan interval before the published one
(:attr:`OutcomePreset.latent_ttp_median`): the latent survival curve crosses one half between
the scan before and the scan of the published median, which is then where the observed
Kaplan–Meier median falls.

Best response is drawn under both criteria from one draw: a share of patients respond by
mRECIST (viable tumour), and of those a share also by RECIST 1.1 (whole diameters), in the
ratio of the preset; the lesion kinetics (:mod:`metsor.insilico.lesions`) then shrink the
viable and the whole diameters accordingly.
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

__all__ = [
    "PRESETS",
    "ComparatorArm",
    "OutcomePreset",
    "Outcomes",
    "draw_outcomes",
    "risk_multipliers",
]

_DAYS_PER_MONTH = 365.25 / 12.0
_MRECIST_PER_RECIST = 12.4 / 6.5
"""REFLECT sorafenib arm, independent review: ORR 12.4% by mRECIST, 6.5% by RECIST 1.1
(Kudo M et al. Lancet 2018;391:1163). Used where a trial reported one criterion only."""


@dataclass(frozen=True)
class ComparatorArm:
    """The other arm of the trial a preset comes from, as published, where a built-in protocol
    runs the preset beside it (SHARP's placebo): what its scenario is calibrated to.

    Attributes
    ----------
    os_median, ttp_median
        Median overall survival and time to progression as observed, months.
    stable_or_better
        Share whose best response by RECIST is CR, PR or SD at any assessment (as
        :attr:`OutcomePreset.stable_or_better`).
    derivation
        The figures as published.
    """

    os_median: float
    ttp_median: float
    stable_or_better: float
    derivation: str


@dataclass(frozen=True)
class OutcomePreset:
    """Medians and response of the control (sorafenib) arm, as a published trial observed them.

    Attributes
    ----------
    os_median
        Median overall survival, months.
    ttp_median
        Median time to progression as observed at the trial's scans, months.
    response_rate
        Objective response rate (CR or PR) by mRECIST.
    recist_rate
        Objective response rate by RECIST 1.1 (RECIST 1.0 for SHARP and Asia-Pacific).
    scan_interval_days
        Days between the trial's tumour assessments.
    source
        Publication the figures come from.
    pfs_median
        Median PFS as observed, months, where published.
    stable_or_better
        Share whose best response by RECIST is CR, PR or SD at any assessment, with no minimum
        duration of stable disease: the trial's CR + PR + SD as tabulated, where published. It
        is not a disease control rate that asks stable disease to last (SHARP's 43%).
    scan_phase
        Where the latent median lies before the observed one, in scan intervals.
    derivation
        The figures as published, and how any figure was derived.
    comparator
        The other arm of the preset's trial, where a built-in protocol runs it.
    """

    os_median: float
    ttp_median: float
    response_rate: float
    recist_rate: float
    scan_interval_days: int
    source: str
    pfs_median: float | None = None
    stable_or_better: float | None = None
    scan_phase: float = 0.5
    derivation: str = ""
    comparator: ComparatorArm | None = None

    @property
    def latent_ttp_median(self) -> float:
        """Median of the latent (continuous) time to progression, months.

        ``scan_phase`` of a scan interval before the observed median, so that the latent curve
        crosses one half between the scan before the published median and the scan of it; the
        phase is solved with ``metsor insilico calibrate`` so that the observed Kaplan–Meier
        medians at the trial's scans are the published ones.
        """
        return self.ttp_median - self.scan_phase * self.scan_interval_days / _DAYS_PER_MONTH


PRESETS: dict[str, OutcomePreset] = {
    "sharp": OutcomePreset(
        os_median=10.7,
        ttp_median=5.5,
        response_rate=round(0.02 * _MRECIST_PER_RECIST, 4),
        recist_rate=0.02,
        scan_interval_days=42,
        stable_or_better=0.73,
        source="Llovet JM et al., NEJM 2008;359:378 (SHARP)",
        derivation=(
            "sorafenib arm n = 299: OS 10.7, TTP 5.5 months at 6-weekly scans; best response by "
            "RECIST: no CR, PR 2%, SD 71% (Llovet 2008 as tabulated at pmc.ncbi.nlm.nih.gov/"
            "articles/PMC6095169, Table 2), so CR, PR or SD 73% at any assessment; not the "
            "publication's disease control rate (43%, stable disease held at least 28 days after "
            "it was first seen: recalled, not checked); mRECIST rate derived as 2% × 12.4/6.5 "
            "(REFLECT's ratio)"
        ),
        comparator=ComparatorArm(
            os_median=7.9,
            ttp_median=2.8,
            stable_or_better=0.68,
            derivation=(
                "placebo arm n = 303: OS 7.9, TTP 2.8 months at 6-weekly scans; best response "
                "by RECIST: no CR, PR 1%, SD 67% (Llovet 2008 as tabulated at "
                "pmc.ncbi.nlm.nih.gov/articles/PMC6095169, Table 2), so CR, PR or SD 68% at any "
                "assessment"
            ),
        ),
    ),
    "asia-pacific": OutcomePreset(
        os_median=6.5,
        ttp_median=2.8,
        response_rate=round(0.033 * _MRECIST_PER_RECIST, 4),
        recist_rate=0.033,
        scan_interval_days=42,
        stable_or_better=0.033 + 0.54,
        scan_phase=0.3,
        source="Cheng AL et al., Lancet Oncol 2009;10:25 (Asia-Pacific)",
        derivation=(
            "sorafenib arm n = 150: OS 6.5, TTP 2.8 months at 6-weekly scans; PR 3.3%, SD 54% "
            "by RECIST; mRECIST rate derived as 3.3% × 12.4/6.5 (REFLECT's ratio)"
        ),
    ),
    "reflect": OutcomePreset(
        os_median=12.3,
        ttp_median=3.7,
        response_rate=0.124,
        recist_rate=0.065,
        scan_interval_days=56,
        pfs_median=3.7,
        source="Kudo M et al., Lancet 2018;391:1163 (REFLECT)",
        derivation=(
            "sorafenib arm n = 476: OS 12.3, TTP 3.7, PFS 3.6–3.7 months at 8-weekly scans; ORR "
            "12.4% by mRECIST and 6.5% by RECIST 1.1 on independent review"
        ),
    ),
    "metsor": OutcomePreset(
        os_median=10.4,
        ttp_median=2.8,
        response_rate=round(0.041 * _MRECIST_PER_RECIST, 4),
        recist_rate=0.041,
        scan_interval_days=42,
        pfs_median=2.8,
        scan_phase=0.2,
        source="Ren Z et al., Lancet Oncol 2021;22:977 (ORIENT-32 sorafenib arm, China)",
        derivation=(
            "METSOR's Chinese, HBV-dominated population: ORIENT-32's sorafenib arm (n = 191, "
            "HBV 94%): OS 10.4, PFS 2.8 months at 6-weekly scans, ORR 4.1% by RECIST 1.1; TTP "
            "taken equal to PFS (not published); mRECIST rate derived as 4.1% × 12.4/6.5 "
            "(REFLECT's ratio)"
        ),
    ),
}
"""Sorafenib-arm presets. ``metsor`` (the default of the virtual trial) is the most recent
sorafenib arm of a Chinese population like METSOR's; SHARP (Western), Asia-Pacific (sicker,
mostly Chinese) and REFLECT (both criteria on independent review) are the published anchors.
Figures from CLINICAL-REFERENCE.md ("Published anchors", "Calibration targets")."""


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
        ``"CR"``, ``"PR"``, ``"SD"`` or ``"PD"`` by mRECIST.
    recist_response
        ``"PR"``, ``"SD"`` or ``"PD"`` by RECIST 1.1: PR only for an mRECIST responder.
    """

    death: NDArray[np.float64]
    progression: NDArray[np.float64]
    dropout: NDArray[np.float64]
    best_response: NDArray[np.str_]
    recist_response: NDArray[np.str_]

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


def _latent_progression(
    exponential: NDArray[np.float64],
    hazard: NDArray[np.float64],
    experimental: NDArray[np.bool_],
    *,
    shape: float,
    frailty: float,
) -> NDArray[np.float64]:
    """Latent progression times from unit exponential draws E.

    The control arm's, and the experimental arm's at shape 1 and frailty 0, are exponential
    with the patient's hazard λ_i: E / λ_i. Otherwise the experimental arm's is a Weibull time
    of shape k under a gamma frailty of variance θ (a Burr XII time, survival
    (1 + θ (t / s_i)^k)^(−1/θ)) with the patient's exponential median m_i = ln 2 / λ_i:
    t = m_i (expm1(θ E) / expm1(θ ln 2))^(1/k) (θ = 0: m_i (E / ln 2)^(1/k)).
    """
    times = exponential / hazard
    if shape == 1.0 and frailty == 0.0:
        return times
    median = math.log(2.0) / hazard
    if frailty == 0.0:
        scaled = exponential / math.log(2.0)
    else:
        scaled = np.expm1(frailty * exponential) / math.expm1(frailty * math.log(2.0))
    return np.where(experimental, median * scaled ** (1.0 / shape), times)


def draw_outcomes(
    cohort: VirtualCohort,
    experimental: NDArray[np.bool_],
    rng: np.random.Generator,
    *,
    preset: str = "metsor",
    hr_death: float = 1.0,
    hr_progression: float = 1.0,
    response_experimental: float | None = None,
    dropout_per_year: float = 0.0,
    first_scan_days: int | None = None,
    missed_scan_share: float = 0.0,
    progression_shape: float = 1.0,
    progression_frailty: float = 0.0,
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
        A key of :data:`PRESETS`.
    hr_death, hr_progression
        Hazard ratios experimental / control.
    response_experimental
        mRECIST response rate of the experimental arm (default: the control rate); its RECIST
        1.1 rate stands to it as the preset's do.
    dropout_per_year
        Probability of loss to follow-up within 12 months.
    first_scan_days
        Day of the first tumour assessment of the schedule the courses are planned on
        (default: the preset's interval). Only patients still in follow-up and free of
        progression then can be seen to respond, so their chance is raised to keep the arm's
        rates.
    missed_scan_share
        Chance that a scheduled scan is missed: a responder whose first scan is missed and
        who progresses or leaves before the second is never seen to respond, so the chance of
        responding is raised for that too.
    progression_shape, progression_frailty
        Weibull shape k and gamma frailty variance θ of the experimental arm's latent time to
        progression (1 and 0: exponential, as the control arm's). Each patient keeps the latent
        median of the exponential time, so ``hr_progression`` still divides the arm's medians;
        k > 1 makes progression rarer early and commoner near the median (fewer progressions
        by the first scan), θ > 0 lets the arm's hazard fall again after it (the patients whose
        disease grows slowly remain).
    Returns
    -------
    Outcomes
        Death, progression, dropout and best responses per patient.

    References
    ----------
    Llovet JM, et al. Sorafenib in advanced hepatocellular carcinoma. N Engl J Med
    2008;359:378–390. Cheng AL, et al. Lancet Oncol 2009;10:25–34. Kudo M, et al. Lancet
    2018;391:1163–1173. Ren Z, et al. Lancet Oncol 2021;22:977–990.
    """
    if preset not in PRESETS:
        raise InputError(f"preset must be one of {', '.join(PRESETS)}", field="preset")
    for name, value in (
        ("hr_death", hr_death),
        ("hr_progression", hr_progression),
        ("progression_shape", progression_shape),
    ):
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"{name} must be positive", field=name)
    if not (math.isfinite(progression_frailty) and progression_frailty >= 0):
        raise InputError("progression_frailty must be 0 or more", field="progression_frailty")
    p = PRESETS[preset]
    arm = np.asarray(experimental, dtype=np.bool_)
    if arm.shape != (cohort.n,):
        raise InputError("one arm flag per patient is needed", field="experimental")
    r_death, r_prog = risk_multipliers(cohort)
    lam_death = _baseline_hazard(r_death, p.os_median) * r_death * np.where(arm, hr_death, 1.0)
    lam_prog = (
        _baseline_hazard(r_prog, p.latent_ttp_median) * r_prog * np.where(arm, hr_progression, 1.0)
    )
    death = rng.standard_exponential(cohort.n) / lam_death
    latent_progression = _latent_progression(
        rng.standard_exponential(cohort.n),
        lam_prog,
        arm,
        shape=progression_shape,
        frailty=progression_frailty,
    )
    progression = np.where(latent_progression < death, latent_progression, np.nan)
    phi = dropout_hazard(dropout_per_year)
    dropout = rng.standard_exponential(cohort.n) / phi if phi > 0 else np.full(cohort.n, np.inf)
    first_scan = (first_scan_days or p.scan_interval_days) / _DAYS_PER_MONTH
    early_pd = np.minimum(np.nan_to_num(progression, nan=np.inf), death) < first_scan
    ends = np.minimum(np.minimum(np.nan_to_num(progression, nan=np.inf), death), dropout)
    unassessed = early_pd | (dropout < first_scan)
    once = ~unassessed & (ends < 2.0 * first_scan)
    mrecist = np.where(
        arm,
        p.response_rate if response_experimental is None else response_experimental,
        p.response_rate,
    )
    recist_share = p.recist_rate / p.response_rate
    # responses come from patients assessed free of progression; raise their chance so that
    # the arm's response rate stays the preset's
    for flag in (False, True):
        in_arm = arm == flag
        if in_arm.any():
            seen = 1.0 - unassessed[in_arm].mean() - missed_scan_share * once[in_arm].mean()
            seen = max(seen, 0.05)
            mrecist[in_arm] = np.minimum(1.0, mrecist[in_arm] / seen)
    responder = (rng.random(cohort.n) < mrecist) & ~unassessed
    whole = responder & (rng.random(cohort.n) < recist_share)
    complete = responder & (rng.random(cohort.n) < 0.1)
    best = np.where(complete, "CR", np.where(responder, "PR", np.where(early_pd, "PD", "SD")))
    recist = np.where(whole, "PR", np.where(early_pd, "PD", "SD"))
    return Outcomes(
        death=death,
        progression=progression,
        dropout=dropout,
        best_response=best,
        recist_response=recist,
    )
