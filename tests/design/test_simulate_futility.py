"""Futility stops of the trial simulator against rpact (tests/reference/simulate_futility.R).

Three comparisons, each where it is exact:

- the bounds the simulator uses equal rpact's ``getDesignGroupSequential`` at 1e-6 relative;
- one-sided designs: metsor's simulated rejections, futility stops, early stops and expected
  events equal rpact's ``getSimulationSurvival`` of the same model (uniform accrual,
  exponential survival, a look at each planned number of events) within Monte-Carlo error,
  under H0 and under an alternative;
- under H0 (one- and two-sided) they equal rpact's analytic ``getPowerSurvival`` figures within
  Monte-Carlo error: with no effect the log-rank z's of the looks are the canonical joint
  normal. Away from HR 1 the analytic figures rest on Schoenfeld's drift, which the simulated
  log-rank does not follow exactly (at HR 0.72 and 300 events rpact's own simulation rejects
  0.7698 against its analytic 0.7725, 2.8 binomial SEs of 200,000 trials), so they are not
  compared there.

Tolerance: ``MC_SES`` binomial standard errors, sqrt(p (1 − p) / N) for each simulation
compared (metsor's and rpact's combined as independent), p their pooled share; expected events
use the standard error of the look a trial stops at, Σ p_k d_k² − (Σ p_k d_k)² over N, since a
trial's events are those planned at that look. Four SEs: about 80 comparisons at fixed seeds
would fail by chance with probability 0.5% (three SEs: 20%).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from metsor.design.simulate import (
    BLOCK_TRIALS,
    Scenario,
    SimulationResult,
    _plan,
    block_sizes,
    block_tally,
    combine,
    simulate,
)
from metsor.errors import InputError

REFERENCE_FILE = Path(__file__).parents[1] / "reference" / "simulate_futility_reference.json"
CASES: dict[str, dict[str, Any]] = {
    case["id"]: case for case in json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))["cases"]
}
RTOL = 1e-6
MC_SES = 4.0
SIMS = 200_000
SEED = 20160203


def _scenario(case: dict[str, Any], hr: float, **change: Any) -> Scenario:
    values: dict[str, Any] = {
        "n": case["n"],
        "median_control": case["median_control"],
        "median_experimental": case["median_control"] / hr,
        "accrual_months": float(case["accrual_months"]),
        "events": case["events"],
        "looks": tuple(case["looks"]),
        "spending": case["spending"],
        "gamma": float(case["gamma"]),
        "alpha": case["alpha"],
        "sides": case["sides"],
        "beta": case["beta"],
        "beta_spending": case["beta_spending"],
        "beta_gamma": float(case["beta_gamma"]),
        "binding_futility": case["binding"],
    }
    return Scenario(**{**values, **change})


@functools.cache
def _simulated(case_id: str, hr: float) -> SimulationResult:
    return simulate(_scenario(CASES[case_id], hr), sims=SIMS, seed=SEED)


def _figures(r: dict[str, Any]) -> dict[str, float]:
    """Named figures of an rpact result (analytic or simulated) or of metsor's, as a dict."""
    out = {"power": float(r["power"]), "early_stop": float(np.sum(r["early_stop"]))}
    for k, p in enumerate(r["reject_by_look"]):
        out[f"reject_look_{k + 1}"] = float(p)
    for k, p in enumerate(r["futility_by_look"]):
        out[f"futility_look_{k + 1}"] = float(p)
    return out


def _ours(r: SimulationResult) -> dict[str, Any]:
    return {
        "power": r.power,
        "early_stop": r.early_stop,
        "reject_by_look": r.reject_by_look,
        "futility_by_look": r.futility_by_look,
    }


def _events_variance(figures: dict[str, Any], planned: list[int]) -> float:
    """Variance of the events at stopping: a trial's events are those planned at its look."""
    stops = np.add(figures["reject_by_look"][:-1], figures["futility_by_look"])
    p = np.append(stops, 1.0 - stops.sum())
    d = np.asarray(planned, dtype=np.float64)
    return float(p @ d**2 - (p @ d) ** 2)


def _binomial_se(p: float, *sims: int) -> float:
    return math.sqrt(max(p * (1.0 - p), 0.0) * sum(1.0 / n for n in sims))


