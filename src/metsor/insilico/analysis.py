"""The virtual trial's analysis, read back from the exported analysis datasets.

Time-to-event endpoints come from ADTTE (``AVAL`` in months, ``EVENT``), per arm: subjects,
events, Kaplan–Meier median with its 95% interval (log-log band, Brookmeyer–Crowley); between
arms: the log-rank test and the Cox hazard ratio of the experimental arm against the reference
arm with its Wald 95% interval (Efron ties), both stratified by the randomization strata. Every
figure is :mod:`metsor.analysis`'s, the one place the trial's numbers are computed.
Objective response comes from ADRS (``ORR_MRECIST``,
``ORR_RECIST``): per arm the rate with its Clopper–Pearson 95% interval, between arms Fisher's
exact test.

References
----------
Kaplan EL, Meier P. JASA 1958;53:457–481. Brookmeyer R, Crowley J. Biometrics 1982;38:29–41.
Cox DR. JRSS B 1972;34:187–220. Clopper CJ, Pearson ES. Biometrika 1934;26:404–413.
Fisher RA. JRSS 1922;85:87–94.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ENDPOINT_PARAMS",
    "ArmResponse",
    "ArmSurvival",
    "EndpointComparison",
    "ResponseComparison",
    "compare_endpoints",
    "compare_responses",
    "read_rows",
]

ENDPOINT_PARAMS: tuple[str, ...] = ("OS", "TTP", "PFS", "OS12", "TTP12", "PFS12")
"""ADTTE parameters analysed: full follow-up, then censored at 12 months (as registered)."""


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


@dataclass(frozen=True)
class ArmSurvival:
    """One arm's Kaplan–Meier summary of one endpoint (months)."""

    n: int
    events: int
    median: float
    lower: float
    upper: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (None where a median or limit is not reached)."""
        return {
            "n": self.n,
            "events": self.events,
            "median": _number(self.median),
            "lower": _number(self.lower),
            "upper": _number(self.upper),
        }


@dataclass(frozen=True)
class EndpointComparison:
    """One endpoint compared between the arms."""

    param: str
    label: str
    arms: dict[str, ArmSurvival]
    logrank_p: float
    hazard_ratio: float | None
    hr_lower: float | None
    hr_upper: float | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "param": self.param,
            "label": self.label,
            "arms": {arm: summary.to_dict() for arm, summary in self.arms.items()},
            "logrank_p": _number(self.logrank_p),
            "hazard_ratio": self.hazard_ratio,
            "hr_lower": self.hr_lower,
            "hr_upper": self.hr_upper,
        }


@dataclass(frozen=True)
class ArmResponse:
    """One arm's objective response rate with its Clopper–Pearson interval."""

    responders: int
    n: int
    rate: float
    lower: float
    upper: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "responders": self.responders,
            "n": self.n,
            "rate": self.rate,
            "lower": self.lower,
            "upper": self.upper,
        }


@dataclass(frozen=True)
class ResponseComparison:
    """Objective response by one criterion compared between the arms."""

    criterion: str
    arms: dict[str, ArmResponse]
    fisher_p: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "criterion": self.criterion,
            "arms": {arm: summary.to_dict() for arm, summary in self.arms.items()},
            "fisher_p": self.fisher_p,
        }


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of an exported CSV dataset."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def compare_endpoints(
    adtte: list[dict[str, str]], arms: tuple[str, str]
) -> list[EndpointComparison]:
    """Kaplan–Meier per arm, log-rank and Cox between arms, for each of
    :data:`ENDPOINT_PARAMS`, as :func:`metsor.analysis.analyse_adtte` computes them: the
    log-rank test and the Cox model stratified by the randomization strata (``STRATUM``).

    Parameters
    ----------
    adtte
        Rows of the exported ADTTE.
    arms
        The arm codes, experimental first, then the reference arm.

    Returns
    -------
    list of EndpointComparison
        In the order of :data:`ENDPOINT_PARAMS`.

    References
    ----------
    See the module docstring.
    """
    from metsor.analysis import analyse_adtte

    experimental, reference = arms
    results = []
    for param in ENDPOINT_PARAMS:
        rows = [row for row in adtte if row["PARAMCD"] == param]
        comparison = analyse_adtte(rows, param, reference=reference, experimental=experimental)
        per_arm = {
            code: ArmSurvival(arm.n, arm.events, arm.median, arm.median_lower, arm.median_upper)
            for code, arm in comparison.arms.items()
        }
        hr = comparison.hazard_ratio
        label = rows[0]["PARAM"].removesuffix(" (months)")
        results.append(
            EndpointComparison(
                param,
                label,
                per_arm,
                math.nan if comparison.logrank is None else comparison.logrank.p_value,
                None if hr is None else hr.estimate,
                None if hr is None else hr.lower,
                None if hr is None else hr.upper,
            )
        )
    return results


def compare_responses(
    adrs: list[dict[str, str]], arms: tuple[str, str]
) -> list[ResponseComparison]:
    """Objective response rates per arm and Fisher's exact test, by mRECIST and RECIST 1.1, as
    :func:`metsor.analysis.analyse_adrs` computes them.

    Parameters
    ----------
    adrs
        Rows of the exported ADRS.
    arms
        The arm codes, experimental first, then the reference arm.

    Returns
    -------
    list of ResponseComparison
        mRECIST first.

    References
    ----------
    See the module docstring.
    """
    from metsor.analysis import RESPONSE_PARAMS, analyse_adrs

    experimental, reference = arms
    results = []
    for param, criterion in RESPONSE_PARAMS:
        comparison = analyse_adrs(
            adrs, param, reference=reference, experimental=experimental, criterion=criterion
        )
        counts = {
            code: ArmResponse(arm.responders, arm.n, arm.rate, arm.lower, arm.upper)
            for code, arm in comparison.arms.items()
        }
        fisher = math.nan if comparison.fisher is None else comparison.fisher.p_value
        results.append(ResponseComparison(criterion, counts, fisher))
    return results
