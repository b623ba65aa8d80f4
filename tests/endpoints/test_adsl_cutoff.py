"""ADSL at a data cut-off: what happened after the cut-off is not shown.

ADaM IG v1.3: ADSL, ADTTE and ADRS of one analysis are cut at the same date, so that DTHFL in
ADSL and the OS events in ADTTE agree; a subject known alive after the cut-off was alive at it,
and OS is censored there (FDA 2018 guidance, overall survival).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from metsor.endpoints import adsl, adtte
from metsor.errors import InputError

from .builders import RANDOMIZED_ON, course, day, scan

CUTOFF = day(300)


def _row(**events: Any) -> dict[str, Any]:
    return adsl([course(**events)], cutoff=CUTOFF)[0]


def test_a_death_after_the_cutoff_is_not_a_death() -> None:
    row = _row(alive=250, death=320, scans=(scan(56, "SD"),))
    assert (row["DTHFL"], row["DTHDT"]) == ("N", None)
    # alive at the cut-off, since the death came later: last known alive on the cut-off
    assert row["LSTALVDT"] == CUTOFF
    uncut = adsl([course(alive=250, death=320)])[0]
    assert (uncut["DTHFL"], uncut["DTHDT"], uncut["LSTALVDT"]) == ("Y", day(320), day(320))


def test_a_death_by_the_cutoff_counts() -> None:
    row = _row(alive=250, death=300)
    assert (row["DTHFL"], row["DTHDT"], row["LSTALVDT"]) == ("Y", CUTOFF, CUTOFF)


@pytest.mark.parametrize(
    ("alive", "expected"),
    [
        pytest.param(200, day(200), id="last-contact-before"),
        pytest.param(300, CUTOFF, id="last-contact-on"),
        pytest.param(340, CUTOFF, id="last-contact-after"),
    ],
)
def test_last_known_alive_is_cut(alive: int, expected: object) -> None:
    assert _row(alive=alive)["LSTALVDT"] == expected


@pytest.mark.parametrize(
    ("event", "column"),
    [
        pytest.param("withdrawn", "WDDT", id="withdrawal"),
        pytest.param("lost", "LTFUDT", id="lost-to-follow-up"),
        pytest.param("therapy", "NACTDT", id="new-anticancer-therapy"),
    ],
)
def test_dates_after_the_cutoff_are_left_out(event: str, column: str) -> None:
    assert _row(**{event: 301}, alive=290)[column] is None
    assert _row(**{event: 300}, alive=290)[column] == CUTOFF
    assert _row(**{event: 201}, alive=190)[column] == day(201)


def test_without_a_cutoff_everything_recorded_counts() -> None:
    row = adsl([course(alive=400, withdrawn=410, therapy=380)])[0]
    assert (row["LSTALVDT"], row["WDDT"], row["NACTDT"]) == (day(410), day(410), day(380))


def test_a_subject_randomized_after_the_cutoff_is_refused() -> None:
    with pytest.raises(InputError, match=r"subject 007: cutoff .* before randomized_on") as caught:
        adsl([course(subject_id="007")], cutoff=RANDOMIZED_ON - timedelta(days=1))
    assert caught.value.field == "cutoff"


def test_adsl_agrees_with_overall_survival_at_the_cutoff() -> None:
    """DTHFL is the OS event, and LSTALVDT the OS date of a subject not dead by the cut-off."""
    subjects = [
        course(subject_id="001", death=120),
        course(subject_id="002", death=420, alive=260),
        course(subject_id="003", alive=180, withdrawn=190),
        course(subject_id="004", alive=200, lost=360),
        course(subject_id="005", alive=500, scans=(scan(56, "SD"), scan(112, "PD"))),
        course(subject_id="006", scans=(scan(56, "SD"),)),
    ]
    os_rows = {
        row["USUBJID"]: row
        for row in adtte(subjects, cutoff=CUTOFF, horizon_months=None)
        if row["PARAMCD"] == "OS"
    }
    for row in adsl(subjects, cutoff=CUTOFF):
        overall = os_rows[row["USUBJID"]]
        assert row["DTHFL"] == ("Y" if overall["EVENT"] == 1 else "N"), row["SUBJID"]
        assert row["LSTALVDT"] == overall["ADT"], row["SUBJID"]
