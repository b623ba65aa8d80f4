"""A subject's course: date order and values are checked on construction, naming the subject
and the field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from metsor.endpoints import SubjectCourse, TumourAssessmentResult
from metsor.errors import InputError

from .builders import RANDOMIZED_ON, course, day, scan


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"death": -1}, "death_on", "subject 001: death_on 2016-02-29 is before randomized_on"),
        ({"alive": -3}, "last_known_alive_on", "is before randomized_on"),
        ({"therapy": -1}, "new_anticancer_therapy_on", "is before randomized_on"),
        ({"withdrawn": -1}, "withdrawn_on", "is before randomized_on"),
        ({"lost": -1}, "lost_to_follow_up_on", "is before randomized_on"),
        ({"alive": 120, "death": 100}, "last_known_alive_on", "is after death_on 2016-06-09"),
        ({"therapy": 120, "death": 100}, "new_anticancer_therapy_on", "is after death_on"),
        ({"withdrawn": 120, "death": 100}, "withdrawn_on", "is after death_on"),
        ({"scans": (scan(0, "SD"),)}, "tumour_assessments[0].date", "is not after randomized_on"),
        ({"scans": (scan(56, "SD"), scan(130, "PD")), "death": 120},
         "tumour_assessments[1].date", "is after death_on"),
        ({"scans": (scan(56, "SD"), scan(56, "PD"))}, "tumour_assessments[1].date",
         "holds more than one assessment"),
        ({"subject_id": " "}, "subject_id", "non-empty"),
        ({"arm": ""}, "arm", "subject 001: arm must be a non-empty text"),
    ],
)  # fmt: skip
def test_date_order_and_values_named(kwargs: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        course(**kwargs)
    assert info.value.field == field


def test_dates_must_be_dates() -> None:
    with pytest.raises(InputError, match="subject X: death_on must be a date") as info:
        SubjectCourse("X", "sorafenib", "tj", "s", RANDOMIZED_ON, death_on="2016-05-01")  # type: ignore[arg-type]
    assert info.value.field == "death_on"
    with pytest.raises(InputError, match="randomized_on must be a date"):
        SubjectCourse("X", "sorafenib", "tj", "s", "2016-03-01")  # type: ignore[arg-type]


def test_assessment_values_checked() -> None:
    with pytest.raises(InputError, match="mrecist response must be one of") as info:
        TumourAssessmentResult(date(2016, 5, 1), "iCR", "SD")  # type: ignore[arg-type]
    assert info.value.field == "mrecist"
    with pytest.raises(InputError, match="adequate must be true or false"):
        TumourAssessmentResult(date(2016, 5, 1), "SD", "SD", "yes")  # type: ignore[arg-type]


def test_assessments_sorted_and_baseline_frozen() -> None:
    subject = course(scans=(scan(112, "PD"), scan(56, "SD")), baseline={"age": 61})
    assert [a.date for a in subject.tumour_assessments] == [day(56), day(112)]
    with pytest.raises(TypeError):
        subject.baseline["age"] = 62  # type: ignore[index]


def test_last_contact() -> None:
    assert course().last_contact_on == RANDOMIZED_ON
    assert course(alive=30, scans=(scan(56, "SD"),)).last_contact_on == day(56)
    assert course(alive=30, withdrawn=40, lost=90).last_contact_on == day(40)