def _comparisons(against: str) -> list[Any]:
    params = []
    for case_id, case in CASES.items():
        for entry in case["by_hazard_ratio"]:
            if against not in entry or (against == "analytic" and entry["hazard_ratio"] != 1):
                continue
            for figure in [*_figures(entry[against]), "expected_events"]:
                hr = entry["hazard_ratio"]
                params.append(pytest.param(case_id, hr, figure, id=f"{case_id}-hr-{hr:g}-{figure}"))
    return params


def _reference(case_id: str, hr: float, against: str) -> dict[str, Any]:
    [entry] = [e for e in CASES[case_id]["by_hazard_ratio"] if e["hazard_ratio"] == hr]
    reference: dict[str, Any] = entry[against]
    return reference


@pytest.mark.parametrize("case_id", list(CASES))
def test_the_simulator_uses_rpacts_bounds(case_id: str) -> None:
    """rpact: getDesignGroupSequential(informationRates, alpha, sided, typeOfDesign, beta,
    typeBetaSpending, bindingFutility)$criticalValues and $futilityBounds (NA: none)."""
    case = CASES[case_id]
    r = simulate(_scenario(case, 1.0), sims=1, seed=SEED)
    assert_allclose(r.critical_values, case["critical_values"], rtol=RTOL)
    theirs = [-math.inf if a is None else a for a in case["futility_bounds"]]
    assert_allclose(r.futility_bounds, theirs, rtol=RTOL)
    assert r.binding_futility == case["binding"]
    assert_array_equal(_plan(_scenario(case, 1.0).validated()).targets, case["planned_events"])


@pytest.mark.slow
@pytest.mark.parametrize(("case_id", "hr", "figure"), _comparisons("simulated"))
def test_futility_stops_match_rpacts_simulation(case_id: str, hr: float, figure: str) -> None:
    """rpact: getSimulationSurvival(design, median1 = 10.7 / hr, median2 = 10.7,
    accrualTime = c(0, 24), maxNumberOfSubjects = n, plannedEvents, maxNumberOfIterations =
    200000, seed = 20160203, directionUpper = FALSE): overallReject, rejectPerStage,
    futilityPerStage, earlyStop, expectedNumberOfEvents."""
    theirs = _reference(case_id, hr, "simulated")
    ours = _simulated(case_id, hr)
    n_theirs = theirs["iterations"]
    if figure == "expected_events":
        planned = CASES[case_id]["planned_events"]
        se = math.sqrt(
            _events_variance(_ours(ours), planned) / SIMS
            + _events_variance(theirs, planned) / n_theirs
        )
        mine, other = ours.expected_events, theirs["expected_events"]
    else:
        mine, other = _figures(_ours(ours))[figure], _figures(theirs)[figure]
        se = _binomial_se((mine * SIMS + other * n_theirs) / (SIMS + n_theirs), SIMS, n_theirs)
    assert abs(mine - other) <= MC_SES * se, f"{mine} vs rpact {other} (SE {se:.5f})"


@pytest.mark.slow
@pytest.mark.parametrize(("case_id", "hr", "figure"), _comparisons("analytic"))
def test_futility_stops_under_h0_match_rpacts_analytic_figures(
    case_id: str, hr: float, figure: str
) -> None:
    """rpact: getPowerSurvival(design, maxNumberOfEvents = events, hazardRatio = 1,
    lambda2 = log(2) / 10.7, accrualTime = c(0, 24), maxNumberOfSubjects = n,
    directionUpper = FALSE, or NA two-sided): the canonical joint normal of the looks' z."""
    theirs = _reference(case_id, hr, "analytic")
    ours = _simulated(case_id, hr)
    if figure == "expected_events":
        se = math.sqrt(_events_variance(theirs, CASES[case_id]["planned_events"]) / SIMS)
        mine, other = ours.expected_events, theirs["expected_events"]
    else:
        mine, other = _figures(_ours(ours))[figure], _figures(theirs)[figure]
        se = _binomial_se(other, SIMS)
    assert abs(mine - other) <= MC_SES * se, f"{mine} vs rpact {other} (SE {se:.5f})"


