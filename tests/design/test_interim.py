"""Interim monitoring: bounds at the events observed, conditional power, repeated inference.

Reference values are written by ``tests/reference/interim.R`` (rpact 3.3.4) into
``tests/reference/interim_reference.json``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from metsor.design._recursion import crossing_probabilities
from metsor.design.boundaries import group_sequential_design
from metsor.design.characteristics import bounds_at_events
from metsor.design.interim import interim_analysis, observed_information_rates
from metsor.design.simulate import Scenario, simulate
from metsor.errors import InputError

REFERENCE_FILE = Path(__file__).parents[1] / "reference" / "interim_reference.json"
RTOL = 1e-6  # conditional power, repeated CIs and p-values, HR bounds: relative
ATOL_Z = 1e-6  # critical values and futility bounds: absolute
# rpact integrates on a fixed 91-point grid per look: a conditional power below 1e-6 (a harmful
# trend under the design HR, or the observed HR of a harmful trend) carries its error of ~1e-11
# absolute, so those are compared to 1e-8 absolute.
ATOL_CP = 1e-8
MC_SES = 3.0


def _reference() -> dict[str, Any]:
    with REFERENCE_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


CASES = [pytest.param(case, id=case["id"]) for case in _reference()["cases"]]


def _analyse(case: dict[str, Any]) -> Any:
    return interim_analysis(
        case["looks"],
        planned_events=case["planned_events"],
        events=np.atleast_1d(case["events"]).tolist(),
        z=np.atleast_1d(case["z"]).tolist(),
        hr_alternative=case["hr_alternative"],
        alpha=case["alpha"],
        sides=case["sides"],
        spending=case["spending"],
        gamma=case["gamma"],
        beta=case.get("beta"),
        beta_spending=case.get("beta_spending"),
        beta_gamma=case["beta_gamma"],
        binding_futility=case.get("binding", False),
        allocation_ratio=case["allocation_ratio"],
        information_epsilon=case["information_epsilon"],
    )


def _values(values: Any) -> list[float]:
    return [math.nan if v is None else float(v) for v in np.atleast_1d(values).tolist()]


def test_reference_has_the_cases_the_issue_asks_for() -> None:
    """At least 30 cases: each spending family, two and three looks, over- and under-running."""
    data = _reference()
    cases = data["cases"]
    assert data["versions"]["rpact"] == "3.3.4"
    assert len(cases) >= 30
    assert {c["spending"] for c in cases} >= {"obf", "pocock", "hsd"}
    assert {len(c["looks"]) for c in cases} >= {2, 3}
    assert {c["status"] for c in cases} >= {"interim", "final", "over-running", "under-running"}
    assert {c["sides"] for c in cases} == {1, 2}
    futility = [c for c in cases if c.get("beta_spending")]
    assert {(c["sides"], c["binding"]) for c in futility} == {
        (1, False),
        (1, True),
        (2, False),
        (2, True),
    }


@pytest.mark.parametrize("case", CASES)
def test_interim_analysis_matches_rpact(case: dict[str, Any]) -> None:
    """rpact 3.3.4 (the exact call of each case is ``case["call"]``)::

    design <- getDesignGroupSequential(informationRates = observed, alpha, sided, typeOfDesign,
        beta, typeBetaSpending, bindingFutility)
    data <- getDataset(overallEvents = events, overallLogRanks = -z, overallAllocationRatios = r)
    getAnalysisResults(design, data, directionUpper = FALSE, tolerance = 1e-13)  # RCI, p
    getConditionalPower(getStageResults(design, data, stage = k, directionUpper = FALSE),
        nPlanned = events still to come at each later look, thetaH1 = hr_alternative,
        allocationRatioPlanned = r)  # and without thetaH1: under the observed HR
    getPowerSurvival(design, maxNumberOfEvents = ...)$criticalValuesEffectScale  # HR bounds
        ... $rejectPerStage  # summed: the cumulative power under hr_alternative
    """
    r = _analyse(case)
    assert r.status == case["status"]
    assert_allclose(r.information_rates, case["information_rates"], rtol=1e-12)
    assert_allclose(r.maximum_events, case["maximum_events"], rtol=1e-12)
    rtol = RTOL  # one- and two-sided alike
    assert_allclose(r.critical_z, _values(case["critical_z"]), atol=ATOL_Z)
    assert_allclose(
        r.conditional_power, _values(case["conditional_power"]), rtol=rtol, atol=ATOL_CP
    )
    assert_allclose(
        r.conditional_power_observed_hr,
        _values(case["conditional_power_observed_hr"]),
        rtol=rtol,
        atol=ATOL_CP,
    )
    assert_allclose(r.rci_lower, _values(case["rci_lower"]), rtol=rtol)
    assert_allclose(r.rci_upper, _values(case["rci_upper"]), rtol=rtol)
    assert_allclose(r.repeated_p_value, _values(case["repeated_p_value"]), rtol=rtol)
    assert_allclose(r.hr_efficacy_bound, _values(case["hr_efficacy_bound"]), rtol=rtol)
    assert_allclose(r.cumulative_power, _values(case["cumulative_power"]), rtol=rtol)
    if case.get("beta_spending"):
        futility = np.asarray(_values(case["futility_z"]))
        futility = np.where(np.isnan(futility), -np.inf, futility)  # rpact: NA where none
        assert_allclose(r.futility_z, futility, atol=ATOL_Z)
        assert_allclose(r.hr_futility_bound, _values(case["hr_futility_bound"]), rtol=RTOL)


def test_worked_case_of_the_statistics_reference() -> None:
    """STATISTICS-REFERENCE.md, interim monitoring anchors (rpact 3.3.4)::

    getAnalysisResults(getDesignGroupSequential(informationRates = c(30/59, 1), alpha = 0.025,
        sided = 1, typeOfDesign = "asP"), getDataset(overallEvents = 30, overallLogRanks = -2),
        directionUpper = FALSE, nPlanned = 29, thetaH1 = 0.76)

    The repeated p-value 0.036232 is rpact's at its default tolerance of 1e-6 (0.03623197);
    with ``tolerance = 1e-13`` rpact gives 0.0362311429, which metsor matches.
    """
    r = interim_analysis(
        [1 / 2, 1],
        planned_events=59,
        events=[30],
        z=[2.0],
        hr_alternative=0.76,
        alpha=0.025,
        spending="pocock",
    )
    assert_allclose(r.critical_z, [2.152019, 2.203743], atol=5e-7)
    assert_allclose(r.conditional_power, [0.355624], atol=5e-7)
    assert_allclose(r.rci_lower, [0.219566], atol=5e-7)
    assert_allclose(r.rci_upper, [1.057079], atol=5e-7)
    assert_allclose(r.repeated_p_value, [0.0362311429], rtol=1e-8)
    assert abs(r.repeated_p_value[0] - 0.036232) < 1e-6
    assert r.decision == ("continue",)
    assert r.look_events == (30.0, 59.0)


@pytest.mark.parametrize("case", CASES)
def test_decision_agrees_with_the_repeated_inference(case: dict[str, Any]) -> None:
    """A look rejects exactly when its repeated CI excludes HR 1 and its repeated p ≤ alpha."""
    r = _analyse(case)
    for k, decision in enumerate(r.decision):
        excludes_one = r.rci_upper[k] < 1.0 or (case["sides"] == 2 and r.rci_lower[k] > 1.0)
        assert (decision == "reject") == excludes_one
        assert (decision == "reject") == (r.repeated_p_value[k] <= case["alpha"])


@pytest.mark.parametrize(
    ("spending", "sides", "look", "z"),
    [
        pytest.param("obf", 1, 1, 2.2, id="obf-one-sided-second-look"),
        pytest.param("pocock", 2, 0, -2.4, id="pocock-two-sided-first-look"),
        pytest.param("hsd", 1, 2, 1.8, id="hsd-one-sided-last-look"),
    ],
)
def test_repeated_p_value_is_the_level_whose_bound_is_z(
    spending: str, sides: int, look: int, z: float
) -> None:
    """The repeated p-value's design, solved as a whole, has its bound at the observed z."""
    events = [19, 42, 61][: look + 1]
    zs = [*[0.5, 1.0, 1.5][:look], z]
    r = interim_analysis(
        [1 / 3, 2 / 3, 1],
        planned_events=59,
        events=events,
        z=zs,
        hr_alternative=0.76,
        alpha=0.05 if sides == 2 else 0.025,
        sides=sides,
        spending=spending,
    )
    level = r.repeated_p_value[look]
    design = group_sequential_design(
        r.information_rates, alpha=level, sides=sides, spending=spending
    )
    assert_allclose(design.z[look], abs(z), atol=1e-9)


