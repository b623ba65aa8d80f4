"""Virtual patients: Asian advanced-HCC baseline, screening failures, calibrated outcomes."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from numpy.testing import assert_allclose

from metsor.design.cohort import generate_cohort
from metsor.design.outcomes import PRESETS, draw_outcomes
from metsor.eligibility import screen
from metsor.errors import InputError
from metsor.stats import kaplan_meier

N = 4000


@pytest.fixture(scope="module")
def cohort_rng() -> np.random.Generator:
    return np.random.default_rng(20160203)


def test_same_generator_state_same_cohort() -> None:
    a = generate_cohort(50, np.random.default_rng(1)).to_screening_records()
    b = generate_cohort(50, np.random.default_rng(1)).to_screening_records()
    c = generate_cohort(50, np.random.default_rng(2)).to_screening_records()
    assert a == b
    assert a != c


def test_baseline_matches_asian_cohorts(cohort_rng: np.random.Generator) -> None:
    """CLINICAL-REFERENCE.md, "Baseline of Asian advanced-HCC cohorts": male 85–91%, median
    age 51–54, HBV 83–94%, ECOG 1 in 40–60%, macrovascular invasion 40–69%, extrahepatic spread
    50–65%, AFP median ~300–1,000 with ~50% ≥ 400, albumin ~35 g/L, bilirubin ~14 µmol/L,
    platelets ~110–145 × 10⁹/L."""
    c = generate_cohort(N, cohort_rng)
    assert 0.85 <= c.male.mean() <= 0.91
    assert 51 <= np.median(c.age_years) <= 54
    assert 0.83 <= (c.aetiology == "HBV").mean() <= 0.94
    assert 0.40 <= (c.ecog == 1).mean() <= 0.60
    assert 0.40 <= c.macrovascular_invasion.mean() <= 0.69
    assert 0.50 <= c.extrahepatic_spread.mean() <= 0.65
    assert 300 <= np.median(c.afp_ng_ml) <= 1000
    assert 0.45 <= (c.afp_ng_ml >= 400).mean() <= 0.55
    assert 33 <= np.median(c.albumin_g_l) <= 38
    assert 12 <= np.median(c.bilirubin_umol_l) <= 16
    assert 110_000 <= np.median(c.platelets_per_mm3) <= 145_000


def test_a_realistic_share_fails_screening(cohort_rng: np.random.Generator) -> None:
    """Screened by the trial's own criteria (metsor.eligibility): some fail, about half or more
    pass; with BCLC-C required (the default) the candidates at stage A or B fail too."""
    records = generate_cohort(600, cohort_rng).to_screening_records()
    results = [screen(r) for r in records]
    verdicts = Counter(r.verdict for r in results)
    assert set(verdicts) <= {"eligible", "ineligible"}
    fail_share = verdicts["ineligible"] / len(results)
    assert 0.15 <= fail_share <= 0.55
    reasons = Counter(c.id for r in results for c in r.criteria if c.status == "fail")
    assert len(reasons) >= 8  # failures spread over many criteria, as in real screening logs


def test_subset_keeps_patients(cohort_rng: np.random.Generator) -> None:
    c = generate_cohort(20, cohort_rng)
    sub = c.subset(np.array([3, 7]))
    assert sub.n == 2
    assert sub.to_screening_records() == [c.to_screening_records()[i] for i in (3, 7)]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_sorafenib_arm_reproduces_published_medians(preset: str) -> None:
    """SHARP (Llovet et al., NEJM 2008): OS 10.7, TTP 5.5 months; Asia-Pacific (Cheng et al.,
    Lancet Oncol 2009): OS 6.5, TTP 2.8; REFLECT and ORIENT-32 (the default). Medians of a large
    virtual arm lie within 3 SEs: OS as published, the latent (continuous) TTP at the preset's
    latent median, before the scans that observe it (their medians are held by
    tests/insilico/test_calibration.py)."""
    rng = np.random.default_rng(7)
    c = generate_cohort(N, rng)
    out = draw_outcomes(c, np.zeros(N, dtype=bool), rng, preset=preset)
    p = PRESETS[preset]
    os_fit = kaplan_meier(out.death, np.ones(N))
    ttp_time = np.where(out.progressed, out.progression, out.death)
    ttp_fit = kaplan_meier(ttp_time, out.progressed)
    # SE of an exponential-like median: median / sqrt(events) × ~1 (delta method)
    for fit, target, events in (
        (os_fit, p.os_median, N),
        (ttp_fit, p.latent_ttp_median, int(out.progressed.sum())),
    ):
        se = target / math.sqrt(events)
        assert abs(fit.median().median - target) <= 3 * se
    assert_allclose(np.isin(out.best_response, ["CR", "PR"]).mean(), p.response_rate, atol=0.01)
    assert_allclose((out.recist_response == "PR").mean(), p.recist_rate, atol=0.01)


def test_courses_are_consistent() -> None:
    """Progression, when seen, comes before death; early progressors are not responders."""
    rng = np.random.default_rng(9)
    c = generate_cohort(2000, rng)
    arm = rng.random(2000) < 0.5
    out = draw_outcomes(
        c,
        arm,
        rng,
        hr_death=0.7,
        hr_progression=0.7,
        dropout_per_year=0.1,
        response_experimental=0.2,
    )
    seen = out.progressed
    assert np.all(out.progression[seen] < out.death[seen])
    responders = np.isin(out.best_response, ["CR", "PR"])
    assert not np.any(responders & (out.best_response == "PD"))
    assert not np.any((out.recist_response == "PR") & ~responders)  # RECIST within mRECIST
    assert responders[arm].mean() > responders[~arm].mean()
    assert np.median(out.death[arm]) > np.median(out.death[~arm])
    assert np.all(np.isfinite(out.dropout))
    assert np.all(out.dropout > 0)


def test_bad_outcome_arguments() -> None:
    rng = np.random.default_rng(1)
    c = generate_cohort(5, rng)
    with pytest.raises(InputError, match="preset"):
        draw_outcomes(c, np.zeros(5, dtype=bool), rng, preset="remember")
    with pytest.raises(InputError, match="hr_death"):
        draw_outcomes(c, np.zeros(5, dtype=bool), rng, hr_death=0.0)
    with pytest.raises(InputError, match="experimental"):
        draw_outcomes(c, np.zeros(4, dtype=bool), rng)