@pytest.mark.slow
def test_the_tolerance_sees_futility_stops_ignored() -> None:
    """The comparison can fail: the power with the non-binding bounds ignored lies far outside
    the tolerance around rpact's simulated power with them obeyed."""
    case_id = "obf-bsOF-nonbinding-3-looks-1-sided"
    theirs = _reference(case_id, 0.72, "simulated")
    ours = _simulated(case_id, 0.72)
    assert ours.power_futility_ignored is not None
    se = _binomial_se(theirs["power"], SIMS, theirs["iterations"])
    assert abs(ours.power_futility_ignored - theirs["power"]) > 5 * MC_SES * se


NONBINDING = CASES["obf-bsOF-nonbinding-3-looks-1-sided"]


def test_nonbinding_bounds_ignored_are_the_design_without_them() -> None:
    """A trial is followed past a non-binding futility crossing on the same random numbers, so
    the power with the bounds ignored is the power of the same looks without futility bounds,
    exactly; obeying them loses the trials that crossed first and rejected later."""
    s = _scenario(NONBINDING, 0.72, n=300, events=150)
    sims = BLOCK_TRIALS + 100
    with_bounds = simulate(s, sims=sims, seed=4)
    without = simulate(replace(s, beta=None, beta_spending=None), sims=sims, seed=4)
    assert with_bounds.power_futility_ignored is not None
    assert_allclose(with_bounds.power_futility_ignored, without.power, rtol=1e-12)
    assert with_bounds.power < without.power
    assert with_bounds.power_lost_to_futility == pytest.approx(
        without.power - with_bounds.power, abs=1e-12
    )
    assert without.futility_bounds == ()
    assert without.power_futility_ignored is None
    assert with_bounds.expected_events < without.expected_events


def test_binding_bounds_stop_the_trial() -> None:
    """Binding bounds end the trial at the crossing: no power is reported with them ignored,
    and each stop (rejection or futility) is counted once."""
    case = CASES["pocock-bsP-binding-2-looks-1-sided"]
    r = simulate(_scenario(case, 0.7), sims=BLOCK_TRIALS, seed=5)
    assert r.binding_futility
    assert r.power_futility_ignored is None
    assert r.power_lost_to_futility is None
    assert r.futility_stop == pytest.approx(sum(r.futility_by_look), abs=1e-15)
    assert_allclose(r.early_stop, [r.reject_by_look[0] + r.futility_by_look[0]], rtol=1e-12)
    assert 0 < r.futility_stop < 1 - r.power


def test_same_seed_same_answer_whatever_the_chunking_with_futility() -> None:
    """Futility tallies combine by block as rejections do."""
    s = _scenario(NONBINDING, 0.8, n=200, events=120)
    sims = 2 * BLOCK_TRIALS + 17
    whole = simulate(s, sims=sims, seed=6)
    sizes = block_sizes(sims)
    tallies = {b: block_tally(s, 6, b, n) for b, n in reversed(list(enumerate(sizes)))}
    assert combine(s, [tallies[b] for b in range(len(sizes))], 6) == whole
    assert len(whole.futility_by_look) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"beta_spending": None, "beta": 0.99}, "beta", id="beta-alone-beyond-1-alpha"),
        pytest.param({"beta": None}, "beta", id="beta-spending-alone"),
        pytest.param({"beta_spending": "linear"}, "beta_spending", id="unknown-beta-spending"),
        pytest.param({"beta_spending": 3}, "beta_spending", id="beta-spending-as-number"),
        pytest.param({"beta": "0.2"}, "beta", id="beta-as-text"),
        pytest.param({"beta": 0.99}, "beta", id="beta-beyond-1-alpha"),
        pytest.param({"beta_gamma": 9.0}, "beta_gamma", id="beta-gamma-beyond-5"),
        pytest.param({"binding_futility": 1}, "binding_futility", id="binding-as-number"),
        pytest.param(
            {"binding_futility": True, "spending": "classical-obf"},
            "binding_futility",
            id="binding-classical",
        ),
    ],
)
def test_bad_futility_names_the_field(change: dict[str, Any], field: str) -> None:
    s = _scenario(NONBINDING, 0.8, **change)
    with pytest.raises(InputError) as info:
        simulate(s, sims=10, seed=1)
    assert info.value.field == field
