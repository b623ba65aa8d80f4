"""A design and a truth to simulate: the scenario of a Monte-Carlo trial."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from metsor.design.boundaries import GroupSequentialDesign, group_sequential_design
from metsor.design.expected_events import dropout_hazard, months
from metsor.design.outcomes import PRESETS
from metsor.errors import InputError
from metsor.protocol.builtin import builtin
from metsor.protocol.model import EndpointRules

__all__ = [
    "ENDPOINTS",
    "MAX_ORR_PATIENTS",
    "MAX_PATIENTS",
    "PROTOCOL_ASSESSMENT_INTERVAL_MONTHS",
    "PROTOCOL_TTP_DEATH_CENSORING",
    "TTP_DEATH_OPTIONS",
    "Scenario",
    "arm_hazards",
    "planned_events",
    "with_values",
]

ENDPOINTS = ("os", "ttp", "pfs", "orr")
MAX_PATIENTS = 100_000
"""The most patients a simulated trial may have (its arrays are held per patient)."""
MAX_ORR_PATIENTS = 2_000
"""The most patients of a simulated ORR trial: Fisher's test is tabulated for every table of
the two arms, work that grows as n³ (2,000 patients: a few seconds)."""
_LN2 = math.log(2.0)
_DAYS = 30.4375  # days per month, as in metsor.endpoints.censoring

_RULES = builtin().endpoint_rules
PROTOCOL_ASSESSMENT_INTERVAL_MONTHS: float = _RULES.tumour_interval_days / _DAYS
"""The protocol's tumour-assessment interval in months
(:attr:`metsor.protocol.model.EndpointRules.tumour_interval_days`, 49 days), the default of
``assessment_interval_months``: the simulator scans on the same days as the casebook schedule
and the endpoints' missed-assessment rule."""
TTP_DEATH_OPTIONS = ("last_adequate_assessment", "death")
"""Where time to progression censors a death without progression
(:attr:`metsor.protocol.model.EndpointRules.ttp_death_censoring`)."""
PROTOCOL_TTP_DEATH_CENSORING: str = _RULES.ttp_death_censoring
"""The protocol's choice (the last adequate assessment), the default of
``ttp_death_censoring``."""


