"""A virtual subject's course: new anticancer therapy after progression, missed assessments,
and stopping treatment for toxicity, as the trials report them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from metsor.insilico.baseline import Baseline
from metsor.insilico.course import (
    MISSED_ASSESSMENT_SHARE,
    MISSED_SCAN_REASON,
    NEW_THERAPY_SHARE,
    Outcome,
)
from metsor.insilico.presets import toxicity_profile
from metsor.services.casebook import THERAPY_CATEGORIES
from metsor.services.casebook.schedule import METSOR_SCHEDULE

from .conftest import plan_of

N = 400
PROGRESSING = Outcome(30.0, 4.0, None, "SD")
"""Progression at 4 months, death at 30: followed long after progression."""


def _share_within(hits: int, n: int, p: float) -> bool:
    return abs(hits / n - p) <= 4.0 * (p * (1 - p) / n) ** 0.5


def test_new_anticancer_therapy_after_progression(baseline: Baseline) -> None:
    """REFLECT: about 39% of the sorafenib arm got a post-study anticancer therapy."""
    started = 0
    for seed in range(N):
        plan = plan_of(baseline, PROGRESSING, seed)
        therapies = [e for e in plan.entries if e.kind == "therapy"]
        progression = next(s.on for s in plan.scans if s.mrecist == "PD")
        course = plan.subject_course()
        if therapies:
            started += 1
            (therapy,) = therapies
            assert therapy.fields["category"] in THERAPY_CATEGORIES
            assert 14 <= (therapy.on - progression).days <= 56
            assert course.new_anticancer_therapy_on == therapy.on
            assert plan.last_known_alive_on >= therapy.on
        else:
            assert course.new_anticancer_therapy_on is None
    assert _share_within(started, N, NEW_THERAPY_SHARE)


def test_no_new_therapy_without_progression(baseline: Baseline) -> None:
    for seed in range(50):
        plan = plan_of(baseline, Outcome(12.0, None, None, "SD"), seed)
        assert not [e for e in plan.entries if e.kind == "therapy"]


def test_some_assessments_are_missed(baseline: Baseline) -> None:
    interval = METSOR_SCHEDULE.tumour_interval_days
    scheduled = missed = 0
    for seed in range(N):
        plan = plan_of(baseline, Outcome(20.0, 12.0, None, "SD"), seed)
        days = [(s.on - plan.randomized_on).days for s in plan.scans]
        numbers = [round(day / interval) for day in days]
        assert numbers == sorted(set(numbers))
        scheduled += numbers[-1]
        missed += numbers[-1] - len(numbers)
    assert missed > 0
    assert _share_within(missed, scheduled, MISSED_ASSESSMENT_SHARE)


def test_a_missed_scan_is_recorded_as_not_done_in_its_place(baseline: Baseline) -> None:
    """Scans and marks together hold every number of the schedule once, each mark on the day
    its scan would have been."""
    interval = METSOR_SCHEDULE.tumour_interval_days
    marked = 0
    for seed in range(N):
        plan = plan_of(baseline, Outcome(20.0, 12.0, None, "SD"), seed)
        marks = [e for e in plan.entries if e.kind == "missed_visit"]
        scans = [
            e for e in plan.entries
            if e.kind == "visit" and e.fields["visit_type"] == "tumour_assessment"
            and e.fields["number"] > 0
        ]  # fmt: skip
        numbers = sorted(int(e.fields["number"]) for e in marks + scans)
        assert numbers == list(range(1, len(numbers) + 1))
        for entry in marks + scans:
            assert round((entry.on - plan.randomized_on).days / interval) == entry.fields["number"]
        for entry in marks:
            assert entry.fields["visit_type"] == "tumour_assessment"
            assert (entry.fields["missed_on"], entry.fields["reason"]) == (
                entry.on, MISSED_SCAN_REASON
            )  # fmt: skip
        marked += len(marks)
    assert marked > 0


@pytest.mark.parametrize(
    "arm",
    [pytest.param("sorafenib", id="sorafenib"), pytest.param("sorafenib_metformin", id="both")],
)
def test_stopping_for_toxicity_ends_the_study_treatment(baseline: Baseline, arm: str) -> None:
    """Every subject stops for an adverse event here: each drug stops once, that day, and no
    dosing follows; the scans go on until progression."""
    always = replace(toxicity_profile("metsor"), discontinuation=1.0)
    for seed in range(60):
        plan = plan_of(baseline, PROGRESSING, seed, arm=arm, profile=always)
        doses = [e for e in plan.entries if e.kind == "dose"]
        stops = [e for e in doses if e.fields["event"] == "discontinue"]
        assert sorted(str(e.fields["drug"]) for e in stops) == sorted(arm.split("_"))
        assert len({e.on for e in stops}) == 1
        assert all(e.fields["reason"] != "radiological progression" for e in stops)
        assert max(e.on for e in doses) == stops[0].on
        withdrawn = [
            e
            for e in plan.entries
            if e.kind == "adverse_event" and "drug_withdrawn" in e.fields["action_taken"].values()
        ]
        assert len(withdrawn) == 1
        assert any(s.mrecist == "PD" for s in plan.scans)