@pytest.mark.parametrize(
    ("events", "epsilon", "rates", "maximum", "status"),
    [
        pytest.param([20], 0.0, (20 / 59, 2 / 3, 1.0), 59.0, "interim", id="first-look"),
        pytest.param([20, 41], 0.0, (20 / 59, 41 / 59, 1.0), 59.0, "interim", id="second-look"),
        pytest.param([20, 41, 59], 0.0, (20 / 59, 41 / 59, 1.0), 59.0, "final", id="final"),
        pytest.param([20, 41, 62], 0.0, (20 / 62, 41 / 62, 1.0), 62.0, "over-running", id="over"),
        pytest.param(
            [20, 56], 3.0, (20 / 56, 1.0), 56.0, "under-running", id="under-absolute-epsilon"
        ),
        pytest.param(
            [20, 41, 57],
            0.05,
            (20 / 57, 41 / 57, 1.0),
            57.0,
            "under-running",
            id="under-relative-epsilon",
        ),
        pytest.param(
            [20, 41, 55],
            2.0,
            (20 / 59, 41 / 59, 55 / 59, 1.0),
            59.0,
            "interim",
            id="under-beyond-epsilon-adds-a-look",
        ),
        pytest.param([60], 0.0, (1.0,), 60.0, "over-running", id="over-at-first-look"),
    ],
)
def test_information_rates(
    events: list[float], epsilon: float, rates: tuple[float, ...], maximum: float, status: str
) -> None:
    """As rpact's getObservedInformationRates(maxInformation = 59, informationEpsilon)."""
    got = observed_information_rates([1 / 3, 2 / 3, 1], 59, events, epsilon)
    assert_allclose(got[0], rates, rtol=1e-12)
    assert got[1:] == (maximum, status)


