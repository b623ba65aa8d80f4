"""A trial with one arm, no events, no responses, or nobody randomized still gets a report that
says so: the real database read at early cut-offs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from metsor.report import BuiltReport, build_report, write_report
from metsor.report.document import Paragraph, StudyReport
from metsor.services.trial_data import TrialSnapshot

from .conftest import VirtualTrial, snapshot_of


def _warnings(document: StudyReport) -> list[str]:
    return [
        b.text
        for s in document.sections
        for b in s.blocks
        if isinstance(b, Paragraph) and b.kind == "warning"
    ]


@pytest.fixture(scope="module")
def first_days(virtual_trial: VirtualTrial, snapshot: TrialSnapshot) -> TrialSnapshot:
    """The trial on the day of its first randomization: one arm, no event, no response."""
    first = min(row["RANDDT"] for row in snapshot.adsl)
    return snapshot_of(virtual_trial.url, cutoff=first)


@pytest.fixture(scope="module")
def first_days_report(first_days: TrialSnapshot) -> BuiltReport:
    """The report of the trial on the day of its first randomization."""
    return build_report(first_days)


def test_one_arm_no_events_no_responses_still_gets_a_report(
    first_days: TrialSnapshot, first_days_report: BuiltReport, tmp_path: Path
) -> None:
    allocated = first_days.consort.allocated
    assert sorted(allocated.values())[0] == 0 < first_days.consort.randomized
    written = write_report(first_days, tmp_path, built=first_days_report)
    html = written["html"].read_text(encoding="utf-8")
    assert written["pdf"].read_bytes().startswith(b"%PDF-")
    assert "Only one arm has subjects" in html
    assert "No overall survival event in either arm" in html
    assert "No objective response by mRECIST in either arm" in html


def test_what_cannot_be_estimated_is_said_from_the_analysis_warnings(
    first_days: TrialSnapshot, first_days_report: BuiltReport
) -> None:
    built = first_days_report
    assert built.analysis is not None
    os_ = built.analysis.endpoints["OS"]
    assert os_.hazard_ratio is None
    assert os_.warnings
    assert any("Only one arm" in w for w in _warnings(built.document))
    assert first_days.consort.problems() == []


def test_no_subject_randomized_by_the_cutoff_gets_a_report_that_says_so(
    virtual_trial: VirtualTrial, snapshot: TrialSnapshot
) -> None:
    first = min(row["RANDDT"] for row in snapshot.adsl)
    empty = snapshot_of(virtual_trial.url, cutoff=first - timedelta(days=1))
    assert empty.consort.randomized == 0
    assert empty.consort.problems() == []
    built = build_report(empty)
    assert built.analysis is None
    assert any("No subject was randomized" in w for w in _warnings(built.document))
