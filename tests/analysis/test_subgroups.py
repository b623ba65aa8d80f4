"""Hazard ratios by subgroup and interaction tests, against R's coxph.

Reference: ``tests/reference/subgroups_reference.json``, written by
``tests/reference/subgroups.R`` (survival::colon, deaths, Lev+5FU against Obs)::

    fit <- coxph(Surv(time, status) ~ arm, data = subset(x, level == lv))   # per level
    anova(coxph(Surv(time, status) ~ arm + level, data = x),
          coxph(Surv(time, status) ~ arm * level, data = x))              # interaction
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from metsor.analysis.subgroups import SubgroupFactor, subgroup_hazard_ratios
from metsor.errors import InputError

RTOL = 1e-6

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "subgroups_reference.json"
_DATA: dict[str, Any] = json.loads(REFERENCE.read_text())
FACTORS = [f["factor"] for f in _DATA["factors"]]


@pytest.fixture(scope="module")
def colon() -> dict[str, SubgroupFactor]:
    """Every factor of the reference data analysed by metsor."""
    data = _DATA["data"]
    results = subgroup_hazard_ratios(
        data["time"],
        data["status"],
        data["arm"],
        {name: data[name] for name in FACTORS},
        reference="Obs",
        experimental="Lev+5FU",
    )
    return {result.factor: result for result in results}


def _expected(name: str) -> dict[str, Any]:
    return next(f for f in _DATA["factors"] if f["factor"] == name)


@pytest.mark.parametrize("name", [pytest.param(f, id=f) for f in FACTORS])
def test_hazard_ratio_per_level_equals_coxph(colon: dict[str, SubgroupFactor], name: str) -> None:
    expected = _expected(name)["levels"]
    got = colon[name].levels
    assert [lv.level for lv in got] == [lv["level"] for lv in expected]
    assert [sum(lv.n.values()) for lv in got] == [lv["n"] for lv in expected]
    assert [sum(lv.events.values()) for lv in got] == [lv["events"] for lv in expected]
    for key in ("hazard_ratio", "lower", "upper"):
        assert_allclose([getattr(lv, key) for lv in got], [lv[key] for lv in expected], rtol=RTOL)


@pytest.mark.parametrize("name", [pytest.param(f, id=f) for f in FACTORS])
def test_interaction_equals_anova_of_coxph(colon: dict[str, SubgroupFactor], name: str) -> None:
    expected = _expected(name)
    got = colon[name]
    assert got.test == "likelihood ratio"
    assert got.interaction_df == expected["interaction_df"]
    assert_allclose(got.interaction_chi2, expected["interaction_lr_chi2"], rtol=RTOL)
    assert_allclose(got.interaction_p, expected["interaction_lr_p"], rtol=RTOL)
    assert_allclose(got.interaction_wald_p, expected["interaction_wald_p"], rtol=RTOL)


def test_unknown_levels_are_left_out(colon: dict[str, SubgroupFactor]) -> None:
    missing = sum(1 for value in _DATA["data"]["differ"] if value is None)
    assert missing > 0
    assert colon["differ"].missing == missing


def test_a_level_with_one_arm_has_no_hazard_ratio_and_says_so() -> None:
    time = np.arange(1.0, 9.0)
    arm = ["a", "b"] * 4
    only_b = ["x", "x", "x", "x", "z", "y", "z", "y"]
    (result,) = subgroup_hazard_ratios(
        time, [1] * 8, arm, {"f": only_b}, reference="a", experimental="b"
    )
    assert [lv.level for lv in result.levels] == ["x", "y", "z"]
    assert result.levels[1].hazard_ratio is None
    assert any("y: no hazard ratio" in w for w in result.warnings)
    (single,) = subgroup_hazard_ratios(
        time, [1] * 8, arm, {"f": ["x"] * 8}, reference="a", experimental="b"
    )
    assert single.interaction_p is None
    assert any("single level" in w for w in single.warnings)


def test_mismatched_lengths_are_refused_naming_the_factor() -> None:
    with pytest.raises(InputError, match="subgroup f must be one value per patient"):
        subgroup_hazard_ratios(
            [1.0, 2.0], [1, 1], ["a", "b"], {"f": ["x"]}, reference="a", experimental="b"
        )
