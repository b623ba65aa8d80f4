"""ADAE derived from recorded adverse events (metsor.endpoints.adverse_events), pure."""

from __future__ import annotations

from datetime import date

import pytest

from metsor.endpoints import SubjectCourse
from metsor.endpoints.adverse_events import UNCODED, RecordedAdverseEvent, adae, adae_columns

DAY0 = date(2016, 3, 1)
DRUGS = ("sorafenib", "metformin")


def _course(subject: str = "TJ-001") -> SubjectCourse:
    return SubjectCourse(subject_id=subject, arm="sorafenib_metformin", site="TJ",
                         stratum="ecog0-mvi_ehs_no", randomized_on=DAY0)  # fmt: skip


def _event(onset: date, term: str = "Diarrhea", **drugs: tuple[str, str]) -> RecordedAdverseEvent:
    return RecordedAdverseEvent(subject_id="TJ-001", term=term, grade=2, ctcae_version="5.0",
                              serious=False, onset_date=onset, resolution_date=None,
                              outcome="recovered", drugs=drugs)  # fmt: skip


@pytest.mark.parametrize(
    ("onset", "first_dose", "emergent"),
    [
        pytest.param(date(2016, 3, 4), date(2016, 3, 5), "N", id="before-the-first-dose"),
        pytest.param(date(2016, 3, 5), date(2016, 3, 5), "Y", id="on-the-first-dose"),
        pytest.param(date(2016, 3, 9), None, "N", id="never-dosed"),
    ],
)
def test_treatment_emergent_from_the_first_dose(
    onset: date, first_dose: date | None, emergent: str
) -> None:
    doses = {} if first_dose is None else {"TJ-001": first_dose}
    (row,) = adae([_event(onset)], [_course()], first_dose=doses, drugs=DRUGS)
    assert row["TRTEMFL"] == emergent
    assert row["TRTA"] == (None if first_dose is None else "Sorafenib + Metformin")


def test_sequence_study_day_relatedness_and_organ_class() -> None:
    events = [
        _event(date(2016, 3, 20), "Fatigue", sorafenib=("unlikely", "dose_not_changed")),
        _event(date(2016, 2, 29), "Hiccups", metformin=("probable", "dose_reduced")),
    ]
    rows = adae(events, [_course(), _course("TJ-002")], first_dose={}, drugs=DRUGS)
    assert [(r["AESEQ"], r["AEDECOD"], r["ASTDY"]) for r in rows] == [
        (1, "Hiccups", -1), (2, "Fatigue", 20)
    ]  # fmt: skip
    assert [r["AREL"] for r in rows] == ["Y", "N"]
    assert [r["AEBODSYS"] for r in rows] == [
        UNCODED,
        "General disorders and administration site conditions",
    ]
    assert (rows[0]["AREL_METFORMIN"], rows[0]["AACN_METFORMIN"]) == ("probable", "dose_reduced")
    assert rows[0]["AREL_SORAFENIB"] is None
    assert list(rows[0]) == list(adae_columns(DRUGS))


def test_events_after_the_cutoff_or_of_other_subjects_are_left_out() -> None:
    events = [_event(date(2016, 3, 2)), _event(date(2016, 4, 2))]
    other = RecordedAdverseEvent("TJ-009", "Fatigue", 1, "5.0", False, DAY0, None, "recovered")
    rows = adae([*events, other], [_course()], first_dose={}, drugs=DRUGS,
                cutoff=date(2016, 3, 31))  # fmt: skip
    assert [row["ASTDT"] for row in rows] == [date(2016, 3, 2)]
