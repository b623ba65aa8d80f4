"""metsor.analysis.compare_response against R (``binom.test``, ``fisher.test``, Newcombe's
hybrid score interval built from ``prop.test``), per table of ``tests/reference/survival.R``::

    binom.test(x, n)$conf.int; fisher.test(matrix(c(x1, n1 - x1, x2, n2 - x2), 2, byrow = TRUE))
"""

from __future__ import annotations

from typing import Any

import pytest
from numpy.testing import assert_allclose

from metsor.analysis import compare_response
from metsor.errors import InputError

RTOL = 1e-6
TABLES = range(9)


def _patients(x: int, n: int, arm: str) -> tuple[list[int], list[str]]:
    return [1] * x + [0] * (n - x), [arm] * n


@pytest.mark.parametrize("index", [pytest.param(i, id=f"table{i}") for i in TABLES])
def test_matches_r(reference: dict[str, Any], index: int) -> None:
    table = reference["proportions"][index]
    r1, a1 = _patients(table["x1"], table["n1"], "exp")
    r2, a2 = _patients(table["x2"], table["n2"], "ref")
    result = compare_response(r1 + r2, a1 + a2, reference="ref", experimental="exp")
    assert_allclose([result.arms["exp"].lower, result.arms["exp"].upper], table["cp1"], rtol=RTOL)
    assert_allclose([result.arms["ref"].lower, result.arms["ref"].upper], table["cp2"], rtol=RTOL)
    assert result.difference is not None
    assert result.fisher is not None
    assert_allclose([result.difference.lower, result.difference.upper], table["newcombe"],
                    rtol=RTOL)  # fmt: skip
    assert_allclose(result.fisher.p_value, table["fisher_p"], rtol=RTOL)


def test_no_responders_is_said() -> None:
    result = compare_response([0, 0, 0, 0], ["a", "b", "a", "b"], reference="a",
                              experimental="b", criterion="RECIST 1.1")  # fmt: skip
    assert result.fisher is not None
    assert result.fisher.p_value == 1.0
    assert result.warnings == ("no responders by RECIST 1.1 in either arm",)


def test_a_single_arm_has_its_rate_and_no_comparison() -> None:
    result = compare_response([1, 0, 1], ["a"] * 3, reference="a", experimental="b")
    assert result.arms["a"].responders == 2
    assert result.fisher is None
    assert result.difference is None
    assert result.warnings == ("arm 'b' has no patients",)


@pytest.mark.parametrize(
    ("responder", "arm", "match"),
    [
        pytest.param([1, 2], ["a", "b"], "0 or 1", id="not-binary"),
        pytest.param([1], ["a", "b"], "one value per patient", id="lengths"),
    ],
)
def test_bad_input_names_the_problem(responder: list[int], arm: list[str], match: str) -> None:
    with pytest.raises(InputError, match=match):
        compare_response(responder, arm, reference="a", experimental="b")