def test_conditional_power_is_not_defined_at_the_final_look() -> None:
    r = interim_analysis(
        [1 / 2, 1], planned_events=59, events=[30, 59], z=[1.0, 2.5], hr_alternative=0.76
    )
    assert math.isnan(r.conditional_power[1])
    assert 0.0 < r.conditional_power[0] < 1.0
    assert r.decision == ("continue", "reject")


def test_futility_bound_crossed_is_flagged() -> None:
    r = interim_analysis(
        [1 / 3, 2 / 3, 1],
        planned_events=59,
        events=[20],
        z=[-0.9],
        hr_alternative=0.76,
        beta=0.2,
        beta_spending="obf",
    )
    assert r.futility_crossed == (True,)
    assert r.futility_z[0] > -0.9
    assert r.hr_futility_bound[0] > 1.0 > r.hr_efficacy_bound[0]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"events": [20, 18], "z": [1.0, 1.5]}, "events", id="events-decrease"),
        pytest.param({"events": [0]}, "events", id="events-zero"),
        pytest.param(
            {"events": [20, 41, 50, 59], "z": [1.0, 1.5, 1.8, 2.0]},
            "events",
            id="more-looks-than-planned",
        ),
        pytest.param({"events": [45]}, "events", id="first-look-past-the-second"),
        pytest.param({"z": [1.0, 2.0]}, "z", id="z-count"),
        pytest.param({"z": [math.inf]}, "z", id="z-infinite"),
        pytest.param({"planned_events": -59}, "planned_events", id="planned-negative"),
        pytest.param({"hr_alternative": 0.0}, "hr_alternative", id="hr-zero"),
        pytest.param({"allocation_ratio": math.nan}, "allocation_ratio", id="ratio-nan"),
        pytest.param({"information_epsilon": -1.0}, "information_epsilon", id="epsilon"),
        pytest.param({"spending": "linear"}, "spending", id="spending"),
        pytest.param({"sides": 3}, "sides", id="sides"),
        pytest.param({"looks": [0.5, 0.9]}, "looks", id="looks-not-ending-at-1"),
        pytest.param({"beta_spending": "obf"}, "beta", id="spending-without-beta"),
        pytest.param({"beta": 0.99}, "beta", id="beta-alone-beyond-1-alpha"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {
        "looks": [1 / 3, 2 / 3, 1],
        "planned_events": 59,
        "events": [20],
        "z": [1.0],
        "hr_alternative": 0.76,
        **change,
    }
    looks = args.pop("looks")
    with pytest.raises(InputError) as caught:
        interim_analysis(looks, **args)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("spending", "sides", "hr", "seed"),
    [
        pytest.param("pocock", 1, 1.0, 7, id="pocock-null"),
        pytest.param("obf", 1, 0.76, 32, id="obf-alternative"),
        pytest.param("pocock", 2, 1.0, 11, id="pocock-two-sided-null"),
        pytest.param("hsd", 2, 0.7, 5, id="hsd-two-sided-alternative"),
    ],
)
def test_simulated_rejections_by_look_agree_with_the_crossing_probabilities(
    spending: str, sides: int, hr: float, seed: int
) -> None:
    """Simulated trials stop at 20, 40 and 60 deaths against the interim bounds at those events.

    The simulator's bounds are those that ``interim_analysis`` computes when the looks fall on
    their planned events, and its rejections by look agree with the probabilities of first
    crossing them (drift −log HR √(D/4), Schoenfeld) within three Monte-Carlo standard errors
    (fixed seeds: about one seed in a hundred would put one of the six looks beyond three).
    Two-sided, a trial stops when |z| ≥ c at a look, either way: the rejections by look are
    both exits of the region (−c, c).
    """
    looks = (1 / 3, 2 / 3, 1.0)
    sims = 32_768
    scenario = Scenario(
        n=240,
        median_control=10.7,
        median_experimental=10.7 / hr,
        accrual_months=24.0,
        events=60,
        looks=looks,
        spending=spending,
        alpha=0.025 * sides,
        sides=sides,
    )
    simulated = simulate(scenario, sims=sims, seed=seed)
    interim = interim_analysis(
        looks,
        planned_events=60,
        events=[20, 40, 60],
        z=[0.0, 0.0, 0.0],
        hr_alternative=0.76,
        alpha=0.025 * sides,
        sides=sides,
        spending=spending,
    )
    assert_allclose(simulated.critical_values, interim.critical_z, atol=1e-12)
    drift = -math.log(hr) * math.sqrt(60 / 4)
    bounds = np.asarray(interim.critical_z)
    crossing = crossing_probabilities(
        np.asarray(interim.information_rates),
        bounds,
        -bounds if sides == 2 else np.full(3, -np.inf),
        drift=drift,
    )
    analytic = crossing.upper + crossing.lower
    for ours, expected in zip(simulated.reject_by_look, analytic, strict=True):
        se = math.sqrt(expected * (1.0 - expected) / sims)
        assert abs(ours - expected) <= MC_SES * se, (ours, expected, se)


