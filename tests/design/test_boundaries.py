"""Group-sequential boundaries against rpact 3.3.4 ``getDesignGroupSequential``."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.stats import norm

from metsor.design._recursion import crossing_probabilities
from metsor.design.boundaries import (
    early_final_bounds,
    group_sequential_design,
    spending_function,
)
from metsor.errors import InputError

from .conftest import load_reference

# rpact 3.3.4 solves its bounds to its default tolerance 1e-8; one- and two-sided designs (the
# latter spending alpha on the paths between -c and c at earlier looks, as rpact does) agree to
# < 1e-7 in z and < 4e-7 relative in alpha (rpact floors the final alpha spent to 1e-8).
ATOL_Z = 1e-6  # critical values and futility bounds: absolute
RTOL = 1e-6  # cumulative alpha and beta, nominal p-values, drift: relative
REFERENCE = load_reference()


def _looks(case: dict[str, Any]) -> list[float]:
    return [float(x) for x in np.atleast_1d(case["looks"])]


def _id(case: dict[str, Any]) -> str:
    looks = ",".join(f"{x:.2f}" for x in _looks(case))
    return f"{case['spending']}-{case.get('gamma')}-{looks}-{case['alpha']}-{case['sides']}"


def test_anchor_lan_demets_obrien_fleming() -> None:
    """STATISTICS-REFERENCE.md: LD-OBF, 3 equal looks, one-sided 0.025.

    rpact: getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = "asOF")
    → criticalValues 3.71030, 2.51143, 1.99305; alphaSpent 0.000104, 0.006048, 0.025.
    """
    d = group_sequential_design([1 / 3, 2 / 3, 1], alpha=0.025, sides=1, spending="obf")
    assert_allclose(d.z, [3.71030, 2.51143, 1.99305], atol=5e-6)
    assert_allclose(d.cumulative_alpha, [0.000104, 0.006048, 0.025], atol=5e-7)


@pytest.mark.parametrize("case", REFERENCE["boundaries"], ids=_id)
def test_boundaries_match_rpact(case: dict[str, Any]) -> None:
    """rpact: getDesignGroupSequential(informationRates, alpha, sided, typeOfDesign, gammaA)."""
    d = group_sequential_design(
        _looks(case),
        alpha=case["alpha"],
        sides=case["sides"],
        spending=case["spending"],
        gamma=case["gamma"],
    )
    assert_allclose(d.z, np.atleast_1d(case["z"]), atol=ATOL_Z)
    assert_allclose(d.cumulative_alpha, np.atleast_1d(case["cumulative_alpha"]), rtol=RTOL)
    assert_allclose(d.nominal_p, np.atleast_1d(case["nominal_p"]), rtol=RTOL)


@pytest.mark.parametrize(
    "case",
    REFERENCE["futility"],
    ids=lambda c: f"{c['beta_spending']}-{c['beta']}-{len(c['looks'])}",
)
def test_beta_spending_futility_matches_rpact(case: dict[str, Any]) -> None:
    """rpact: getDesignGroupSequential(..., typeBetaSpending = "bsOF"/"bsP", beta,
    bindingFutility = FALSE); drift = sqrt(getDesignCharacteristics(d)$shift)."""
    d = group_sequential_design(
        _looks(case),
        alpha=case["alpha"],
        sides=1,
        spending="obf",
        beta=case["beta"],
        beta_spending=case["beta_spending"],
    )
    assert_allclose(d.z, case["z"], atol=ATOL_Z)
    assert_allclose(d.futility, case["futility"], atol=ATOL_Z)
    assert_allclose(d.cumulative_beta, case["cumulative_beta"], rtol=RTOL)
    assert_allclose(d.drift, case["drift"], rtol=RTOL)


def test_grid_is_converged() -> None:
    """Refining the grid four-fold moves the bounds of a 5-look Pocock design by < 1e-7."""
    t = np.array([0.2, 0.4, 0.6, 0.8, 1.0])
    b = np.full(5, 2.4131802710013543)
    coarse = crossing_probabilities(t, b, np.full(5, -np.inf), r=32).upper
    fine = crossing_probabilities(t, b, np.full(5, -np.inf), r=128).upper
    assert_allclose(coarse, fine, atol=1e-10)
    d = group_sequential_design(list(t), alpha=0.025, spending="classical-pocock")
    assert_allclose(d.z, b, atol=1e-7)


def test_single_look_is_the_fixed_test() -> None:
    d = group_sequential_design([1.0], alpha=0.05, sides=2)
    assert_allclose(d.z, [1.959963984540054], rtol=1e-12)
    assert_allclose(d.cumulative_alpha, [0.05], rtol=1e-10)


def test_recursion_agrees_with_direct_bivariate_normal() -> None:
    """Two looks: P(Z1 < b1, Z2 ≥ b2) from the bivariate normal with correlation √(t1/t2)."""
    from scipy.stats import multivariate_normal, norm

    t = np.array([0.4, 1.0])
    b = np.array([2.8, 2.0])
    rho = np.sqrt(t[0] / t[1])
    joint = multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf([b[0], b[1]])
    expected = norm.cdf(b[0]) - joint
    got = crossing_probabilities(t, b, np.full(2, -np.inf)).upper[1]
    assert_allclose(got, expected, atol=1e-7)


def test_spending_functions_end_at_alpha() -> None:
    t = np.array([0.25, 0.5, 1.0])
    for kind in ("obf", "pocock", "hsd"):
        spent = spending_function(kind, 0.025, t, gamma=-4)
        assert np.all(np.diff(spent) > 0)
        assert_allclose(spent[-1], 0.025, rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"looks": [0.5, 0.4, 1.0]}, "looks"),
        ({"looks": [0.5, 0.9]}, "looks"),
        ({"looks": []}, "looks"),
        ({"alpha": 0.0}, "alpha"),
        ({"sides": 0}, "sides"),
        ({"spending": "haybittle"}, "spending"),
        pytest.param({"beta_spending": "obf"}, "beta", id="beta-spending-without-beta"),
        pytest.param({"beta": 0.98}, "beta", id="beta-alone-above-1-alpha"),
        pytest.param({"binding_futility": True}, "binding_futility", id="binding-without-beta"),
        pytest.param(
            {
                "spending": "classical-obf",
                "beta": 0.2,
                "beta_spending": "obf",
                "binding_futility": True,
            },
            "binding_futility",
            id="binding-classical",
        ),
        # rpact 3.3.4's ranges (R/f_core_assertions.R, R/f_core_constants.R)
        pytest.param({"looks": [k / 21 for k in range(1, 22)]}, "looks", id="kmax-above-20"),
        pytest.param({"looks": [0.5, "x"]}, "looks", id="look-not-a-number"),
        pytest.param({"alpha": 0.5}, "alpha", id="alpha-0.5"),
        pytest.param({"alpha": 0.9}, "alpha", id="alpha-0.9-negative-bounds"),
        pytest.param({"alpha": 1e-7}, "alpha", id="alpha-below-1e-6"),
        pytest.param({"alpha": True}, "alpha", id="alpha-boolean"),
        pytest.param({"beta": 1e-5, "beta_spending": "obf"}, "beta", id="beta-below-1e-4"),
        pytest.param({"beta": 0.98, "beta_spending": "obf"}, "beta", id="beta-above-1-alpha"),
        pytest.param({"spending": "hsd", "gamma": 5.5}, "gamma", id="gamma-above-5"),
        pytest.param({"spending": "hsd", "gamma": -11.0}, "gamma", id="gamma-below-10"),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"looks": [0.5, 1.0]}
    args.update(kwargs)
    looks = args.pop("looks")
    with pytest.raises(InputError) as info:
        group_sequential_design(looks, **args)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("spending", "sides"),
    [
        pytest.param("obf", 1, id="obf-one-sided"),
        pytest.param("pocock", 2, id="pocock-two-sided"),
        pytest.param("classical-obf", 1, id="classical-obf"),
    ],
)
def test_beta_alone_is_the_efficacy_only_design(spending: str, sides: int) -> None:
    """rpact's getDesignGroupSequential(beta = 0.2) without typeBetaSpending: β serves the
    characteristics; the bounds are those of the design without it, and no futility."""
    looks = [1 / 3, 2 / 3, 1.0]
    alone = group_sequential_design(looks, sides=sides, spending=spending, beta=0.2)
    without = group_sequential_design(looks, sides=sides, spending=spending)
    assert replace(alone, drift=0.0) == replace(without, drift=0.0)
    assert math.isnan(alone.drift)
    assert alone.cumulative_beta == ()
    assert all(a == -math.inf for a in alone.futility)


EARLY_FINAL_DESIGNS = [
    pytest.param({}, id="obf-one-sided"),
    pytest.param({"sides": 2, "alpha": 0.05}, id="obf-two-sided"),
    pytest.param({"spending": "pocock"}, id="pocock"),
    pytest.param({"spending": "hsd", "gamma": -2.0}, id="hsd"),
    pytest.param({"beta": 0.2, "beta_spending": "obf"}, id="non-binding-futility"),
    pytest.param({"spending": "classical-obf"}, id="classical-obf"),
    pytest.param(
        {"beta": 0.2, "beta_spending": "obf", "binding_futility": True}, id="binding-futility"
    ),
    pytest.param(
        {"beta": 0.2, "beta_spending": "pocock", "binding_futility": True, "sides": 2},
        id="binding-futility-two-sided",
    ),
]


@pytest.mark.parametrize("options", EARLY_FINAL_DESIGNS)
def test_early_final_bounds_spend_what_the_looks_held_left(options: dict[str, Any]) -> None:
    """A final analysis right after the first look is the fixed test's bound; after every
    interim, the design's own final bound."""
    d = group_sequential_design([0.3, 0.6, 0.8, 1.0], **options)
    bounds = early_final_bounds(d)
    assert len(bounds) == 4
    assert bounds[0] == pytest.approx(norm.isf(d.alpha / d.sides), abs=1e-12)
    assert bounds[-1] == pytest.approx(d.z[-1], abs=1e-9)


