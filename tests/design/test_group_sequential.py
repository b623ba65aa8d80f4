"""One- and two-sided group-sequential designs against rpact 3.3.4, to 1e-6 relative.

Reference values are written by ``tests/reference/group_sequential.R`` into
``tests/reference/group_sequential_reference.json``: ``getDesignGroupSequential`` (critical
values, stage levels, alpha spent, futility bounds, beta spent), ``getDesignCharacteristics``
(drift, power and rejection probabilities by look, futility probabilities, expected
information), ``getPowerSurvival`` (expected events, rejections and futility stops by look) and
``getRepeatedPValues`` / ``getRepeatedConfidenceIntervals``.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from metsor.design.boundaries import GroupSequentialDesign, group_sequential_design
from metsor.design.characteristics import (
    design_characteristics,
    expected_events,
    stopping_characteristics,
)
from metsor.design.conditional_power import information_of_events
from metsor.design.repeated_inference import repeated_confidence_interval, repeated_p_value
from metsor.errors import InputError

REFERENCE_FILE = Path(__file__).parents[1] / "reference" / "group_sequential_reference.json"
ATOL_Z = 1e-6  # critical values and futility bounds: absolute (rpact solves them to 1e-8)
RTOL = 1e-6  # every probability, level, drift and expected size: relative
# rpact reports a probability it integrates below -6 (one-sided, no futility bound) as ~1e-9
# where none is possible, and floors the final alpha spent to 1e-8 (.calculateAlphaSpent).
ATOL_PROBABILITY = 1e-8


def _reference() -> dict[str, Any]:
    with REFERENCE_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


REFERENCE = _reference()
DESIGNS = [pytest.param(case, id=case["id"]) for case in REFERENCE["designs"]]
REPEATED = [pytest.param(case, id=case["id"]) for case in REFERENCE["repeated"]]


def _values(values: Any) -> list[float]:
    return [math.nan if v is None else float(v) for v in np.atleast_1d(values).tolist()]


def _design(case: dict[str, Any]) -> GroupSequentialDesign:
    """The case's design, solved once for the three tests that read it."""
    return _solved(case["id"])


@functools.cache
def _solved(case_id: str) -> GroupSequentialDesign:
    case = next(c for c in REFERENCE["designs"] if c["id"] == case_id)
    futility = case["beta_spending"] is not None
    return group_sequential_design(
        _values(case["looks"]),
        alpha=case["alpha"],
        sides=case["sides"],
        spending=case["spending"],
        gamma=case["gamma"],
        beta=case["beta"] if futility else None,
        beta_spending=case["beta_spending"],
        beta_gamma=case["beta_gamma"],
        binding_futility=case["binding"],
        beta_adjustment=case["beta_adjustment"],
    )


def test_reference_covers_two_sided_designs_and_futility() -> None:
    """Every spending family on both sides, beta spending binding and not, rpact 3.3.4."""
    assert REFERENCE["versions"]["rpact"] == "3.3.4"
    designs = REFERENCE["designs"]
    for sides in (1, 2):
        on_side = [c for c in designs if c["sides"] == sides]
        assert {c["spending"] for c in on_side} == {
            "obf",
            "pocock",
            "hsd",
            "classical-obf",
            "classical-pocock",
        }
        assert {c["binding"] for c in on_side if c["beta_spending"]} == {False, True}
    assert {c["sides"] for c in REFERENCE["repeated"]} == {1, 2}
    ids = [c["id"] for c in designs]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", DESIGNS)
def test_bounds_match_rpact(case: dict[str, Any]) -> None:
    """rpact: getDesignGroupSequential(informationRates, alpha, sided, typeOfDesign, gammaA,
    beta, typeBetaSpending, gammaB, bindingFutility, betaAdjustment)."""
    d = _design(case)
    assert_allclose(d.information_rates, _values(case["information_rates"]), rtol=1e-15)
    assert_allclose(d.z, _values(case["critical_values"]), atol=ATOL_Z)
    assert_allclose(np.asarray(d.nominal_p) / d.sides, _values(case["stage_levels"]), rtol=RTOL)
    alpha_spent = _values(case["alpha_spent"])
    assert_allclose(d.cumulative_alpha[:-1], alpha_spent[:-1], rtol=RTOL)
    assert_allclose(d.cumulative_alpha[-1], alpha_spent[-1], atol=ATOL_PROBABILITY)
    if case["beta_spending"] is not None:
        bounds = np.asarray(_values(case["futility_bounds"]))
        bounds = np.where(np.isnan(bounds), -np.inf, bounds)  # rpact: NA where none
        assert_allclose(d.futility, bounds, atol=ATOL_Z)
        assert_allclose(d.cumulative_beta, _values(case["beta_spent"]), rtol=RTOL)


