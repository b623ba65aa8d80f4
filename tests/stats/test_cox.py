"""Cox model against R survival 3.5-3 ``coxph`` (``tests/reference/survival.R``)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from metsor.errors import InputError
from metsor.stats.cox import CoxFit, cox_ph

from .reference_data import CASES, RTOL, arrays, case

MODELS = [
    pytest.param(name, key, id=f"{name}-{key}") for name in CASES for key in case(name)["cox"]
]


def fit_model(name: str, key: str) -> CoxFit:
    """Fit the model R fitted under ``key``: efron/breslow, optionally _strata or _multi."""
    c = case(name)
    time, status, _ = arrays(name)
    ties, _, variant = key.partition("_")
    names = ["arm", *c["covariates"][1:]] if variant == "multi" else ["arm"]
    x = np.column_stack([c["data"][v] for v in names])
    strata = np.asarray(c["data"]["strata"]) if variant == "strata" else None
    return cox_ph(time, status, x, names=names, strata=strata, ties=ties)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "key"), MODELS)
def test_fit_matches_r(name: str, key: str) -> None:
    """R: ``fit <- coxph(Surv(time, status) ~ arm [+ covariates] [+ strata(strata)], d,
    ties = ties)``; ``coef(fit)``, ``sqrt(diag(vcov(fit)))``, ``summary(fit)$conf.int``,
    ``summary(fit)$coefficients[, "Pr(>|z|)"]``, ``fit$loglik``, ``fit$score``,
    ``fit$wald.test``, ``summary(fit)$logtest``, ``fit$iter``."""
    r = case(name)["cox"][key]
    fit = fit_model(name, key)
    assert_allclose(fit.coef, r["coef"], rtol=RTOL)
    assert_allclose(fit.se, r["se"], rtol=RTOL)
    assert_allclose(fit.variance, np.reshape(r["var"], fit.variance.shape), rtol=RTOL)
    assert_allclose(fit.hazard_ratio, r["hr"], rtol=RTOL)
    assert_allclose(fit.hr_lower, r["hr_lower"], rtol=RTOL)
    assert_allclose(fit.hr_upper, r["hr_upper"], rtol=RTOL)
    assert_allclose(fit.z, r["z"], rtol=RTOL)
    assert_allclose(fit.p_value, r["p"], rtol=RTOL)
    assert_allclose([fit.loglik_null, fit.loglik], r["loglik"], rtol=RTOL)
    assert_allclose(fit.score_chi2, r["score"], rtol=RTOL)
    assert_allclose(fit.wald_chi2, r["wald"], rtol=RTOL)
    assert_allclose(fit.lr_chi2, r["lrt"], rtol=RTOL)
    assert fit.iterations == r["iter"]
    assert fit.converged


def test_score_test_equals_logrank_without_ties() -> None:
    """With no tied event times the Cox score test of one binary covariate is the log-rank
    chi-squared (Therneau & Grambsch 2000, §3.3)."""
    from metsor.stats.logrank import logrank_test

    rng = np.random.default_rng(7)
    time = rng.exponential(10, 200)
    event = rng.integers(0, 2, 200)
    arm = rng.integers(0, 2, 200)
    fit = cox_ph(time, event, arm, ties="breslow")
    assert_allclose(fit.score_chi2, logrank_test(time, event, arm).chi2, rtol=1e-9)


def test_constant_covariate_is_refused() -> None:
    with pytest.raises(InputError, match="information matrix is singular"):
        cox_ph([1, 2, 3, 4], [1, 1, 0, 1], [1, 1, 1, 1], names=["arm"])


def test_no_events_is_refused() -> None:
    with pytest.raises(InputError, match="no events"):
        cox_ph([1, 2, 3], [0, 0, 0], [0, 1, 0])


def test_missing_covariate_is_refused() -> None:
    with pytest.raises(InputError, match="covariates must be finite"):
        cox_ph([1, 2, 3], [1, 0, 1], [0, float("nan"), 1])


def test_monotone_likelihood_runs_out_of_iterations_as_r() -> None:
    """R: ``coxph(Surv(time, status) ~ arm)`` with no events in arm 1 gives coef -21.526,
    se 20457 after running out of iterations (R warns; here ``converged`` is False)."""
    fit = cox_ph([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 0, 0, 0, 1, 0], [0, 0, 0, 1, 1, 1, 0, 1])
    assert not fit.converged
    assert_allclose(fit.coef, [-21.52617368821109], rtol=RTOL)
    assert_allclose(fit.loglik, -3.17805383273741, rtol=RTOL)
    assert_allclose(fit.se, [20457.37286872484765], rtol=1e-6)
    assert fit.warnings == ("Ran out of iterations and did not converge",)
    assert fit.infinite == (False,)


def test_an_arm_without_events_flags_an_infinite_coefficient_as_r() -> None:
    """R 4.2.2, survival 3.4::

        coxph(Surv(c(5,3,8,2,9,4,6,7,10,11,12,1), rep(1:0, each = 6)) ~ rep(0:1, each = 6))

    converges in 20 iterations at coef −21.7025150417471 and warns "Loglik converged before
    variable 1 ; coefficient may be infinite."."""
    time = [5, 3, 8, 2, 9, 4, 6, 7, 10, 11, 12, 1]
    fit = cox_ph(time, [1] * 6 + [0] * 6, [0] * 6 + [1] * 6, names=["arm"])
    assert_allclose(fit.coef, [-21.7025150417471], rtol=1e-9)
    assert fit.converged
    assert fit.iterations == 20
    assert fit.infinite == (True,)
    assert fit.warnings == (
        "Loglik converged before variable 1 (arm); coefficient may be infinite.",
    )


def test_a_finite_coefficient_carries_no_warning() -> None:
    time = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    fit = cox_ph(time, [1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1], [0, 1] * 6)
    assert fit.converged
    assert fit.infinite == (False,)
    assert fit.warnings == ()


@pytest.mark.parametrize(
    ("control", "field"),
    [
        pytest.param({"conf_level": 1.5}, "conf_level", id="conf-level-above-1"),
        pytest.param({"conf_level": float("nan")}, "conf_level", id="conf-level-nan"),
        pytest.param({"max_iter": 0}, "max_iter", id="no-iterations"),
        pytest.param({"max_iter": 10**9}, "max_iter", id="a-billion-iterations"),
        pytest.param({"max_iter": 2.5}, "max_iter", id="fractional-iterations"),
        pytest.param({"eps": 0.0}, "eps", id="eps-0"),
        pytest.param({"eps": float("inf")}, "eps", id="eps-inf"),
    ],
)
def test_bad_control_names_the_argument(control: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as raised:
        cox_ph([1, 2, 3, 4], [1, 1, 0, 1], [0, 1, 0, 1], **control)  # type: ignore[arg-type]
    assert raised.value.field == field
