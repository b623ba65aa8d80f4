"""Relative dose intensity from dosing events (metsor.analysis.exposure)."""

from __future__ import annotations

from datetime import date

import pytest

from metsor.analysis import drug_exposures, summarise_exposure, treatment_ends
from metsor.services.trial_data import DoseRecord

FULL = {"sorafenib": 800.0}
RTOL = 1e-12


def _dose(event: str, on: date, daily: float) -> DoseRecord:
    return DoseRecord("TJ-001", "sorafenib", "sorafenib", event, on, None, daily, None)


def test_a_reduction_and_an_interruption_lower_the_dose_intensity() -> None:
    events = [
        _dose("start", date(2016, 1, 1), 800.0),  # 10 days full
        _dose("interrupt", date(2016, 1, 11), 0.0),  # 5 days nothing
        _dose("resume", date(2016, 1, 16), 400.0),  # 15 days half
        _dose("discontinue", date(2016, 1, 31), 0.0),
    ]
    (exposure,) = drug_exposures(events, FULL, {})
    assert exposure.days == 30
    assert exposure.cumulative_mg == pytest.approx(10 * 800 + 15 * 400, rel=RTOL)
    assert exposure.relative_dose_intensity == pytest.approx(14_000 / 24_000, rel=RTOL)
    assert exposure.interrupted
    assert exposure.discontinued
    assert not exposure.reduced


def test_treatment_still_going_ends_at_the_given_day() -> None:
    events = [_dose("start", date(2016, 1, 1), 800.0)]
    (exposure,) = drug_exposures(events, FULL, {"TJ-001": date(2016, 3, 1)})
    assert exposure.days == 60
    assert exposure.relative_dose_intensity == pytest.approx(1.0, rel=RTOL)
    assert not exposure.discontinued
    (summary,) = summarise_exposure([exposure], ["sorafenib"], ["sorafenib"])
    assert summary.treated == 1
    assert summary.median_rdi == pytest.approx(1.0, rel=RTOL)


def test_a_drug_never_started_has_no_exposure() -> None:
    events = [_dose("discontinue", date(2016, 1, 31), 0.0)]
    assert drug_exposures(events, FULL, {}) == []


def test_treatment_ends_at_the_earliest_death_or_withdrawal_before_the_cutoff() -> None:
    cutoff = date(2018, 1, 1)
    stops = [("A", date(2017, 5, 1)), ("A", date(2017, 3, 1)), ("C", date(2017, 1, 1))]
    ends = treatment_ends(["A", "B"], cutoff, stops)
    assert ends == {"A": date(2017, 3, 1), "B": cutoff}
