"""The registry results section: the API v2 shape, counts that add up, and figures equal to
metsor.analysis and ``metsor analyze`` on the exported ADaM datasets."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from metsor.analysis import TrialAnalysis, analyse_trial
from metsor.cli.main import app

from .ctgov_shape import RESULTS_SECTION, shape_problems

EXPERIMENTAL, REFERENCE = "sorafenib_metformin", "sorafenib"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def results(results_json: Path) -> dict[str, Any]:
    """The results section written by ``metsor.export.ctgov``."""
    document: dict[str, Any] = json.loads(results_json.read_text(encoding="utf-8"))
    assert list(document) == ["resultsSection"]
    section: dict[str, Any] = document["resultsSection"]
    return section


@pytest.fixture(scope="module")
def analysis(adam_dir: Path) -> TrialAnalysis:
    """The trial's analysis computed again from the exported ADTTE and ADRS files."""
    return analyse_trial(
        _rows(adam_dir / "adtte.csv"), _rows(adam_dir / "adrs.csv"),
        reference=REFERENCE, experimental=EXPERIMENTAL,
    )  # fmt: skip


def _fixed(value: float | None, decimals: int) -> str:
    """A figure with fixed decimals, NA when undefined (not reached, not estimable)."""
    return "NA" if value is None or not math.isfinite(value) else f"{value:.{decimals}f}"


def _p(value: float | None) -> str:
    """A p-value as the results section writes it."""
    return "<0.0001" if value is not None and value < 0.0001 else _fixed(value, 4)


def test_the_section_has_the_api_shape(results: dict[str, Any]) -> None:
    assert shape_problems(results, RESULTS_SECTION) == []


def test_the_participant_flow_adds_up(results: dict[str, Any], adam_dir: Path) -> None:
    flow = results["participantFlowModule"]
    assert [group["id"] for group in flow["groups"]] == ["FG000", "FG001"]
    (period,) = flow["periods"]
    assert period["title"] == "Overall Study"
    counts = {
        milestone["type"]: {a["groupId"]: int(a["numSubjects"]) for a in milestone["achievements"]}
        for milestone in period["milestones"]
    }
    assert list(counts) == ["STARTED", "COMPLETED", "NOT COMPLETED"]
    for group in ("FG000", "FG001"):
        assert (
            counts["STARTED"][group] == counts["COMPLETED"][group] + counts["NOT COMPLETED"][group]
        )
        dropped = sum(
            int(r["numSubjects"]) for d in period["dropWithdraws"] for r in d["reasons"]
            if r["groupId"] == group
        )  # fmt: skip
        assert dropped == counts["NOT COMPLETED"][group]
    adsl = _rows(adam_dir / "adsl.csv")
    assert sum(counts["STARTED"].values()) == len(adsl)
    assert sum(counts["STARTED"].values()) == len(adsl)
    deaths = next(d for d in period["dropWithdraws"] if d["type"] == "Death")
    assert sum(int(r["numSubjects"]) for r in deaths["reasons"]) == sum(
        row["DTHFL"] == "Y" for row in adsl
    )


def test_baseline_has_a_total_group_that_adds_up(results: dict[str, Any]) -> None:
    baseline = results["baselineCharacteristicsModule"]
    assert [group["id"] for group in baseline["groups"]] == ["BG000", "BG001", "BG002"]
    assert baseline["groups"][-1]["title"] == "Total"
    (denom,) = baseline["denoms"]
    n = [int(count["value"]) for count in denom["counts"]]
    assert n[0] + n[1] == n[2]
    titles = [measure["title"] for measure in baseline["measures"]]
    assert titles[:3] == ["Age, Continuous", "Sex: Female, Male", "Region of Enrollment"]
    for measure in baseline["measures"][1:]:
        totals = [0, 0, 0]
        for klass in measure["classes"]:
            for category in klass["categories"]:
                for index, cell in enumerate(category["measurements"]):
                    totals[index] += int(cell["value"])
        assert totals == n, measure["title"]


def test_one_measure_per_registered_outcome(results: dict[str, Any]) -> None:
    measures = results["outcomeMeasuresModule"]["outcomeMeasures"]
    assert [(m["type"], m["title"], m["paramType"]) for m in measures] == [
        ("PRIMARY", "Overall Survival", "MEDIAN"),
        ("SECONDARY", "Time To Progression", "MEDIAN"),
        ("SECONDARY", "Progression Free Survival", "MEDIAN"),
        ("SECONDARY", "Objective Response Rate", "COUNT_OF_PARTICIPANTS"),
    ]
    for measure in measures[:3]:
        assert (measure["dispersionType"], measure["unitOfMeasure"]) == ("CONFIDENCE_95", "months")
        assert measure["analyses"][0]["statisticalMethod"] == "Log Rank"
        assert measure["analyses"][0]["paramType"] == "Hazard Ratio (HR)"
    assert measures[3]["analyses"][0]["statisticalMethod"] == "Fisher Exact"


@pytest.mark.parametrize(
    ("index", "param"),
    [pytest.param(0, "OS12", id="OS"), pytest.param(1, "TTP12", id="TTP"),
     pytest.param(2, "PFS12", id="PFS")],
)  # fmt: skip
def test_survival_figures_are_the_analysis_figures(
    results: dict[str, Any], analysis: TrialAnalysis, index: int, param: str
) -> None:
    measure = results["outcomeMeasuresModule"]["outcomeMeasures"][index]
    result = analysis.endpoints[param]
    cells = measure["classes"][0]["categories"][0]["measurements"]
    for cell, arm in zip(cells, (EXPERIMENTAL, REFERENCE), strict=True):
        found = result.arms[arm]
        assert (cell["value"], cell["lowerLimit"], cell["upperLimit"]) == (
            _fixed(found.median, 2), _fixed(found.median_lower, 2), _fixed(found.median_upper, 2)
        )  # fmt: skip
    (test,) = measure["analyses"]
    hazard, logrank = result.hazard_ratio, result.logrank
    expected = (None, None, None) if hazard is None else (hazard.estimate, hazard.lower,
                                                          hazard.upper)  # fmt: skip
    assert (test["paramValue"], test["ciLowerLimit"], test["ciUpperLimit"]) == tuple(
        _fixed(value, 3) for value in expected
    )
    assert test["pValue"] == _p(None if logrank is None else logrank.p_value)
    if hazard is None:
        assert test["statisticalComment"] == "; ".join(result.warnings)


