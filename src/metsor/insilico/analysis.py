"""The virtual trial's analysis, read back from the exported analysis datasets.

Time-to-event endpoints come from ADTTE (``AVAL`` in months, ``EVENT``), per arm: subjects,
events, Kaplan–Meier median with its 95% interval (log-log band, Brookmeyer–Crowley); between
arms: the log-rank test and the Cox hazard ratio of metformin + sorafenib against sorafenib
with its Wald 95% interval (Efron ties). Objective response comes from ADRS (``ORR_MRECIST``,
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

import numpy as np

from metsor import stats
from metsor.errors import InputError

__all__ = [
    "ARMS",
    "ENDPOINT_PARAMS",
    "ArmResponse",
    "ArmSurvival",
    "EndpointComparison",
    "ResponseComparison",
    "compare_endpoints",
    "compare_responses",
    "read_rows",
]

ARMS: tuple[str, str] = ("sorafenib_metformin", "sorafenib")
"""Experimental arm first, then the reference arm (arm codes)."""

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


def compare_endpoints(adtte: list[dict[str, str]]) -> list[EndpointComparison]:
    """Kaplan–Meier per arm, log-rank and Cox between arms, for each of
    :data:`ENDPOINT_PARAMS`.

    Parameters
    ----------
    adtte
        Rows of the exported ADTTE.

    Returns
    -------
    list of EndpointComparison
        In the order of :data:`ENDPOINT_PARAMS`.

    References
    ----------
    See the module docstring.
    """
    results = []
    for param in ENDPOINT_PARAMS:
        rows = [row for row in adtte if row["PARAMCD"] == param]
        if not rows:
            raise InputError(f"ADTTE has no rows of parameter {param}", field="PARAMCD")
        time = np.array([float(row["AVAL"]) for row in rows])
        event = np.array([int(row["EVENT"]) for row in rows])
        arm = np.array([row["ARMCD"] for row in rows])
        arms = {}
        for code in ARMS:
            mask = arm == code
            fit = stats.kaplan_meier(time[mask], event[mask], conf_type="log-log")
            median = fit.median()
            arms[code] = ArmSurvival(fit.n, fit.events, median.median, median.lower, median.upper)
        logrank = stats.logrank_test(time, event, arm)
        hr: tuple[float | None, float | None, float | None] = (None, None, None)
        if event.any():
            cox = stats.cox_ph(time, event, (arm == ARMS[0]).astype(float), names=["arm"])
            if cox.converged:
                hr = (float(cox.hazard_ratio[0]), float(cox.hr_lower[0]), float(cox.hr_upper[0]))
        label = rows[0]["PARAM"].removesuffix(" (months)")
        results.append(EndpointComparison(param, label, arms, logrank.p_value, *hr))
    return results


def compare_responses(adrs: list[dict[str, str]]) -> list[ResponseComparison]:
    """Objective response rates per arm and Fisher's exact test, by mRECIST and RECIST 1.1.

    Parameters
    ----------
    adrs
        Rows of the exported ADRS.

    Returns
    -------
    list of ResponseComparison
        mRECIST first.

    References
    ----------
    See the module docstring.
    """
    results = []
    for criterion, param in (("mRECIST", "ORR_MRECIST"), ("RECIST 1.1", "ORR_RECIST")):
        counts = {}
        for code in ARMS:
            rows = [r for r in adrs if r["PARAMCD"] == param and r["ARMCD"] == code]
            responders = sum(int(r["AVAL"]) for r in rows)
            estimate = stats.clopper_pearson(responders, len(rows))
            counts[code] = ArmResponse(
                responders, len(rows), estimate.rate, estimate.lower, estimate.upper
            )
        experimental, reference = counts[ARMS[0]], counts[ARMS[1]]
        fisher = stats.fisher_exact(
            experimental.responders, experimental.n, reference.responders, reference.n
        )
        results.append(ResponseComparison(criterion, counts, fisher.p_value))
    return results