@pytest.mark.parametrize("case", DESIGNS)
def test_design_characteristics_match_rpact(case: dict[str, Any]) -> None:
    """rpact: getDesignCharacteristics(design): shift, power, rejection and futility
    probabilities by look, averageSampleNumber1 / 01 / 0, inflationFactor, information."""
    ref = case["characteristics"]
    c = design_characteristics(_design(case), case["beta"])
    assert_allclose(c.drift**2, ref["shift"], rtol=RTOL)
    assert_allclose(c.inflation_factor, ref["inflation_factor"], rtol=RTOL)
    assert_allclose(c.information, _values(ref["information"]), rtol=RTOL)
    assert_allclose(c.power, _values(ref["power"]), rtol=RTOL)
    assert_allclose(
        c.rejection_probabilities,
        _values(ref["rejection_probabilities"]),
        rtol=RTOL,
        atol=ATOL_PROBABILITY,
    )
    if len(c.power) > 1:
        assert_allclose(
            c.futility_probabilities,
            _values(ref["futility_probabilities"]),
            rtol=RTOL,
            atol=ATOL_PROBABILITY,
        )
    assert_allclose(c.expected_information_h1, ref["average_sample_number_h1"], rtol=RTOL)
    assert_allclose(c.expected_information_h01, ref["average_sample_number_h01"], rtol=RTOL)
    assert_allclose(c.expected_information_h0, ref["average_sample_number_h0"], rtol=RTOL)


@pytest.mark.parametrize("case", DESIGNS)
def test_expected_events_match_rpact(case: dict[str, Any]) -> None:
    """rpact: getPowerSurvival(design, maxNumberOfEvents, hazardRatio, directionUpper = FALSE
    (one-sided) or NA): expectedNumberOfEvents, rejectPerStage, futilityPerStage, earlyStop,
    overallReject."""
    d = _design(case)
    for ref in case["power_survival"]:
        e = expected_events(d, maximum_events=case["events"], hazard_ratio=ref["hazard_ratio"])
        assert_allclose(e.expected_size, ref["expected_events"], rtol=RTOL)
        assert_allclose(e.power, ref["power"], rtol=RTOL)
        assert_allclose(
            e.reject_by_look, _values(ref["reject_by_look"]), rtol=RTOL, atol=ATOL_PROBABILITY
        )
        if len(d.z) > 1:
            assert_allclose(
                e.futility_by_look,
                _values(ref["futility_by_look"]),
                rtol=RTOL,
                atol=ATOL_PROBABILITY,
            )
            assert_allclose(sum(e.early_stop), ref["early_stop"], rtol=RTOL)


@pytest.mark.parametrize("case", REPEATED)
def test_repeated_inference_matches_rpact(case: dict[str, Any]) -> None:
    """rpact: getRepeatedPValues(getStageResults(design, data, directionUpper = FALSE),
    tolerance = 1e-13) and getRepeatedConfidenceIntervals(design, data, directionUpper = FALSE)."""
    looks = _values(case["looks"])
    z = _values(case["z"])
    events = _values(case["events"])
    d = group_sequential_design(
        looks,
        alpha=case["alpha"],
        sides=case["sides"],
        spending=case["spending"],
        gamma=case["gamma"],
    )
    assert_allclose(d.z, _values(case["critical_values"]), atol=ATOL_Z)
    p = [
        repeated_p_value(
            look=k,
            z=z[k],
            information_rates=looks,
            sides=case["sides"],
            spending=case["spending"],
            gamma=case["gamma"],
        )
        for k in range(len(z))
    ]
    assert_allclose(p, _values(case["repeated_p_value"]), rtol=RTOL)
    intervals = [
        repeated_confidence_interval(z[k], d.z[k], information_of_events(events[k], 1.0))
        for k in range(len(z))
    ]
    assert_allclose([lo for lo, _ in intervals], _values(case["rci_lower"]), rtol=RTOL)
    assert_allclose([hi for _, hi in intervals], _values(case["rci_upper"]), rtol=RTOL)


