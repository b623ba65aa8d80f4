"""The protocol's interim monitoring plan: METSOR's stated default, and plans refused."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from metsor.protocol import builtin
from metsor.protocol.monitoring import MonitoringPlan

SOURCES = {
    key: "stated"
    for key in ("endpoint", "looks", "alpha", "sides", "spending", "planned_events", "hazard_ratio")
}
PLAN: dict[str, Any] = {
    "looks": (0.5, 1.0),
    "alpha": 0.025,
    "sides": 1,
    "spending": "obf",
    "planned_events": 59,
    "hazard_ratio": 0.764,
    "sources": SOURCES,
}


def test_metsor_has_a_default_plan_said_to_be_a_default() -> None:
    plan = builtin().monitoring
    assert plan is not None
    assert plan.endpoint == "OS"
    assert plan.looks == (0.5, 1.0)
    assert (plan.alpha, plan.sides, plan.spending) == (0.025, 1, "obf")
    assert plan.planned_events == 59
    assert plan.hazard_ratio == pytest.approx(10.7 / 14, abs=1e-3)
    for key in ("looks", "alpha", "sides", "spending", "planned_events"):
        assert plan.sources[key].startswith("Default, not the registry's"), key


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"looks": (0.5, 0.9)}, "looks must end at 1", id="not-ending-at-1"),
        pytest.param({"looks": (0.6, 0.5, 1.0)}, "looks must increase", id="decreasing"),
        pytest.param(
            {"beta_spending": "obf"}, "beta_spending needs beta", id="spending-without-beta"
        ),
        pytest.param(
            {"binding_futility": True}, "binding futility needs", id="binding-without-beta"
        ),
        pytest.param(
            {"beta": 0.2, "binding_futility": True},
            "binding futility needs",
            id="binding-without-futility-bounds",
        ),
        pytest.param(
            {
                "beta": 0.2,
                "beta_spending": "obf",
                "binding_futility": True,
                "spending": "classical-obf",
            },
            "binding futility needs",
            id="binding-classical",
        ),
        pytest.param({"sources": {"alpha": "x"}}, "no source for", id="sources-missing"),
        pytest.param(
            {"sources": {**SOURCES, "colour": "red"}}, "unknown fields: colour", id="unknown-source"
        ),
        pytest.param({"spending": "linear"}, "spending", id="unknown-spending"),
        pytest.param({"planned_events": 0}, "planned_events", id="no-events"),
    ],
)
def test_an_inconsistent_plan_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        MonitoringPlan.model_validate({**PLAN, **change})


def test_beta_alone_is_an_efficacy_only_plan() -> None:
    """As the design commands and rpact take it: the type-II error without futility bounds."""
    plan = MonitoringPlan.model_validate({**PLAN, "beta": 0.2})
    assert (plan.beta, plan.beta_spending, plan.binding_futility) == (0.2, None, False)


def test_a_two_sided_plan_may_have_binding_futility() -> None:
    """Two-sided plans stop for futility when |z| < a (rpact's two-sided beta spending)."""
    plan = MonitoringPlan.model_validate(
        {**PLAN, "sides": 2, "beta": 0.2, "beta_spending": "obf", "binding_futility": True}
    )
    assert plan.binding_futility
