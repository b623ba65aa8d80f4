"""Response-rate statistics against R 4.2 ``binom.test``, ``prop.test`` and ``fisher.test``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from metsor.errors import InputError
from metsor.stats.proportions import (
    clopper_pearson,
    fisher_exact,
    newcombe_difference,
    wilson_interval,
)

from .reference_data import RTOL, as_float, reference

TABLES = [
    pytest.param(t, id=f"{t['x1']}of{t['n1']}-vs-{t['x2']}of{t['n2']}")
    for t in reference()["proportions"]
]


@pytest.mark.parametrize("t", TABLES)
def test_clopper_pearson_matches_r(t: dict[str, Any]) -> None:
    """R: ``binom.test(x, n)$conf.int``."""
    for x, n, r in ((t["x1"], t["n1"], t["cp1"]), (t["x2"], t["n2"], t["cp2"])):
        est = clopper_pearson(x, n)
        assert_allclose([est.lower, est.upper], r, rtol=RTOL)
        assert est.rate == x / n


@pytest.mark.parametrize("t", TABLES)
def test_wilson_matches_r(t: dict[str, Any]) -> None:
    """R: ``prop.test(x, n, correct = FALSE)$conf.int``."""
    assert_allclose(wilson_interval(t["x1"], t["n1"]), t["wilson1"], rtol=RTOL)
    assert_allclose(wilson_interval(t["x2"], t["n2"]), t["wilson2"], rtol=RTOL)


@pytest.mark.parametrize("t", TABLES)
def test_newcombe_matches_r(t: dict[str, Any]) -> None:
    """R: ``newcombe()`` in ``tests/reference/survival.R`` (method 10 from the two
    ``prop.test(correct = FALSE)`` Wilson intervals)."""
    d = newcombe_difference(t["x1"], t["n1"], t["x2"], t["n2"])
    assert_allclose([d.lower, d.upper], t["newcombe"], rtol=RTOL)


def test_newcombe_published_example() -> None:
    """Newcombe RG, Stat Med 1998;17:873, Table II, example (a): 56/70 vs 48/80 gives
    +0.0524 to +0.3339 by method 10."""
    d = newcombe_difference(56, 70, 48, 80)
    assert_allclose([d.lower, d.upper], [0.0524, 0.3339], atol=5e-5)


@pytest.mark.parametrize("t", TABLES)
def test_fisher_matches_r(t: dict[str, Any]) -> None:
    """R: ``fisher.test(matrix(c(x1, n1 - x1, x2, n2 - x2), 2, byrow = TRUE))``: p.value,
    estimate (conditional MLE, found by ``uniroot`` at its default tolerance) and conf.int."""
    f = fisher_exact(t["x1"], t["n1"], t["x2"], t["n2"])
    assert_allclose(f.p_value, t["fisher_p"], rtol=RTOL)
    assert_allclose(f.odds_ratio, as_float(t["fisher_or"], np.inf)[0], rtol=RTOL)
    assert_allclose([f.lower, f.upper], as_float(t["fisher_ci"], np.inf), rtol=RTOL)


def test_sample_odds_ratio_is_the_cross_product() -> None:
    f = fisher_exact(56, 70, 48, 80)
    assert_allclose(f.sample_odds_ratio, (56 * 32) / (14 * 48), rtol=RTOL)


@pytest.mark.parametrize(
    ("x", "n", "message"),
    [
        pytest.param(3, 0, "number of patients must be positive", id="no-patients"),
        pytest.param(5, 4, "responders must be between", id="more-responders-than-patients"),
        pytest.param(1.5, 10, "responders must be a whole number", id="fractional-responders"),
        pytest.param(2.0, 10, "responders must be a whole number", id="float-responders"),
        pytest.param(True, 10, "responders must be a whole number", id="boolean-responders"),
        pytest.param(3, 10.5, "n must be a whole number", id="fractional-n"),
        pytest.param(np.nan, 10, "responders must be a whole number", id="nan-responders"),
    ],
)
def test_bad_counts_are_refused(x: int, n: int, message: str) -> None:
    with pytest.raises(InputError, match=message):
        clopper_pearson(x, n)


def test_numpy_integer_counts_are_counts() -> None:
    assert clopper_pearson(np.int64(3), np.int32(10)) == clopper_pearson(3, 10)


def test_fisher_refuses_a_table_beyond_its_bound() -> None:
    """Once killed by the OOM killer: 10^9 patients made a support of 10^9 tables."""
    with pytest.raises(InputError, match="at most 1,000,000 patients") as raised:
        fisher_exact(10**8, 10**9, 10**8, 10**9)
    assert raised.value.field == "n"


@pytest.mark.slow
def test_fisher_at_its_bound_matches_r() -> None:
    """R 4.2.2: ``fisher.test(matrix(c(300000, 200000, 301000, 199000), 2, byrow = TRUE))``
    gives p 0.0413448189812659, odds ratio 0.9916934124914473, 95% CI 0.9837696265310870 to
    0.9996862570105058 (a million patients: the largest table the function takes)."""
    f = fisher_exact(300_000, 500_000, 301_000, 500_000)
    assert_allclose(f.p_value, 0.0413448189812659, rtol=1e-9)
    assert_allclose(f.odds_ratio, 0.9916934124914473, rtol=1e-9)
    assert_allclose([f.lower, f.upper], [0.9837696265310870, 0.9996862570105058], rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(n1=st.integers(1, 40), n2=st.integers(1, 40), data=st.data())
def test_intervals_contain_their_estimates(n1: int, n2: int, data: st.DataObject) -> None:
    x1 = data.draw(st.integers(0, n1))
    x2 = data.draw(st.integers(0, n2))
    for x, n in ((x1, n1), (x2, n2)):
        cp = clopper_pearson(x, n)
        lo, hi = wilson_interval(x, n)
        assert 0 <= cp.lower <= cp.rate <= cp.upper <= 1
        assert 0 <= lo <= x / n <= hi <= 1
    d = newcombe_difference(x1, n1, x2, n2)
    assert -1 <= d.lower <= d.difference <= d.upper <= 1
    f = fisher_exact(x1, n1, x2, n2)
    assert 0 <= f.p_value <= 1
    assert f.lower <= f.odds_ratio <= f.upper
