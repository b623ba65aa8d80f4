"""The virtual SHARP trial reproduces the published result within sampling error (reduced size).

Llovet JM et al., NEJM 2008;359:378: median OS 10.7 vs 7.9 months, HR 0.69 (0.55–0.87); median
TTP 5.5 vs 2.8 months, HR 0.58 (0.45–0.74). The full-size figures over 20 seeds are in
docs/validation.md (``scripts/validate_sharp.py``).

How far a published figure may lie from one virtual trial of ``N`` subjects follows the
sampling error of the virtual figure at that size, at a simultaneous level over the six figures
(Bonferroni: each two-sided at ``ALPHA / 6``, ``Z`` = 3.34 standard errors):

- a hazard ratio: ``|log HR − log published| ≤ Z · SE``, SE of the log hazard ratio from the
  Cox fit (its 95% interval's width on the log scale over 2 × 1.96);
- a median OS: the published value (± 0.05, its rounding) within ``median · exp(± Z · SE)``,
  SE of the log Kaplan–Meier median ``1 / (ln 2 · √n)`` for the arm's ``n`` subjects (the
  asymptotic variance of a sample median, ``S(1 − S) / (n f(m)²)``, for an exponential time:
  ``f(m) · m = ln 2 / 2``);
- a median TTP, seen only at the 6-weekly scans, on the scan grid: the virtual median at scan
  ``j`` puts the latent median in scan interval ``(j − 1, j]``, the published one at scan ``k``
  in ``(k − 1, k]``; they agree when those intervals widened by ``exp(± Z · SE)`` overlap.

Measured (``replicate_trial`` at 300 subjects, seeds 101–300): 1 of 200 replicates of the
model outside (seed 118, its sorafenib median OS), while 97 of 100 replicates with no treatment
effect (placebo's hazards and time to progression those of sorafenib: HR 1, shape 1, no
frailty; seeds 101–200) are outside. The case below shows
the seed used failing when the model is wrong.
"""

from __future__ import annotations

import math
from dataclasses import replace
from statistics import NormalDist

import pytest

from metsor.errors import InputError
from metsor.insilico.analysis import ArmSurvival, EndpointComparison
from metsor.insilico.scenario import VirtualScenario, scenario_for
from metsor.insilico.validation import VirtualReplicate, replicate_trial
from metsor.protocol import builtin

SHARP = builtin("NCT00105443")
N = 300
SEED = 11
ALPHA = 0.005
"""Chance that a replicate of an exact model falls outside on any of the six figures."""
Z = NormalDist().inv_cdf(1.0 - ALPHA / 12.0)
"""Standard errors allowed per figure: two-sided at ALPHA / 6 (3.34)."""
SCAN_MONTHS = SHARP.endpoint_rules.tumour_interval_days / (365.25 / 12.0)
PUBLISHED: dict[str, tuple[float, float, float]] = {
    "os": (10.7, 7.9, 0.69),
    "ttp": (5.5, 2.8, 0.58),
}
"""Sorafenib and placebo medians (months) and the hazard ratio: Llovet 2008."""


def _median_agrees(endpoint: str, arm: ArmSurvival, published: float) -> bool:
    half = Z / (math.log(2.0) * math.sqrt(arm.n))
    if endpoint == "os":
        low, high = arm.median * math.exp(-half), arm.median * math.exp(half)
        return low <= published + 0.05 and published - 0.05 <= high
    j, k = round(arm.median / SCAN_MONTHS), round(published / SCAN_MONTHS)
    return k - 1 < j * math.exp(half) and k >= (j - 1) * math.exp(-half)


def _hazard_ratio_agrees(compared: EndpointComparison, published: float) -> bool:
    hazard_ratio, lower, upper = compared.hazard_ratio, compared.hr_lower, compared.hr_upper
    assert hazard_ratio is not None
    assert lower is not None
    assert upper is not None
    se = (math.log(upper) - math.log(lower)) / (2.0 * 1.959964)
    return abs(math.log(hazard_ratio / published)) <= Z * se


def _outside(replicate: VirtualReplicate) -> list[str]:
    """The published figures that one virtual trial's sampling error does not reach."""
    found = []
    for endpoint, (sorafenib, placebo, hazard_ratio) in PUBLISHED.items():
        compared: EndpointComparison = getattr(replicate, endpoint)
        for arm, published in (("sorafenib", sorafenib), ("placebo", placebo)):
            if not _median_agrees(endpoint, compared.arms[arm], published):
                found.append(f"{endpoint} median, {arm}")
        if not _hazard_ratio_agrees(compared, hazard_ratio):
            found.append(f"{endpoint} hazard ratio")
    return found


@pytest.fixture(scope="module")
def replicate() -> VirtualReplicate:
    return replicate_trial(SHARP, n=N, seed=SEED)


def test_published_figures_lie_within_the_virtual_trials_sampling_error(
    replicate: VirtualReplicate,
) -> None:
    assert _outside(replicate) == []
    assert sum(arm.n for arm in replicate.os.arms.values()) == N


def _without(**effect: float) -> VirtualScenario:
    return replace(scenario_for(SHARP.nct_id), **effect)


@pytest.mark.parametrize(
    ("scenario", "caught"),
    [
        pytest.param(_without(hr_death=1.0, hr_progression=1.0, progression_shape=1.0,
                              progression_frailty=0.0),
                     {"ttp median, placebo", "ttp hazard ratio"}, id="no-effect-hr-1"),
        pytest.param(_without(hr_death=1.0), {"os median, placebo", "os hazard ratio"},
                     id="no-survival-effect"),
    ],
)  # fmt: skip
def test_a_wrong_model_falls_outside_at_the_same_seed(
    scenario: VirtualScenario, caught: set[str]
) -> None:
    """The tolerance is not so wide that a trial without sorafenib's effect passes."""
    wrong = replicate_trial(SHARP, n=N, seed=SEED, scenario=scenario)
    assert set(_outside(wrong)) == caught


def test_the_size_is_bounded() -> None:
    with pytest.raises(InputError, match="n must be a whole number") as caught:
        replicate_trial(SHARP, n=10, seed=1)
    assert caught.value.field == "n"