@pytest.mark.parametrize(
    "options",
    [p for p in EARLY_FINAL_DESIGNS if p.id in {"obf-one-sided", "obf-two-sided", "pocock", "hsd"}],
)
def test_early_final_bound_is_the_design_of_the_looks_held(options: dict[str, Any]) -> None:
    """α-spending without binding futility: a look's bound depends on the looks up to it, so
    the final after j interims is the final bound of the design of those looks and 1."""
    looks = [0.3, 0.6, 0.8, 1.0]
    bounds = early_final_bounds(group_sequential_design(looks, **options))
    for j in range(1, 3):
        held = group_sequential_design([*looks[:j], 1.0], **options)
        assert bounds[j] == pytest.approx(held.z[-1], abs=1e-7)


def test_twenty_looks_are_allowed_and_spend_alpha() -> None:
    """rpact's kMax = 20 is the most looks; the boundary search stays quick there."""
    looks = [k / 20 for k in range(1, 21)]
    d = group_sequential_design(looks, alpha=0.025, beta=0.2, beta_spending="obf")
    assert len(d.z) == 20
    assert_allclose(d.cumulative_alpha[-1], 0.025, rtol=1e-6)
    assert np.all(np.asarray(d.z) > 0)


@pytest.mark.parametrize(
    "beta",
    [
        pytest.param(1e-4, id="beta-1e-4"),
        pytest.param(0.5, id="beta-0.5"),
        pytest.param(0.97, id="beta-near-1-alpha"),
    ],
)
def test_futility_across_rpacts_range_of_beta(beta: float) -> None:
    """rpact takes β in [1e-04, 1 − α): the drift search finds its root across that range."""
    d = group_sequential_design([0.5, 1.0], alpha=0.025, beta=beta, beta_spending="obf")
    assert_allclose(d.cumulative_beta[-1], beta, rtol=1e-6)
    assert d.drift > 0