@pytest.mark.parametrize(
    ("sides", "spending", "look", "z"),
    [
        pytest.param(1, "obf", 1, 2.3, id="obf-one-sided-second-look"),
        pytest.param(2, "obf", 2, -2.5, id="obf-two-sided-third-look"),
        pytest.param(2, "pocock", 3, 2.1, id="pocock-two-sided-fourth-look"),
        pytest.param(2, "hsd", 1, 2.4, id="hsd-two-sided-second-look"),
    ],
)
def test_repeated_p_value_is_the_level_whose_bound_is_z(
    sides: int, spending: str, look: int, z: float
) -> None:
    """The whole design re-solved at the repeated p-value has |z| as the bound of the look."""
    looks = [0.25, 0.5, 0.75, 1.0]
    p = repeated_p_value(
        look=look, z=z, information_rates=looks, sides=sides, spending=spending, gamma=-4.0
    )
    d = group_sequential_design(looks, alpha=p, sides=sides, spending=spending, gamma=-4.0)
    assert_allclose(d.z[look], abs(z), atol=1e-9)


def test_two_sided_bounds_stop_paths_at_the_lower_bound() -> None:
    """A two-sided Pocock-like design is not the one-sided design at alpha/2: paths below −c
    at an earlier look stop there, so later bounds have more of alpha to spend."""
    looks = [0.2, 0.4, 0.6, 0.8, 1.0]
    two = group_sequential_design(looks, alpha=0.05, sides=2, spending="pocock")
    one = group_sequential_design(looks, alpha=0.025, sides=1, spending="pocock")
    assert two.z[0] == pytest.approx(one.z[0], abs=1e-12)
    assert all(c2 < c1 for c1, c2 in zip(one.z[1:], two.z[1:], strict=True))
    assert_allclose(two.cumulative_alpha[-1], 0.05, rtol=1e-10)


def test_binding_futility_lowers_the_efficacy_bounds() -> None:
    """Paths stopped for futility cannot reject, so binding bounds spend alpha on fewer."""
    for sides in (1, 2):
        args: dict[str, Any] = {"alpha": 0.025 * sides, "sides": sides, "beta": 0.2}
        loose = group_sequential_design([0.3, 0.6, 1.0], beta_spending="obf", **args)
        bound = group_sequential_design(
            [0.3, 0.6, 1.0], beta_spending="obf", binding_futility=True, **args
        )
        assert bound.z[0] == pytest.approx(loose.z[0], abs=1e-12)
        assert bound.z[-1] < loose.z[-1]
        assert bound.binding_futility
        assert not loose.binding_futility


def test_stopping_characteristics_under_h0_spend_alpha() -> None:
    """Without futility bounds, the rejections under H0 add up to alpha, by look as spent."""
    d = group_sequential_design([1 / 3, 2 / 3, 1.0], alpha=0.05, sides=2, spending="hsd")
    s = stopping_characteristics(d, 0.0, 100.0)
    assert_allclose(np.cumsum(s.reject_by_look), d.cumulative_alpha, rtol=1e-10)
    assert s.expected_size < 100.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"maximum_events": 0.0}, "maximum_events", id="no-events"),
        pytest.param({"hazard_ratio": -0.7}, "hazard_ratio", id="negative-hr"),
        pytest.param({"allocation_ratio": math.nan}, "allocation_ratio", id="nan-ratio"),
    ],
)
def test_expected_events_refuses_bad_input(kwargs: dict[str, float], field: str) -> None:
    d = group_sequential_design([0.5, 1.0])
    args: dict[str, float] = {"maximum_events": 59.0, "hazard_ratio": 0.76}
    args.update(kwargs)
    with pytest.raises(InputError) as info:
        expected_events(d, **args)
    assert info.value.field == field
