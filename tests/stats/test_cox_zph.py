"""Proportional-hazards test against R survival 3.5-3 ``cox.zph`` (exact score test)."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from metsor.stats.cox_zph import cox_zph

from .reference_data import RTOL, case
from .test_cox import MODELS, fit_model

TRANSFORMS = ("km", "rank", "identity")


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize(("name", "key"), MODELS)
def test_zph_matches_r(name: str, key: str, transform: str) -> None:
    """R: ``cox.zph(fit, transform = transform)$table`` (chisq, df, p per term and GLOBAL),
    ``fit`` as in ``test_cox.test_fit_matches_r``."""
    r = case(name)["cox"][key]["zph"][transform]
    zph = cox_zph(fit_model(name, key), transform)  # type: ignore[arg-type]
    assert list(zph.terms) == r["terms"]
    assert_allclose(zph.chi2, r["chisq"], rtol=RTOL)
    assert_allclose(zph.df, r["df"], rtol=RTOL)
    assert_allclose(zph.p_value, r["p"], rtol=RTOL)


def test_veteran_identity_is_the_exact_test_not_the_old_approximation() -> None:
    """R >= 3.0: ``cox.zph(coxph(Surv(time, status) ~ trt, veteran), "identity")`` gives
    chi2 4.91 (p 0.027); the pre-2019 approximation (lifelines) gives 2.20."""
    zph = cox_zph(fit_model("veteran", "efron"), "identity")
    assert_allclose(zph.chi2[0], 4.91395180176978, rtol=RTOL)
    assert zph.global_p_value < 0.05


def test_all_deaths_at_one_time_make_the_test_undefined() -> None:
    """R: ``cox.zph(coxph(Surv(t, e) ~ g))`` with t all 0 stops ("system is exactly singular")."""
    import numpy as np

    from metsor.errors import InputError
    from metsor.stats.cox import cox_ph

    fit = cox_ph(np.zeros(4), np.array([1.0, 0.0, 1.0, 1.0]), np.array([0.0, 1.0, 0.0, 1.0]))
    with pytest.raises(InputError, match="information matrix is singular") as caught:
        cox_zph(fit)
    assert caught.value.field == "time"
