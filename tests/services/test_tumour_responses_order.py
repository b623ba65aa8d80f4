"""Tumour responses do not depend on the order the assessments are entered in.

A follow-up dated after every stored assessment is classified alone from the baseline and the
earlier targets; one dated before others makes the service classify every assessment again.
Whatever the order, what is stored is what a full recomputation from all the time points
gives (RECIST 1.1: Eisenhauer et al. 2009; mRECIST: Lencioni & Llovet 2010).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from metsor.clinical import mrecist, recist, tumour
from metsor.services.casebook import record_tumour_assessment
from metsor.services.context import Database, unit_of_work
from metsor.store.models import casebook as tables

from .conftest import DAY0, enroll, move_clock

_SETTINGS = settings(
    max_examples=50,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: The baseline: two enhancing liver targets and, drawn, a peritoneal non-target.
_TARGETS = ("T1", "T2")

#: The columns a classification stores.
_STORED = (
    "sum_diameters_mm",
    "sum_viable_diameters_mm",
    "recist_response",
    "mrecist_response",
    "adequate",
)


@st.composite
def _target(draw: st.DrawFn, lesion_id: str, *, baseline: bool) -> dict[str, Any]:
    """A liver target: at baseline ≥ 10 mm and enhancing; later any size, or not measured."""
    low = 10 if baseline else 0
    diameter = draw(st.integers(low, 60)) if baseline else draw(st.none() | st.integers(0, 60))
    enhancing = True if baseline else draw(st.booleans())
    viable: int | None
    if diameter is None:
        viable = None
    elif enhancing:
        viable = draw(st.integers(low, diameter)) if diameter >= low else diameter
    else:
        viable = 0
    return {
        "lesion_id": lesion_id,
        "organ": "liver",
        "kind": "target",
        "diameter_mm": None if diameter is None else float(diameter),
        "viable_diameter_mm": None if viable is None else float(viable),
        "enhancing": enhancing,
    }


@st.composite
def _follow_up(draw: st.DrawFn) -> dict[str, Any]:
    lesions = [draw(_target(lesion_id, baseline=False)) for lesion_id in _TARGETS]
    if draw(st.integers(0, 5)) == 0:
        lesions.append(
            {"lesion_id": "NEW1", "organ": "lung", "kind": "new",
             "diameter_mm": float(draw(st.integers(3, 20)))}
        )  # fmt: skip
    return {
        "lesions": lesions,
        "non_target_status": draw(st.sampled_from(tumour.NON_TARGET_STATUSES)),
        "new_lesion": draw(st.integers(0, 9)) == 0,
    }


@st.composite
def _course(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A baseline, and follow-ups on distinct days in the order they are entered."""
    baseline = [draw(_target(lesion_id, baseline=True)) for lesion_id in _TARGETS]
    if draw(st.booleans()):
        baseline.append(
            {"lesion_id": "N1", "organ": "peritoneum", "kind": "non_target", "diameter_mm": None}
        )
    weeks = draw(st.lists(st.integers(1, 50), min_size=1, max_size=6, unique=True))
    follow_ups = [{**draw(_follow_up()), "assessed_on": DAY0 + timedelta(weeks=w)} for w in weeks]
    entered = draw(st.permutations(follow_ups))
    return {"assessed_on": DAY0 - timedelta(days=1), "lesions": baseline}, entered


def _assessment(entry: dict[str, Any]) -> tumour.Assessment:
    return tumour.Assessment(
        date=entry["assessed_on"],
        lesions=tuple(tumour.Lesion(**lesion) for lesion in entry["lesions"]),
        non_target_status=entry.get("non_target_status", "present"),
        new_lesion=entry.get("new_lesion", False),
    )


def _recomputed(
    baseline: dict[str, Any], follow_ups: list[dict[str, Any]]
) -> dict[date, tuple[Any, ...]]:
    """Every time point classified from all of them at once, as the rules read them."""
    first = _assessment(baseline)
    later = [_assessment(entry) for entry in follow_ups]
    documented = first.documents_disease
    expected: dict[date, tuple[Any, ...]] = {
        first.date: (
            recist.sum_of_diameters(first, first),
            mrecist.sum_of_viable_diameters(first, first),
            None,
            None,
            documented,
        )
    }
    for value in later:
        responses = (
            recist.timepoint_response(first, later, value),
            mrecist.timepoint_response(first, later, value),
        )
        expected[value.date] = (
            recist.sum_of_diameters(first, value),
            mrecist.sum_of_viable_diameters(first, value),
            *responses,
            "NE" not in responses and (documented or "PD" in responses),
        )
    return expected


def _stored(database: Database, subject_id: str) -> dict[date, tuple[Any, ...]]:
    with database.sessions() as session:
        rows = session.scalars(
            select(tables.TumourAssessment).where(tables.TumourAssessment.subject_id == subject_id)
        )
        return {row.assessed_on: tuple(getattr(row, name) for name in _STORED) for row in rows}


@_SETTINGS
@given(course=_course())
def test_responses_stored_in_any_entry_order_are_a_full_recomputation(
    trial: Database, course: tuple[dict[str, Any], list[dict[str, Any]]]
) -> None:
    baseline, entered = course
    move_clock(trial, DAY0)  # each example's subject is randomized on DAY0
    subject_id, result = enroll(trial, randomize=True)
    assert result is not None
    assert result.randomized_at.date() == DAY0
    move_clock(trial, DAY0 + timedelta(weeks=52))
    for count, entry in enumerate([baseline, *entered]):
        with unit_of_work(trial, "inv_tj") as ctx:
            record = record_tumour_assessment(ctx, subject_id=subject_id, **entry)
        stored = _stored(trial, subject_id)
        assert stored == _recomputed(baseline, entered[:count])
        assert tuple(getattr(record, name) for name in _STORED) == stored[entry["assessed_on"]]
