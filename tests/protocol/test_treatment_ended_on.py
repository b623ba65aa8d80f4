"""When a subject's treatment ended: every study drug of the arm discontinued, on the day the
last one was (:func:`metsor.protocol.dose_rules.treatment_ended_on`, the one rule the casebook,
the dashboard and the edit checks ask), and the subject's treatment status the casebook's
dosing sets from the same states (:func:`~metsor.protocol.dose_rules.treatment_status`). The
arms and drugs are the built-in protocol's."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from metsor.errors import ConflictError
from metsor.protocol import builtin
from metsor.protocol.dose_rules import DoseStep, replay, treatment_ended_on, treatment_status
from metsor.protocol.treatment import StudyDrug

PROTOCOL = builtin("NCT02672488")
#: The arm giving the most drugs (two), and one giving a single drug.
COMBINATION = PROTOCOL.drugs_of(max(PROTOCOL.arm_codes, key=lambda a: len(PROTOCOL.drugs_of(a))))
SINGLE = PROTOCOL.drugs_of(min(PROTOCOL.arm_codes, key=lambda a: len(PROTOCOL.drugs_of(a))))

D0 = date(2016, 6, 6)


def _day(n: int) -> date:
    return D0 + timedelta(days=n)


def _course(drug: StudyDrug, *events: tuple[str, int]) -> list[DoseStep]:
    """A drug's history: each event on its day, a start or resumption at the full dose."""
    full = drug.full_dose.code
    return [
        DoseStep(kind, _day(n), full if kind in ("start", "resume") else None) for kind, n in events
    ]


def test_the_arms_are_one_of_two_drugs_and_one_of_one() -> None:
    assert (len(COMBINATION), len(SINGLE)) == (2, 1)


#: Histories of the two drugs of the combination arm (by their index), and the day it ended.
CASES = [
    pytest.param({}, None, id="nothing-recorded"),
    pytest.param({0: [("start", 0)], 1: [("start", 0)]}, None, id="both-dosing"),
    pytest.param(
        {0: [("start", 0), ("discontinue", 10)], 1: [("start", 0)]}, None, id="one-still-dosing"
    ),
    pytest.param(
        {0: [("start", 0), ("discontinue", 10)], 1: [("start", 0), ("interrupt", 5)]},
        None,
        id="one-interrupted",
    ),
    pytest.param({0: [("start", 0), ("discontinue", 10)]}, None, id="one-never-started"),
    pytest.param(
        {0: [("start", 0), ("discontinue", 10)], 1: [("start", 0), ("discontinue", 25)]},
        25,
        id="both-discontinued-the-later-day",
    ),
    pytest.param(
        {
            0: [("start", 0), ("interrupt", 20), ("discontinue", 30)],
            1: [("start", 2), ("discontinue", 12)],
        },
        30,
        id="discontinued-while-interrupted",
    ),
    pytest.param(
        {0: [("start", 0), ("discontinue", 7)], 1: [("start", 0), ("discontinue", 7)]},
        7,
        id="both-on-one-day",
    ),
]


@pytest.mark.parametrize(("events", "ended"), CASES)
def test_the_treatment_ends_when_the_last_drug_of_the_arm_is_discontinued(
    events: dict[int, list[tuple[str, int]]], ended: int | None
) -> None:
    histories = {
        COMBINATION[i].code: _course(COMBINATION[i], *steps) for i, steps in events.items()
    }
    expected = None if ended is None else _day(ended)
    assert treatment_ended_on(COMBINATION, histories) == expected


#: The status each history of CASES leaves: on treatment while a drug is dosing or
#: interrupted, off once every drug of the arm is discontinued, unchanged (None) otherwise.
STATUSES = {
    "nothing-recorded": None,
    "both-dosing": "on_treatment",
    "one-still-dosing": "on_treatment",
    "one-interrupted": "on_treatment",
    "one-never-started": None,
    "both-discontinued-the-later-day": "off_treatment",
    "discontinued-while-interrupted": "off_treatment",
    "both-on-one-day": "off_treatment",
}


@pytest.mark.parametrize(
    ("events", "status"),
    [pytest.param(case.values[0], STATUSES[str(case.id)], id=case.id) for case in CASES],
)
def test_the_status_follows_the_same_states(
    events: dict[int, list[tuple[str, int]]], status: str | None
) -> None:
    states = [replay(drug, _course(drug, *events.get(i, []))) for i, drug in enumerate(COMBINATION)]
    assert treatment_status(states) == status
    assert (treatment_status(states) == "off_treatment") == (
        treatment_ended_on(
            COMBINATION, {d.code: _course(d, *events.get(i, [])) for i, d in enumerate(COMBINATION)}
        )
        is not None
    )


def test_an_arm_without_drugs_keeps_its_status() -> None:
    assert treatment_status([]) is None


def test_an_arm_of_one_drug_ends_with_it() -> None:
    (drug,) = SINGLE
    histories = {drug.code: _course(drug, ("start", 0), ("discontinue", 40))}
    assert treatment_ended_on(SINGLE, histories) == _day(40)


def test_an_arm_without_drugs_never_ends_its_treatment() -> None:
    assert treatment_ended_on(PROTOCOL.drugs_of(None), {}) is None


def test_a_drug_outside_the_arm_is_not_asked() -> None:
    """Only the arm's drugs count: a discontinued drug of another arm ends nothing."""
    (drug,) = SINGLE
    other = next(d for d in COMBINATION if d.code != drug.code)
    histories = {other.code: _course(other, ("start", 0), ("discontinue", 3))}
    assert treatment_ended_on(SINGLE, histories) is None


def test_an_impossible_history_is_refused() -> None:
    (drug,) = SINGLE
    histories = {drug.code: _course(drug, ("discontinue", 3), ("start", 5))}
    with pytest.raises(ConflictError, match="cannot discontinue"):
        treatment_ended_on(SINGLE, histories)
