"""Planned scans read as planned: the lesions of every scan, classified by the clinical rules
(RECIST 1.1, Eisenhauer et al. 2009; mRECIST, Lencioni & Llovet 2010), give the responses the
plan intends — the same rules the casebook applies on entry."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from metsor.clinical import mrecist, recist
from metsor.clinical.tumour import Assessment, Lesion
from metsor.insilico.baseline import plan_baseline
from metsor.insilico.course import Outcome, plan_course
from metsor.insilico.recruitment import plan_recruitment
from metsor.insilico.scenario import VirtualScenario


def _assessment(on: date, fields: dict[str, object]) -> Assessment:
    lesions = tuple(Lesion(**lesion) for lesion in fields["lesions"])  # type: ignore[attr-defined]
    return Assessment(
        date=on,
        lesions=lesions,
        non_target_status=fields.get("non_target_status", "present"),  # type: ignore[arg-type]
        new_lesion=bool(fields.get("new_lesion", False)),
    )


@pytest.mark.parametrize(
    ("best", "whole"),
    [
        pytest.param("CR", "PR", id="CR-both"),
        pytest.param("CR", "SD", id="CR-viable-only"),
        pytest.param("PR", "PR", id="PR-both"),
        pytest.param("PR", "SD", id="PR-viable-only"),
        pytest.param("SD", "SD", id="SD"),
        pytest.param("PD", "SD", id="PD"),
    ],
)
def test_scans_read_as_planned_under_both_criteria(best: str, whole: str) -> None:
    """mRECIST's viable measure shrinks more than RECIST's whole diameters: a responder by
    mRECIST alone reads SD by RECIST 1.1, one by both reads PR by both."""
    plan = plan_recruitment(
        n_target=40, scenario=VirtualScenario(), start=date(2016, 1, 4), accrual_months=12.0,
        follow_up_months=12.0, rng=np.random.default_rng(11),
    )  # fmt: skip
    checked = 0
    for candidate in plan.candidates:
        if candidate.outcomes is None:
            continue
        rng = np.random.default_rng(candidate.index)
        day0 = candidate.screened_on + timedelta(days=3)
        baseline = plan_baseline(candidate.record, candidate.screened_on, rng)
        drawn = candidate.outcome(experimental=True)
        outcome = Outcome(24.0, drawn.progression_months, None, best, whole)
        course = plan_course(
            subject_id="TJ-001", arm="sorafenib_metformin", stratum="s", site="TJ",
            randomized_on=day0, cutoff=plan.cutoff, baseline=baseline, outcome=outcome,
            lost_share=0.5, rng=rng,
        )  # fmt: skip
        scans = [e for e in course.entries if e.kind == "tumour_assessment"]
        first = _assessment(scans[0].on, dict(scans[0].fields))
        history: list[Assessment] = []
        for entry, planned in zip(scans[1:], course.scans, strict=True):
            current = _assessment(entry.on, dict(entry.fields))
            assert mrecist.timepoint_response(first, history, current) == planned.mrecist
            assert recist.timepoint_response(first, history, current) == planned.recist
            history.append(current)
            checked += 1
        responses = {s.mrecist for s in course.scans}
        whole_responses = {s.recist for s in course.scans}
        if best in ("CR", "PR") and len(course.scans) >= 3 and "PD" not in responses:
            assert best in responses
            assert ("PR" in whole_responses) == (whole == "PR")
        if best not in ("CR", "PR"):
            assert "PR" not in whole_responses
    assert checked > 100
