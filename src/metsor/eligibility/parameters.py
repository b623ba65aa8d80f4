"""Rules that take a trial's own parameters: windows, largest grades, least ages as data.

A criterion whose protocol entry carries :class:`metsor.protocol.model.RuleParameter` values
is checked by the rule library's rule built with them instead of the library's setting or
constant (SHARP's gastrointestinal bleeding "within 30 days prior to study entry" where
METSOR's registry states no window). Each rule names the parameters it takes, with their
bounds (:data:`RULE_PARAMETERS`); a parameter a rule does not take, or a value outside its
bounds, is refused naming the criterion and the parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from metsor.eligibility.cutoffs import cutoff_rule
from metsor.eligibility.interpretations import EligibilitySettings, within_window_rule
from metsor.eligibility.rules import (
    AGE_CRITERION_YEARS,
    ECOG_MAX,
    INFECTION_GRADE_MAX,
    RULES,
    Rule,
    age_rule,
    ecog_rule,
    infection_rule,
)
from metsor.errors import InputError
from metsor.protocol.model import Criterion, Protocol

__all__ = ["RULE_PARAMETERS", "ParameterBounds", "check_criteria", "parameterized_rule"]


@dataclass(frozen=True)
class ParameterBounds:
    """The whole-number values a parameter may take, ``low`` to ``high``, and what it is."""

    low: int
    high: int
    meaning: str


_Builder = Callable[[EligibilitySettings, Mapping[str, int]], Rule]


def _window(field: str, days_field: str, label: str, setting: str) -> _Builder:
    def build(settings: EligibilitySettings, values: Mapping[str, int]) -> Rule:
        window = values.get("window_days", getattr(settings, setting))
        return within_window_rule(field, days_field, label, window)

    return build


def _age(settings: EligibilitySettings, values: Mapping[str, int]) -> Rule:
    inclusive = values.get("inclusive")
    return age_rule(
        settings,
        values.get("min_years", AGE_CRITERION_YEARS),
        None if inclusive is None else bool(inclusive),
    )


def _ecog(settings: EligibilitySettings, values: Mapping[str, int]) -> Rule:
    return ecog_rule(values.get("max", ECOG_MAX))


def _infection(settings: EligibilitySettings, values: Mapping[str, int]) -> Rule:
    return infection_rule(values.get("max_grade", INFECTION_GRADE_MAX))


_WINDOW = ParameterBounds(0, 36_500, "days before screening within which the event excludes")

RULE_PARAMETERS: Mapping[str, Mapping[str, ParameterBounds]] = MappingProxyType(
    {
        "age": {
            "min_years": ParameterBounds(0, 120, "the least age in years"),
            "inclusive": ParameterBounds(0, 1, "1 when the least age itself is eligible"),
        },
        "ecog": {"max": ParameterBounds(0, 4, "the largest ECOG performance status")},
        "active_infection": {
            "max_grade": ParameterBounds(0, 5, "the largest CTCAE grade of an active infection")
        },
        "gi_bleeding": {"window_days": _WINDOW},
        "bleeding": {"window_days": _WINDOW},
    }
)
"""The parameters each rule takes: rule id → parameter name → bounds."""

_BUILDERS: Mapping[str, _Builder] = MappingProxyType(
    {
        "age": _age,
        "ecog": _ecog,
        "active_infection": _infection,
        "gi_bleeding": _window(
            "gi_bleeding_history",
            "gi_bleeding_days_ago",
            "history of gastrointestinal bleeding",
            "gi_bleeding_window_days",
        ),
        "bleeding": _window(
            "bleeding_signs", "bleeding_days_ago", "signs or history of bleeding",
            "bleeding_window_days",
        ),
    }
)  # fmt: skip


def parameterized_rule(criterion: Criterion, settings: EligibilitySettings) -> Rule | None:
    """The rule of a criterion built with the protocol's parameters, or None without any.

    Parameters
    ----------
    criterion
        The protocol's criterion.
    settings
        The screening's settings, for what the parameters leave to them.

    Returns
    -------
    callable or None
        The rule; None when the criterion carries no parameter.

    Raises
    ------
    InputError
        When the criterion's rule takes no such parameter, or a value is not a whole number
        within the parameter's bounds (naming the criterion and the parameter).
    """
    if not criterion.parameters:
        return None
    rule = criterion.rule or ""
    taken = RULE_PARAMETERS.get(rule, {})
    values: dict[str, int] = {}
    for parameter in criterion.parameters:
        where = f"criteria.{criterion.id}.parameters.{parameter.name}"
        bounds = taken.get(parameter.name)
        if bounds is None:
            known = ", ".join(taken) or "none"
            raise InputError(
                f"criterion '{criterion.id}': rule {rule!r} takes no parameter "
                f"{parameter.name!r} (it takes: {known})",
                field=where,
            )
        value = parameter.value
        if not value.is_integer() or not bounds.low <= value <= bounds.high:
            raise InputError(
                f"criterion '{criterion.id}': {parameter.name} ({bounds.meaning}) must be a "
                f"whole number from {bounds.low} to {bounds.high}, not {value:g}",
                field=where,
            )
        values[parameter.name] = int(value)
    return _BUILDERS[rule](settings, MappingProxyType(values))


def check_criteria(protocol: Protocol) -> None:
    """Check that every criterion's rule exists and takes its cut-off and parameters.

    Raises
    ------
    InputError
        Naming the criterion and the key (``criteria.<id>.rule``, ``….parameters.<name>``).
    """
    for criterion in protocol.criteria:
        if criterion.rule is None:
            continue
        if criterion.rule not in RULES:
            raise InputError(
                f"criterion '{criterion.id}' names no known rule: {criterion.rule!r}",
                field=f"criteria.{criterion.id}.rule",
            )
        cutoff_rule(criterion)
        parameterized_rule(criterion, EligibilitySettings())