def test_response_figures_are_the_analysis_figures(
    results: dict[str, Any], analysis: TrialAnalysis
) -> None:
    measure = results["outcomeMeasuresModule"]["outcomeMeasures"][3]
    result = analysis.responses["ORR_MRECIST"]
    cells = measure["classes"][0]["categories"][0]["measurements"]
    assert [int(cell["value"]) for cell in cells] == [
        result.arms[EXPERIMENTAL].responders, result.arms[REFERENCE].responders
    ]  # fmt: skip
    assert result.fisher is not None
    assert measure["analyses"][0]["pValue"] == _p(result.fisher.p_value)


def test_the_hazard_ratio_is_that_of_metsor_analyze(
    results: dict[str, Any], adam_dir: Path
) -> None:
    """``metsor analyze survival`` on the exported ADTTE prints the results section's OS HR."""
    outcome = CliRunner().invoke(app, [
        "analyze", "survival", "--input", str(adam_dir / "adtte.csv"), "--param", "OS12",
        "--time", "AVAL", "--censor", "CNSR", "--group", "ARMCD", "--strata", "STRATUM",
        "--reference", REFERENCE, "--json",
    ])  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    printed = json.loads(outcome.output)
    (test,) = results["outcomeMeasuresModule"]["outcomeMeasures"][0]["analyses"]
    assert test["paramValue"] == f"{printed['cox']['hr']:.3f}"
    assert test["pValue"] == _p(printed["logrank"]["p"])


def test_adverse_events_count_the_safety_population(
    results: dict[str, Any], adam_dir: Path
) -> None:
    events = results["adverseEventsModule"]
    adsl = _rows(adam_dir / "adsl.csv")
    at_risk = [sum(r["SAFFL"] == "Y" and r["ARMCD"] == arm for r in adsl)
               for arm in (EXPERIMENTAL, REFERENCE)]  # fmt: skip
    assert [g["seriousNumAtRisk"] for g in events["eventGroups"]] == at_risk
    assert [g["id"] for g in events["eventGroups"]] == ["EG000", "EG001"]
    for event in events["otherEvents"] + events["seriousEvents"]:
        for stat, n in zip(event["stats"], at_risk, strict=True):
            assert 0 < stat["numAffected"] <= stat["numEvents"] or stat["numAffected"] == 0
            assert stat["numAtRisk"] == n


def test_an_arm_without_participants_is_reported_not_failed() -> None:
    """A trial whose reference arm has nobody yet still gets its outcome measures."""
    from metsor.export.ctgov_outcomes import outcome_measures_module
    from metsor.protocol import builtin

    adtte = [
        {"PARAMCD": param, "AVAL": str(months), "CNSR": str(censored),
         "ARMCD": EXPERIMENTAL, "STRATUM": "s1"}
        for param in ("OS12", "TTP12", "PFS12")
        for months, censored in ((3.0, 0), (5.0, 1), (7.5, 0))
    ]  # fmt: skip
    adrs = [{"PARAMCD": "ORR_MRECIST", "AVAL": "1", "ARMCD": EXPERIMENTAL}] * 3
    analysis = analyse_trial(adtte, adrs, reference=REFERENCE, experimental=EXPERIMENTAL)
    groups = (("000", EXPERIMENTAL, "Combination"), ("001", REFERENCE, "Control"))
    module = outcome_measures_module(builtin().outcomes, analysis, groups, {})
    measures = module["outcomeMeasures"]
    assert len(measures) == 4
    control = [m["classes"][0]["categories"][0]["measurements"][1] for m in measures]
    assert [cell["value"] for cell in control] == ["NA", "NA", "NA", "0"]
    assert [m["denoms"][0]["counts"][1]["value"] for m in measures] == ["0"] * 4
    assert measures[0]["analyses"][0]["statisticalComment"] == "arm 'sorafenib' has no patients"
    assert shape_problems(module, RESULTS_SECTION["outcomeMeasuresModule"]) == []


def test_baseline_counts_are_those_of_the_analysis(results: dict[str, Any], adam_dir: Path) -> None:
    """Each count measure equals :func:`metsor.analysis.baseline.summarise_baseline` on the
    exported ADSL (the study report's baseline table counts with it too); aetiology as
    recorded at screening."""
    from metsor.analysis.baseline import summarise_baseline

    baseline = results["baselineCharacteristicsModule"]
    adsl: list[dict[str, Any]] = _rows(adam_dir / "adsl.csv")
    summary = summarise_baseline(adsl, ["sorafenib_metformin", "sorafenib"])  # BG000, BG001
    titles = {m["title"]: m for m in baseline["measures"]}
    aetiology = titles["Aetiology of liver disease"]
    categories = aetiology["classes"][0]["categories"]
    expected = summary.of("AETIOL")
    assert [c["title"] for c in categories] == [lvl or "Unknown" for lvl in expected.levels]
    for category, counts in zip(categories, expected.counts, strict=True):
        assert [int(m["value"]) for m in category["measurements"]] == list(counts)
    assert any(level is not None for level in expected.levels), "aetiology was recorded"
