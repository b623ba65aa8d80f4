"""The architecture's promise: the database path and the pure path give the same endpoints.

Database path: the virtual subjects' courses entered through the services, responses computed
from the lesion measurements on entry, ADTTE and ADRS exported by the data manager. Pure path:
:mod:`metsor.endpoints` applied to the :class:`~metsor.endpoints.SubjectCourse` read straight
from the same planned courses, without any database. Same seed, every subject, every parameter.
"""

from __future__ import annotations

from datetime import date

import pytest

from metsor import endpoints
from metsor.insilico import VirtualTrialResult
from metsor.insilico.analysis import read_rows


def _by_key(rows: list[dict[str, object]]) -> dict[tuple[str, str], dict[str, object]]:
    return {(str(r["USUBJID"]), str(r["PARAMCD"])): r for r in rows}


@pytest.mark.slow
def test_exported_adtte_equals_the_pure_endpoints(small_trial: VirtualTrialResult) -> None:
    exported = _by_key(read_rows_of(small_trial, "adtte"))
    courses = [plan.subject_course() for plan in small_trial.plans]
    pure = _by_key(endpoints.adtte(courses, cutoff=small_trial.cutoff))
    assert exported.keys() == pure.keys()
    assert len(pure) == 6 * len(small_trial.plans)
    for key, expected in pure.items():
        row = exported[key]
        start = date.fromisoformat(str(row["STARTDT"]))
        adt = date.fromisoformat(str(row["ADT"]))
        assert start == expected["STARTDT"], key
        assert adt == expected["ADT"], key
        assert (adt - start).days == (expected["ADT"] - expected["STARTDT"]).days  # type: ignore[operator]
        assert float(str(row["AVAL"])) == expected["AVAL"], key
        assert (int(str(row["EVENT"])), int(str(row["CNSR"]))) == (
            expected["EVENT"],
            expected["CNSR"],
        ), key
        assert row["EVNTDESC"] == expected["EVNTDESC"], key  # censoring reason or event
        assert row["CNSDTDSC"] == (expected["CNSDTDSC"] or ""), key


@pytest.mark.slow
def test_exported_best_responses_equal_the_pure_ones(small_trial: VirtualTrialResult) -> None:
    exported = _by_key(read_rows_of(small_trial, "adrs"))
    courses = [plan.subject_course() for plan in small_trial.plans]
    pure = _by_key(endpoints.adrs(courses, cutoff=small_trial.cutoff))
    assert exported.keys() == pure.keys()
    for key, expected in pure.items():
        assert exported[key]["AVALC"] == expected["AVALC"], key


@pytest.mark.slow
def test_the_small_trial_has_events_of_every_kind(small_trial: VirtualTrialResult) -> None:
    """The comparison above is only worth something if the courses vary."""
    rows = read_rows_of(small_trial, "adtte")
    reasons = {r["EVNTDESC"] for r in rows if r["EVENT"] == "0"}
    events = {r["EVNTDESC"] for r in rows if r["EVENT"] == "1"}
    assert {"death", "progression (mRECIST)"} <= events
    assert "alive at last contact" in reasons
    assert "death without progression" in reasons
    kinds = {e.kind for plan in small_trial.plans for e in plan.entries}
    assert "therapy" in kinds  # a new anticancer therapy after progression
    stops = {
        str(e.fields["reason"])
        for plan in small_trial.plans
        for e in plan.entries
        if e.kind == "dose" and e.fields["event"] == "discontinue"
    }
    assert stops - {"radiological progression", "consent withdrawn"}  # for toxicity


def read_rows_of(result: VirtualTrialResult, name: str) -> list[dict[str, str]]:
    from pathlib import Path

    return read_rows(Path(result.datasets[name]))