@pytest.mark.parametrize(
    ("events", "z", "options", "status"),
    [
        pytest.param([20.0], [1.0], {}, "interim", id="interim"),
        pytest.param(
            [20.0, 41.0],
            [1.0, 1.5],
            {"beta": 0.2, "beta_spending": "obf", "allocation_ratio": 2.0},
            "interim",
            id="futility-ratio-2",
        ),
        pytest.param(
            [20.0, 41.0],
            [1.0, 1.5],
            {"sides": 2, "alpha": 0.05, "beta": 0.2, "beta_spending": "obf"},
            "interim",
            id="two-sided-wedge",
        ),
        pytest.param([20.0, 41.0, 66.0], [1.0, 1.5, 2.1], {}, "over-running", id="over-running"),
        pytest.param(
            [20.0, 56.0], [1.0, 2.0], {"information_epsilon": 5.0}, "under-running", id="under"
        ),
    ],
)
def test_hazard_ratio_bounds_are_the_designs_bounds_at_events(
    events: list[float], z: list[float], options: dict[str, Any], status: str
) -> None:
    """The HR at each bound is the one rule of characteristics.bounds_at_events, at the
    design recomputed at the observed information and the events of its final look; the
    observed looks keep the events counted."""
    r = interim_analysis(
        [1 / 3, 2 / 3, 1], planned_events=59, events=events, z=z, hr_alternative=0.76, **options
    )
    assert r.status == status
    at = bounds_at_events(
        r.design, maximum_events=r.maximum_events, allocation_ratio=r.allocation_ratio
    )
    assert r.hr_efficacy_bound == at.hr_efficacy
    assert_allclose(r.hr_futility_bound, at.hr_futility, rtol=0, atol=0)
    assert r.look_events[: len(events)] == tuple(events)
    assert_allclose(r.look_events, at.events, rtol=1e-14)
