"""The virtual SHARP trial reproduces the published result within sampling error (reduced size).

Llovet JM et al., NEJM 2008;359:378: median OS 10.7 vs 7.9 months, HR 0.69 (0.55–0.87); median
TTP 5.5 vs 2.8 months, HR 0.58 (0.45–0.74). The full-size figures over 20 seeds are in
docs/validation.md (``scripts/validate_sharp.py``).
"""

from __future__ import annotations

import pytest

from metsor.errors import InputError
from metsor.insilico.validation import VirtualReplicate, replicate_trial
from metsor.protocol import builtin

SHARP = builtin("NCT00105443")
N = 300


@pytest.fixture(scope="module")
def replicate() -> VirtualReplicate:
    return replicate_trial(SHARP, n=N, seed=11)


@pytest.mark.parametrize(
    ("endpoint", "sorafenib", "placebo", "hazard_ratio"),
    [
        pytest.param("os", 10.7, 7.9, 0.69, id="overall-survival"),
        pytest.param("ttp", 5.5, 2.8, 0.58, id="time-to-progression"),
    ],
)
def test_published_figures_lie_within_the_virtual_trials_intervals(
    replicate: VirtualReplicate,
    endpoint: str,
    sorafenib: float,
    placebo: float,
    hazard_ratio: float,
) -> None:
    compared = getattr(replicate, endpoint)
    for arm, published in (("sorafenib", sorafenib), ("placebo", placebo)):
        summary = compared.arms[arm]
        assert summary.lower <= published <= summary.upper, (arm, summary)
    assert compared.hr_lower <= hazard_ratio <= compared.hr_upper
    assert compared.hazard_ratio < 1.0  # sorafenib better than placebo, not the reverse
    assert sum(arm.n for arm in compared.arms.values()) == N


def test_the_size_is_bounded() -> None:
    with pytest.raises(InputError, match="n must be a whole number") as caught:
        replicate_trial(SHARP, n=10, seed=1)
    assert caught.value.field == "n"
