"""The trial's interim monitoring plan: the group-sequential design the data monitoring
committee applies to the live data.

A plan states the looks (information fractions of the planned maximum events), the level and
sides, the α-spending family (and optional β-spending for futility, binding or not), the planned
maximum events and the hazard ratio the design assumes, and which endpoint is monitored.
``sources`` says where each value comes from: where the registry is silent, the value is a
stated default, not the registry's.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["MonitoringPlan"]

#: Values every plan must give a source for.
_SOURCED = ("looks", "alpha", "sides", "spending", "planned_events", "hazard_ratio", "endpoint")

Fraction = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]


class MonitoringPlan(BaseModel):
    """A group-sequential monitoring plan of a two-arm time-to-event comparison.

    Attributes
    ----------
    endpoint
        ADTTE parameter monitored (``OS``).
    looks
        Planned information fractions, increasing, the last 1.
    alpha, sides
        Level of the test and its sides (one-sided: z > 0 favours the experimental arm).
    spending, gamma
        α-spending family and the Hwang–Shih–DeCani gamma.
    beta, beta_spending, beta_gamma
        Optional futility bounds by β-spending (z < a one-sided, |z| < a two-sided); ``beta``
        alone records the design's type-II error without futility bounds, as
        :func:`metsor.design.boundaries.group_sequential_design` takes it.
    binding_futility
        Whether the efficacy bounds count on the futility bounds being obeyed.
    planned_events
        Events planned at the final look (the maximum information).
    hazard_ratio
        Hazard ratio (experimental / control) the design assumes, for conditional power.
    allocation_ratio
        Patients experimental : control.
    information_epsilon
        Under-running of the planned events allowed at a final look (events when ≥ 1, a
        fraction when < 1).
    sources
        Where each value comes from (at least the endpoint, looks, alpha, sides, spending,
        planned events and hazard ratio).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]*$")] = "OS"
    looks: tuple[Fraction, ...]
    alpha: Annotated[float, Field(gt=0, lt=1)]
    sides: Literal[1, 2]
    spending: Literal["obf", "pocock", "hsd", "classical-obf", "classical-pocock"]
    gamma: float = -4.0
    beta: Annotated[float, Field(gt=0, lt=1)] | None = None
    beta_spending: Literal["obf", "pocock", "hsd"] | None = None
    beta_gamma: float = -4.0
    binding_futility: bool = False
    planned_events: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    hazard_ratio: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    allocation_ratio: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1.0
    information_epsilon: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0
    sources: dict[str, str]

    @model_validator(mode="after")
    def _consistent(self) -> MonitoringPlan:
        if not self.looks or self.looks[-1] != 1.0:
            raise ValueError("looks must end at 1 (the final look at the planned events)")
        if any(b <= a for a, b in itertools.pairwise(self.looks)):
            raise ValueError("looks must increase")
        if self.beta_spending is not None and self.beta is None:
            raise ValueError(
                "beta_spending needs beta, the type-II error its futility bounds spend"
            )
        if self.binding_futility and (
            self.beta_spending is None or self.spending.startswith("classical")
        ):
            raise ValueError("binding futility needs beta-spending and an alpha-spending family")
        missing = sorted(k for k in _SOURCED if not self.sources.get(k, "").strip())
        if missing:
            raise ValueError(f"no source for {', '.join(missing)}")
        unknown = sorted(set(self.sources) - set(type(self).model_fields))
        if unknown:
            raise ValueError(f"sources name unknown fields: {', '.join(unknown)}")
        return self
