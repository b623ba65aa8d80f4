"""Invariants that hold for any course: the properties of the endpoint rules themselves."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from metsor.endpoints import (
    Response,
    SubjectCourse,
    TumourAssessmentResult,
    administrative_reason,
    best_response,
    overall_survival,
    progression_free_survival,
    time_to_progression,
)

from .builders import RANDOMIZED_ON

RESPONSES: st.SearchStrategy[Response] = st.sampled_from(["CR", "PR", "SD", "PD", "NE"])


@st.composite
def courses(draw: st.DrawFn) -> SubjectCourse:
    end = draw(st.integers(1, 900))
    died = draw(st.booleans())
    days = sorted(draw(st.sets(st.integers(1, end), max_size=8)))
    scans = tuple(
        TumourAssessmentResult(
            RANDOMIZED_ON + timedelta(days=d), draw(RESPONSES), draw(RESPONSES), draw(st.booleans())
        )
        for d in days
    )

    def maybe_day() -> timedelta | None:
        return timedelta(days=draw(st.integers(0, end))) if draw(st.booleans()) else None

    therapy, withdrawn, lost = (maybe_day() for _ in range(3))
    return SubjectCourse(
        subject_id="H",
        arm="sorafenib",
        site="tj",
        stratum="s",
        randomized_on=RANDOMIZED_ON,
        last_known_alive_on=RANDOMIZED_ON + timedelta(days=draw(st.integers(0, end))),
        death_on=RANDOMIZED_ON + timedelta(days=end) if died else None,
        tumour_assessments=scans,
        new_anticancer_therapy_on=None if therapy is None else RANDOMIZED_ON + therapy,
        withdrawn_on=None if withdrawn is None else RANDOMIZED_ON + withdrawn,
        lost_to_follow_up_on=None if lost is None else RANDOMIZED_ON + lost,
    )


@settings(max_examples=300, deadline=None)
@given(courses(), st.integers(0, 1000), st.sampled_from([None, 6.0, 12.0]))
def test_time_to_event_invariants(subject: SubjectCourse, cut: int, horizon: float | None) -> None:
    cutoff = RANDOMIZED_ON + timedelta(days=cut)
    for cut_on in (None, cutoff):
        os_ = overall_survival(subject, cutoff=cut_on, horizon_months=horizon)
        for endpoint in (time_to_progression, progression_free_survival):
            result = endpoint(subject, cutoff=cut_on, horizon_months=horizon)
            assert 0 <= result.days <= os_.days
            assert result.event == (result.censor_reason is None)
            full = endpoint(subject, cutoff=cut_on)
            if horizon is not None and full.days <= result.days:
                # Same date and flag; only the label may turn administrative, when the
                # progression, death or new therapy that decided it lies after the horizon.
                assert (full.days, full.event) == (result.days, result.event)
                assert result == full or result.censor_reason == administrative_reason(horizon)
        if cut_on is not None:
            assert os_.event_or_censor_date <= cut_on
        if horizon is not None:
            assert os_.days <= int(horizon * 30.4375)
        assert os_.event == (subject.death_on is not None and os_.event_or_censor_date ==
                             subject.death_on)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(courses())
def test_an_event_in_ttp_is_an_event_in_pfs_no_later(subject: SubjectCourse) -> None:
    ttp = time_to_progression(subject)
    pfs = progression_free_survival(subject)
    if ttp.event:
        assert pfs.event
        assert pfs.days <= ttp.days
    assert best_response(subject).objective_response == (
        best_response(subject).response in ("CR", "PR")
    )
