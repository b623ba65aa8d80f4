"""The outcome measures and adverse events of the registry results section (ClinicalTrials.gov
API v2 ``outcomeMeasuresModule`` and ``adverseEventsModule``).

Every figure is one of :mod:`metsor.analysis` (:func:`metsor.analysis.analyse_trial` on ADTTE
and ADRS), only formatted here: medians and their 95% confidence limits with 2 decimals
(``NA`` with a comment where not reached), hazard and odds ratios and their limits with 3,
p-values with 4 (``<0.0001`` below; :func:`number`, :func:`p_value`).

Each registered outcome is matched to its analysis parameter by its measure: overall survival →
``OS``, time to progression → ``TTP``, progression-free survival → ``PFS`` (each censored at the
outcome's time frame in months where one is registered: ``OS12``), objective response →
``ORR_MRECIST`` (the primary criterion). The primary analysis is the log-rank test and Cox model
stratified by the randomization strata; response is compared by Fisher's exact test and the
conditional maximum-likelihood odds ratio.

Adverse events are the treatment-emergent ones of the safety population (ADAE ``TRTEMFL = Y``,
ADSL ``SAFFL = Y``); all-cause deaths are counted among all randomized participants. Serious
events are listed whatever their frequency; other (non-serious) events when their incidence
exceeds the frequency threshold in at least one arm.

References
----------
ClinicalTrials.gov PRS Results Data Element Definitions (2017 final rule, 42 CFR Part 11); API
v2 data model ``resultsSection``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from metsor.analysis import (
    ArmResponse,
    ArmSurvival,
    ResponseComparison,
    SurvivalComparison,
    TrialAnalysis,
)
from metsor.protocol.model import Outcome

__all__ = [
    "FREQUENCY_THRESHOLD",
    "adverse_events_module",
    "number",
    "outcome_measures_module",
    "outcome_param",
    "p_value",
]

#: Incidence (percent) above which a non-serious adverse event is listed.
FREQUENCY_THRESHOLD = 5.0

Groups = Sequence[tuple[str, str, str]]
"""(group id, arm code, title) of each arm, experimental first."""


def number(value: float | None, decimals: int) -> str:
    """A figure as the results section writes it: fixed decimals, ``NA`` when undefined."""
    if value is None or not math.isfinite(value):
        return "NA"
    return f"{value:.{decimals}f}"


def p_value(value: float | None) -> str:
    """A p-value with 4 decimals, ``<0.0001`` below that (``NA`` when undefined)."""
    if value is not None and math.isfinite(value) and value < 0.0001:
        return "<0.0001"
    return number(value, 4)


def outcome_param(outcome: Outcome, analysis: TrialAnalysis) -> str | None:
    """The analysis parameter of a registered outcome (see the module docstring), or None."""
    measure = outcome.measure.lower().replace("-", " ")
    if "response" in measure:
        return next(iter(analysis.responses), None)
    code = None
    if "overall survival" in measure:
        code = "OS"
    elif "time to progression" in measure:
        code = "TTP"
    elif "progression free" in measure:
        code = "PFS"
    if code is None:
        return None
    if outcome.time_frame_months is not None:
        censored = f"{code}{outcome.time_frame_months:g}"
        if censored in analysis.endpoints:
            return censored
    return code if code in analysis.endpoints else None


def _groups(groups: Groups, prefix: str, labels: Mapping[str, str]) -> list[dict[str, str]]:
    return [
        {"id": f"{prefix}{index:03d}", "title": title, "description": labels.get(code, title)}
        for index, (_, code, title) in enumerate(groups)
    ]


def _survival_measure(
    outcome: Outcome, param: str, result: SurvivalComparison, groups: Groups
) -> dict[str, Any]:
    measurements = []
    for index, (_, code, _title) in enumerate(groups):
        arm = result.arms.get(code)
        if arm is None:
            measurements.append(
                {"groupId": f"OG{index:03d}", "value": "NA", "lowerLimit": "NA",
                 "upperLimit": "NA", "comment": "No participant in this arm."}
            )  # fmt: skip
            continue
        measurement: dict[str, Any] = {
            "groupId": f"OG{index:03d}",
            "value": number(arm.median, 2),
            "lowerLimit": number(arm.median_lower, 2),
            "upperLimit": number(arm.median_upper, 2),
        }
        if measurement["value"] == "NA" or measurement["upperLimit"] == "NA":
            measurement["comment"] = (
                f"Not reached: {arm.events} events among {arm.n} participants; NA marks a "
                "median or confidence limit the Kaplan-Meier curve does not reach."
            )
        measurements.append(measurement)
    hazard = result.hazard_ratio
    logrank = result.logrank
    analysis: dict[str, Any] = {
        "groupIds": [f"OG{index:03d}" for index in range(len(groups))],
        "groupDescription": "Experimental arm against the reference arm, stratified by the "
        "randomization strata.",
        "nonInferiorityType": "SUPERIORITY",
        "pValue": p_value(None if logrank is None else logrank.p_value),
        "statisticalMethod": "Log Rank",
        "paramType": "Hazard Ratio (HR)",
        "paramValue": number(None if hazard is None else hazard.estimate, 3),
        "ciPctValue": "95",
        "ciNumSides": "TWO_SIDED",
        "ciLowerLimit": number(None if hazard is None else hazard.lower, 3),
        "ciUpperLimit": number(None if hazard is None else hazard.upper, 3),
        "estimateComment": "Cox proportional hazards model (Efron ties) stratified by the "
        "randomization strata; hazard ratio of the experimental arm against the reference.",
    }
    if result.warnings:
        analysis["statisticalComment"] = "; ".join(result.warnings)[:1000]
    return {
        **_outcome_head(outcome, param),
        "paramType": "MEDIAN",
        "dispersionType": "CONFIDENCE_95",
        "unitOfMeasure": "months",
        "denoms": [_denom("OG", [_n(result.arms.get(code)) for _, code, _ in groups])],
        "classes": [{"categories": [{"measurements": measurements}]}],
        "analyses": [analysis],
    }


def _n(arm: ArmSurvival | ArmResponse | None) -> int:
    """Participants of an arm (0 for an arm without any)."""
    return 0 if arm is None else arm.n


def _response_measure(
    outcome: Outcome, param: str, result: ResponseComparison, groups: Groups
) -> dict[str, Any]:
    measurements = []
    for index, (_, code, _) in enumerate(groups):
        arm = result.arms.get(code)
        measurements.append(
            {"groupId": f"OG{index:03d}", "value": str(0 if arm is None else arm.responders)}
        )
    fisher = result.fisher
    analysis: dict[str, Any] = {
        "groupIds": [f"OG{index:03d}" for index in range(len(groups))],
        "groupDescription": f"Objective response ({result.criterion}), experimental arm "
        "against the reference arm.",
        "nonInferiorityType": "SUPERIORITY",
        "pValue": p_value(None if fisher is None else fisher.p_value),
        "statisticalMethod": "Fisher Exact",
        "paramType": "Odds Ratio (OR)",
        "paramValue": number(None if fisher is None else fisher.odds_ratio, 3),
        "ciPctValue": "95",
        "ciNumSides": "TWO_SIDED",
        "ciLowerLimit": number(None if fisher is None else fisher.lower, 3),
        "ciUpperLimit": number(None if fisher is None else fisher.upper, 3),
        "estimateComment": "Conditional maximum-likelihood odds ratio with its exact "
        "interval, as R's fisher.test.",
    }
    if result.warnings:
        analysis["statisticalComment"] = "; ".join(result.warnings)[:1000]
    return {
        **_outcome_head(outcome, param),
        "paramType": "COUNT_OF_PARTICIPANTS",
        "unitOfMeasure": "Participants",
        "denoms": [_denom("OG", [_n(result.arms.get(code)) for _, code, _ in groups])],
        "classes": [{"categories": [{"measurements": measurements}]}],
        "analyses": [analysis],
    }


def _outcome_head(outcome: Outcome, param: str) -> dict[str, Any]:
    return {
        "type": outcome.type.upper(),
        "title": outcome.measure,
        "description": outcome.description
        or f"{outcome.measure}, analysis parameter {param} of the analysis datasets.",
        "populationDescription": "All randomized participants (intention to treat).",
        "reportingStatus": "POSTED",
        "timeFrame": outcome.time_frame or "",
    }


def _denom(prefix: str, counts: Sequence[int]) -> dict[str, Any]:
    return {
        "units": "Participants",
        "counts": [
            {"groupId": f"{prefix}{index:03d}", "value": str(count)}
            for index, count in enumerate(counts)
        ],
    }


def outcome_measures_module(
    outcomes: Sequence[Outcome],
    analysis: TrialAnalysis,
    groups: Groups,
    labels: Mapping[str, str],
) -> dict[str, Any]:
    """``outcomeMeasuresModule``: one measure per registered outcome that has an analysis."""
    measures = []
    for outcome in outcomes:
        param = outcome_param(outcome, analysis)
        if param is None:
            continue
        if param in analysis.endpoints:
            measure = _survival_measure(outcome, param, analysis.endpoints[param], groups)
        else:
            measure = _response_measure(outcome, param, analysis.responses[param], groups)
        measures.append({**measure, "groups": _groups(groups, "OG", labels)})
    return {"outcomeMeasures": measures}


def adverse_events_module(
    adsl: Sequence[Mapping[str, Any]],
    adae: Sequence[Mapping[str, Any]],
    groups: Groups,
    labels: Mapping[str, str],
    *,
    time_frame: str,
    vocabulary: str,
) -> dict[str, Any]:
    """``adverseEventsModule`` from ADSL and ADAE (see the module docstring)."""
    arm_of = {row["USUBJID"]: row["ARMCD"] for row in adsl}
    safety = {row["USUBJID"] for row in adsl if row["SAFFL"] == "Y"}
    emergent = [r for r in adae if r["TRTEMFL"] == "Y" and r["USUBJID"] in safety]
    codes = [code for _, code, _ in groups]
    at_risk = {code: sum(1 for s in safety if arm_of[s] == code) for code in codes}
    randomized = {code: sum(1 for arm in arm_of.values() if arm == code) for code in codes}
    deaths = {
        code: sum(1 for r in adsl if r["ARMCD"] == code and r["DTHFL"] == "Y") for code in codes
    }

    def affected(rows: Sequence[Mapping[str, Any]], code: str) -> int:
        return len({r["USUBJID"] for r in rows if arm_of[r["USUBJID"]] == code})

    serious = [r for r in emergent if r["AESER"] == "Y"]
    other = [r for r in emergent if r["AESER"] != "Y"]
    listed_other = [
        term
        for term in sorted({r["AEDECOD"] for r in other})
        if any(
            at_risk[code]
            and 100.0 * affected([r for r in other if r["AEDECOD"] == term], code) / at_risk[code]
            > FREQUENCY_THRESHOLD
            for code in codes
        )
    ]
    other_listed = [r for r in other if r["AEDECOD"] in listed_other]
    event_groups = [
        {
            **group,
            "deathsNumAffected": deaths[code],
            "deathsNumAtRisk": randomized[code],
            "seriousNumAffected": affected(serious, code),
            "seriousNumAtRisk": at_risk[code],
            "otherNumAffected": affected(other_listed, code),
            "otherNumAtRisk": at_risk[code],
        }
        for group, code in zip(_groups(groups, "EG", labels), codes, strict=True)
    ]

    def table(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        found = []
        for term in sorted({r["AEDECOD"] for r in rows}):
            of_term = [r for r in rows if r["AEDECOD"] == term]
            found.append(
                {
                    "term": term,
                    "organSystem": of_term[0]["AEBODSYS"],
                    "sourceVocabulary": vocabulary,
                    "assessmentType": "SYSTEMATIC_ASSESSMENT",
                    "stats": [
                        {
                            "groupId": f"EG{index:03d}",
                            "numEvents": sum(1 for r in of_term if arm_of[r["USUBJID"]] == code),
                            "numAffected": affected(of_term, code),
                            "numAtRisk": at_risk[code],
                        }
                        for index, code in enumerate(codes)
                    ],
                }
            )
        return found

    return {
        "frequencyThreshold": f"{FREQUENCY_THRESHOLD:g}",
        "timeFrame": time_frame,
        "description": "Treatment-emergent adverse events (onset on or after the first dose of "
        f"study treatment) of participants who received any study treatment, graded by "
        f"{vocabulary}; all-cause mortality among all randomized participants.",
        "eventGroups": event_groups,
        "seriousEvents": table(serious),
        "otherEvents": table(other_listed),
    }
