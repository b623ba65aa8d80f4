"""The trial's start and the windows before randomization, as data of the protocol."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from metsor.protocol import Protocol, builtin
from metsor.protocol.model import MAX_TARGET_ENROLLMENT, EntryWindows, KeyDate


def test_the_builtin_trial_starts_on_the_first_day_of_its_registry_start() -> None:
    protocol = builtin()
    assert protocol.status.start is not None
    assert protocol.status.start.date == "2015-12"
    assert protocol.trial_start == date(2015, 12, 1)


def test_the_windows_are_defaults_said_to_be_so() -> None:
    windows = builtin().windows
    assert (
        windows.screening_window_days,
        windows.consent_window_days,
        windows.baseline_window_days,
    ) == (28, 28, 28)
    for name in ("screening_window_days", "consent_window_days", "baseline_window_days"):
        assert "not the registry's" in windows.sources[name]


def test_a_stated_trial_start_wins_over_the_registry(corrected: Protocol) -> None:
    sources = dict(corrected.windows.sources, trial_start="site activation letter")
    windows = EntryWindows(trial_start=date(2016, 1, 15), sources=sources)
    assert corrected.model_copy(update={"windows": windows}).trial_start == date(2016, 1, 15)


def test_a_window_without_a_source_is_refused() -> None:
    with pytest.raises(
        ValidationError, match="no source for baseline_window_days, consent_window_days"
    ):
        EntryWindows(sources={"trial_start": "x", "screening_window_days": "y"})


@pytest.mark.parametrize(
    "days",
    [pytest.param(-1, id="negative"), pytest.param(366, id="over-a-year")],
)
def test_a_window_is_bounded(days: int) -> None:
    with pytest.raises(ValidationError):
        EntryWindows(consent_window_days=days)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("2016-02-30", id="february-30"),
        pytest.param("2015-13", id="month-13"),
        pytest.param("2015-00-10", id="month-0"),
    ],
)
def test_a_key_date_is_a_day_of_the_calendar(text: str) -> None:
    with pytest.raises(ValidationError, match="not a date of the calendar"):
        KeyDate(date=text)


def test_the_target_enrollment_is_bounded(corrected: Protocol) -> None:
    data = corrected.model_dump()
    data["design"]["target_enrollment"] = MAX_TARGET_ENROLLMENT + 1
    with pytest.raises(ValidationError, match="less than or equal to 1000000"):
        Protocol.model_validate(data)


def test_the_verified_date_is_a_day_of_the_calendar(corrected: Protocol) -> None:
    data = corrected.model_dump()
    data["status"]["verified"] = "2015-13"
    with pytest.raises(ValidationError, match="not a date of the calendar"):
        Protocol.model_validate(data)