@dataclass(frozen=True)
class Scenario:
    """One design and one truth to simulate.

    Attributes
    ----------
    n
        Patients randomized.
    median_control, median_experimental
        Exponential OS medians in months.
    accrual_months, follow_up_months
        Uniform accrual; the final analysis is ``follow_up_months`` after accrual ends unless
        ``events`` is given.
    events
        Final analysis at this many endpoint events (event-driven) instead of at a calendar time.
    looks
        Information fractions (of events) of the analyses, the last 1.
    spending, gamma
        Alpha spending of the interim bounds (see :mod:`metsor.design.boundaries`).
    beta, beta_spending, beta_gamma
        Optional futility bounds by β-spending (``beta_spending`` needs ``beta``; ``beta``
        alone leaves the design efficacy-only): an interim look stops the trial for futility
        when z is at or below its bound (|z| below it when two-sided).
    binding_futility
        Whether the efficacy bounds count on the futility bounds (rpact's
        ``bindingFutility``). Simulated trials obey the futility bounds either way; non-binding
        ones are also followed past them, to tell the power that obeying them costs.
    alpha, sides
        Level and sides of the test.
    allocation_ratio
        Patients experimental : control.
    dropout_per_year
        Probability of dropping out within 12 months.
    endpoint
        ``"os"``, ``"ttp"``, ``"pfs"`` or ``"orr"``.
    ttp_median_control, ttp_median_experimental
        Medians of the latent progression time (experimental default: same HR as OS).
    response_control, response_experimental
        Objective response probabilities (experimental default: same as control).
    assessment_interval_months
        Months between scheduled tumour assessments (the k-th, k ≥ 1, on day
        ``floor(k * interval * 30.4375 + 0.5)`` after randomization). When given, TTP and PFS
        see progression only at the first assessment on or after it and censor at the last
        assessment (TTP: at a death without progression), with latent times moved to whole
        days (``ceil(t * 30.4375)``, at least day 1), as :mod:`metsor.endpoints.time_to_event`
        does. Default: the protocol's schedule (:data:`PROTOCOL_ASSESSMENT_INTERVAL_MONTHS`,
        49 days). None sees progression in continuous time (as rpact simulates). OS and ORR are
        unaffected.
    ttp_death_censoring
        Where TTP seen at assessments censors a death without progression:
        ``"last_adequate_assessment"`` (the last assessment on or before the death; the
        protocol's default) or ``"death"`` (the death day). In continuous time a death always
        censors TTP at death.
    """

    n: int
    median_control: float
    median_experimental: float
    accrual_months: float
    follow_up_months: float = 12.0
    events: int | None = None
    looks: tuple[float, ...] = (1.0,)
    spending: str = "obf"
    gamma: float = -4.0
    beta: float | None = None
    beta_spending: str | None = None
    beta_gamma: float = -4.0
    binding_futility: bool = False
    alpha: float = 0.05
    sides: int = 2
    allocation_ratio: float = 1.0
    dropout_per_year: float = 0.0
    endpoint: str = "os"
    ttp_median_control: float = 5.5
    ttp_median_experimental: float | None = None
    response_control: float = 0.02
    response_experimental: float | None = None
    assessment_interval_months: float | None = PROTOCOL_ASSESSMENT_INTERVAL_MONTHS
    ttp_death_censoring: str = PROTOCOL_TTP_DEATH_CENSORING
    name: str = field(default="", compare=False)

    @classmethod
    def from_preset(cls, preset: str, *, hr: float, **values: Any) -> Scenario:
        """A scenario whose control arm has the medians and response of a published preset.

        Parameters
        ----------
        preset
            A key of :data:`metsor.design.outcomes.PRESETS` (``"sharp"``, ``"asia-pacific"``).
        hr
            Hazard ratio experimental / control for death and progression.
        **values
            Other fields (``n``, ``accrual_months`` …).
        """
        if preset not in PRESETS:
            raise InputError(f"preset must be one of {', '.join(PRESETS)}", field="preset")
        p = PRESETS[preset]
        base = {
            "median_control": p.os_median,
            "median_experimental": p.os_median / hr,
            "ttp_median_control": p.ttp_median,
            "response_control": p.response_rate,
            "name": preset,
        }
        return cls(**{**base, **values})

    def with_endpoint_rules(self, rules: EndpointRules) -> Scenario:
        """A copy that sees progression as a protocol's endpoint rules do.

        Parameters
        ----------
        rules
            The protocol's :class:`~metsor.protocol.model.EndpointRules`.

        Returns
        -------
        Scenario
            The scenario with the rules' tumour-assessment interval (in months) and their
            censoring of a death without progression.
        """
        return replace(
            self,
            assessment_interval_months=rules.tumour_interval_days / _DAYS,
            ttp_death_censoring=rules.ttp_death_censoring,
        )

    def design(self) -> GroupSequentialDesign:
        """The group-sequential bounds of the scenario's looks: efficacy and futility.

        Returns
        -------
        GroupSequentialDesign
            :func:`metsor.design.boundaries.group_sequential_design` of the scenario's
            looks, level, sides and spending (α and, with ``beta_spending``, β).
        """
        inputs = (
            self.looks,
            self.alpha,
            self.sides,
            self.spending,
            self.gamma,
            self.beta,
            self.beta_spending,
            self.beta_gamma,
            self.binding_futility,
        )
        try:
            return _solved_design(tuple(self.looks), *inputs[1:])
        except TypeError:  # inputs that cannot be a cache's key: solved (and refused) uncached
            return _solve_design(*inputs)

    @property
    def hr(self) -> float:
        """OS hazard ratio experimental / control."""
        return self.median_control / self.median_experimental

    def validated(self) -> Scenario:
        """Return the scenario, or raise InputError naming the first bad field."""
        _check_types(self)
        _check_sizes(self)
        if self.events is not None and not 1 <= self.events <= self.n:
            raise InputError("events must lie between 1 and n", field="events")
        if self.endpoint not in ENDPOINTS:
            raise InputError(f"endpoint must be one of {', '.join(ENDPOINTS)}", field="endpoint")
        if self.endpoint == "orr" and len(self.looks) > 1:
            raise InputError("ORR is tested once, at the final analysis", field="looks")
        for name in ("response_control", "response_experimental"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise InputError(f"{name} must lie in [0, 1]", field=name)
        interval = self.assessment_interval_months
        if interval is not None and not (math.isfinite(interval) and interval * _DAYS >= 1.0):
            raise InputError(
                f"assessment_interval_months must be at least one day, not {interval}",
                field="assessment_interval_months",
            )
        if interval is not None:
            months(interval, "assessment_interval_months")
        if self.ttp_death_censoring not in TTP_DEATH_OPTIONS:
            raise InputError(
                f"ttp_death_censoring must be one of {', '.join(TTP_DEATH_OPTIONS)}, "
                f"not {self.ttp_death_censoring!r}",
                field="ttp_death_censoring",
            )
        dropout_hazard(self.dropout_per_year)
        self.design()
        return self


def _solve_design(
    looks: Any,
    alpha: Any,
    sides: Any,
    spending: Any,
    gamma: Any,
    beta: Any,
    beta_spending: Any,
    beta_gamma: Any,
    binding_futility: Any,
) -> GroupSequentialDesign:
    return group_sequential_design(
        looks,
        alpha=alpha,
        sides=sides,
        spending=spending,
        gamma=gamma,
        beta=beta,
        beta_spending=beta_spending,
        beta_gamma=beta_gamma,
        binding_futility=binding_futility,
    )


_solved_design = functools.lru_cache(maxsize=64)(_solve_design)
"""The bounds of recent scenarios: β-spending designs take a while to solve, and a scenario's
are asked for when it is validated, planned and reported."""


_INTEGERS = ("n", "sides")
_NUMBERS = (
    "median_control",
    "median_experimental",
    "accrual_months",
    "follow_up_months",
    "gamma",
    "beta_gamma",
    "alpha",
    "allocation_ratio",
    "dropout_per_year",
    "ttp_median_control",
    "response_control",
)
_OPTIONAL_NUMBERS = (
    "beta",
    "ttp_median_experimental",
    "response_experimental",
    "assessment_interval_months",
)
_TEXT = ("spending", "endpoint", "ttp_death_censoring")
_OPTIONAL_TEXT = ("beta_spending",)


def _is_integer(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _check_sizes(s: Scenario) -> None:
    """Raise InputError naming the first size, duration or ratio out of its range."""
    if not 4 <= s.n <= MAX_PATIENTS:
        raise InputError(f"n must lie between 4 and {MAX_PATIENTS:,}", field="n")
    if s.endpoint == "orr" and s.n > MAX_ORR_PATIENTS:
        raise InputError(
            f"an ORR simulation takes at most {MAX_ORR_PATIENTS:,} patients, not {s.n:,}",
            field="n",
        )
    for name in ("median_control", "median_experimental", "accrual_months"):
        months(getattr(s, name), name)
    for name in ("ttp_median_control", "ttp_median_experimental"):
        if getattr(s, name) is not None:
            months(getattr(s, name), name)
    months(s.follow_up_months, "follow_up_months", minimum=0.0)
    ratio = s.allocation_ratio
    n_experimental = round(s.n * ratio / (1.0 + ratio)) if math.isfinite(ratio) else 0
    if not (math.isfinite(ratio) and ratio > 0 and 0 < n_experimental < s.n):
        raise InputError(
            f"allocation_ratio must be positive and leave patients in both arms, not {ratio}",
            field="allocation_ratio",
        )


def _check_types(s: Scenario) -> None:
    """Raise InputError naming the first field whose value has the wrong type."""
    for name in _INTEGERS:
        if not _is_integer(getattr(s, name)):
            raise InputError(f"{name} must be a whole number, not {getattr(s, name)!r}", field=name)
    if s.events is not None and not _is_integer(s.events):
        raise InputError(f"events must be a whole number, not {s.events!r}", field="events")
    for name in _NUMBERS:
        if not _is_number(getattr(s, name)):
            raise InputError(f"{name} must be a number, not {getattr(s, name)!r}", field=name)
    for name in _TEXT:
        if not isinstance(getattr(s, name), str):
            raise InputError(f"{name} must be text, not {getattr(s, name)!r}", field=name)
    _check_optional_types(s)
    if not isinstance(s.looks, tuple | list) or not all(_is_number(x) for x in s.looks):
        raise InputError(f"looks must be a list of fractions, not {s.looks!r}", field="looks")


def _check_optional_types(s: Scenario) -> None:
    """Raise InputError naming the first optional field, or flag, of the wrong type."""
    for name in _OPTIONAL_NUMBERS:
        value = getattr(s, name)
        if value is not None and not _is_number(value):
            raise InputError(f"{name} must be a number, not {value!r}", field=name)
    for name in _OPTIONAL_TEXT:
        value = getattr(s, name)
        if value is not None and not isinstance(value, str):
            raise InputError(f"{name} must be text, not {value!r}", field=name)
    if not isinstance(s.binding_futility, bool):
        raise InputError(
            f"binding_futility must be true or false, not {s.binding_futility!r}",
            field="binding_futility",
        )


def _arm_event_probability(hazard: float, competing: float, accrual: float, t: float) -> float:
    k = hazard + competing
    lo = max(0.0, t - accrual)
    integral = (t - lo) - (math.exp(-k * lo) - math.exp(-k * t)) / k
    return hazard / k * integral / accrual


def arm_hazards(s: Scenario) -> dict[str, NDArray[np.float64]]:
    """Monthly hazards (control, experimental) of death ``"os"`` and progression ``"prog"``."""
    os_h = np.array([_LN2 / s.median_control, _LN2 / s.median_experimental])
    ttp_exp = s.ttp_median_experimental or s.ttp_median_control / s.hr
    prog_h = np.array([_LN2 / s.ttp_median_control, _LN2 / ttp_exp])
    return {"os": os_h, "prog": prog_h}


def planned_events(s: Scenario) -> float:
    """Events expected at the final analysis: ``events``, else the exponential expectation."""
    if s.events is not None:
        return float(s.events)
    h = arm_hazards(s)
    phi = dropout_hazard(s.dropout_per_year)
    t = s.accrual_months + s.follow_up_months
    r = s.allocation_ratio
    probs = []
    for arm in (0, 1):
        os_h, prog_h = float(h["os"][arm]), float(h["prog"][arm])
        rate, competing = {
            "os": (os_h, phi),
            "ttp": (prog_h, phi + os_h),
            "pfs": (os_h + prog_h, phi),
        }.get(s.endpoint, (os_h, phi))
        probs.append(_arm_event_probability(rate, competing, s.accrual_months, t))
    return s.n * (probs[0] + r * probs[1]) / (1.0 + r)


def with_values(base: Scenario, **values: object) -> Scenario:
    """A copy of ``base`` with some fields replaced (names checked)."""
    known = set(Scenario.__dataclass_fields__)
    for key in values:
        if key not in known:
            raise InputError(f"unknown scenario field {key!r}", field=key)
    return replace(base, **values)  # type: ignore[arg-type]
