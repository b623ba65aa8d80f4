"""The report's figures are those of metsor.analysis on the exported ADTTE and ADRS, and of
``metsor analyze survival`` on the exported file; the HTML file is self-contained."""

from __future__ import annotations

import base64
import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metsor.analysis import analyse_trial
from metsor.cli.main import app
from metsor.report import BuiltReport
from metsor.report.document import Figure, Table
from metsor.report.formatting import estimate_ci
from metsor.services.trial_data import TrialSnapshot

from .conftest import VirtualTrial


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def exported(virtual_trial: VirtualTrial) -> dict[str, Path]:
    """The ADTTE and ADRS CSV files the virtual trial exported at its cut-off."""
    folder = virtual_trial.folder / "datasets"
    return {"adtte": folder / "adtte.csv", "adrs": folder / "adrs.csv"}


def test_the_reports_analysis_equals_the_analysis_of_the_exported_files(
    built: BuiltReport, snapshot: TrialSnapshot, exported: dict[str, Path]
) -> None:
    from_files = analyse_trial(
        _rows(exported["adtte"]),
        _rows(exported["adrs"]),
        reference=snapshot.scheme.reference,
        experimental=snapshot.scheme.experimental,
    )
    assert built.analysis is not None
    assert built.analysis.endpoints.keys() == from_files.endpoints.keys()
    # repr: every figure written exactly (nan, where a median is not reached, equals itself)
    for param, comparison in from_files.endpoints.items():
        assert repr(built.analysis.endpoints[param]) == repr(comparison), param
    assert repr(built.analysis.responses) == repr(from_files.responses)


@pytest.mark.parametrize(
    "stratified", [pytest.param(True, id="stratified"), pytest.param(False, id="unstratified")]
)
@pytest.mark.parametrize("param", [pytest.param(p, id=p) for p in ("OS", "TTP", "PFS")])
def test_the_reports_figures_equal_metsor_analyze_on_the_exported_adtte(
    built: BuiltReport, exported: dict[str, Path], param: str, stratified: bool
) -> None:
    """``metsor analyze survival --input adtte.csv --param OS --time AVAL --censor CNSR
    --group ARMCD --reference sorafenib [--strata STRATUM] --json``."""
    assert built.analysis is not None
    comparison = built.analysis.endpoints[param]
    strata = ["--strata", "STRATUM"] if stratified else []
    result = CliRunner().invoke(
        app,
        ["analyze", "survival", "--input", str(exported["adtte"]), "--param", param,
         "--time", "AVAL", "--censor", "CNSR", "--group", "ARMCD",
         "--reference", comparison.reference, *strata, "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    hr = comparison.hazard_ratio if stratified else comparison.hazard_ratio_unstratified
    logrank = comparison.logrank if stratified else comparison.logrank_unstratified
    assert hr is not None
    assert logrank is not None
    assert printed["cox"]["hr"] == hr.estimate
    assert printed["cox"]["ci"] == [hr.lower, hr.upper]
    assert printed["logrank"]["p"] == logrank.p_value
    for arm, summary in comparison.arms.items():
        assert printed["groups"][arm]["n"] == summary.n
        assert printed["groups"][arm]["events"] == summary.events
        median = printed["groups"][arm]["median"]
        assert median == summary.median or (median is None and summary.median != summary.median)


def test_the_html_shows_the_analysis_figures(built: BuiltReport, written: dict[str, Path]) -> None:
    html = written["html"].read_text(encoding="utf-8")
    assert built.analysis is not None
    for comparison in built.analysis.endpoints.values():
        hr = comparison.hazard_ratio
        if hr is not None:
            assert f"HR {estimate_ci(hr.estimate, hr.lower, hr.upper)}" in html
    flow = built.document.sections[0].blocks
    assert flow
    assert f"{built.document.facts[-1][1]}" in html


def test_the_html_is_one_self_contained_file(built: BuiltReport, written: dict[str, Path]) -> None:
    html = written["html"].read_text(encoding="utf-8")
    links = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert links
    assert all(link.startswith(("data:", "#")) for link in links), links
    assert "<link" not in html
    assert "@import" not in html
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    figures = [b for s in built.document.sections for b in s.blocks if isinstance(b, Figure)]
    assert len(images) == len(figures) >= 5  # CONSORT, three Kaplan–Meier, forest
    assert all(base64.b64decode(image).startswith(b"\x89PNG") for image in images)


def test_the_pdf_is_written(written: dict[str, Path]) -> None:
    data = written["pdf"].read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")


def test_the_sections_follow_ich_e3(built: BuiltReport) -> None:
    titles = [s.title for s in built.document.sections]
    assert titles == [
        "Synopsis",
        "Protocol and its review",
        "Design and power",
        "Study patients",
        "Efficacy",
        "Safety",
        "Data cut-off, database state, signatures and audit trail",
    ]


def test_the_adverse_event_tables_count_the_subjects_of_adae(
    built: BuiltReport, snapshot: TrialSnapshot
) -> None:
    safety = next(s for s in built.document.sections if s.title == "Safety")
    tables = {b.caption: b for b in safety.blocks if isinstance(b, Table)}
    overview = tables["Overview of treatment-emergent adverse events (subjects)"]
    any_event = next(row for row in overview.rows if row[0] == "Any adverse event")
    by_soc = tables["Treatment-emergent adverse events by system organ class and term (subjects)"]
    for column, arm in enumerate(snapshot.scheme.arms, start=1):
        subjects = {
            r["USUBJID"] for r in snapshot.adae if r["ARMCD"] == arm and r["TRTEMFL"] == "Y"
        }
        assert any_event[column].split(" ")[0] == str(len(subjects))
    socs = {str(r["AEBODSYS"]) for r in snapshot.adae if r["TRTEMFL"] == "Y"}
    shown = {by_soc.rows[i][0] for i in by_soc.group_rows}
    assert shown == socs


def test_the_disposition_table_shows_the_consort_counts(
    built: BuiltReport, snapshot: TrialSnapshot
) -> None:
    patients = next(s for s in built.document.sections if s.title == "Study patients")
    table = next(b for b in patients.blocks if isinstance(b, Table))
    assert table.caption == "Disposition of subjects"
    rows = {row[0]: row[1:] for row in table.rows}
    flow = snapshot.consort
    arms = snapshot.scheme.arms
    assert rows["Allocated"] == tuple(str(flow.allocated[a]) for a in arms)
    assert rows["Died"] == tuple(str(flow.died[a]) for a in arms)
    assert rows["Analysed (intention to treat)"] == tuple(str(flow.analysed[a]) for a in arms)
