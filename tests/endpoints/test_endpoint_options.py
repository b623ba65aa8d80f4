"""Each endpoint option beside the protocol's default, at its boundaries and in combination.

Defaults (:class:`metsor.protocol.model.EndpointRules`): TTP censors a death without
progression at the last adequate assessment (option: at death); the 12-month parameters
censor TTP and PFS at the last adequate assessment on or before day 365; no confirmation of a
response (option: a confirming assessment at least 28 days later, RECIST 1.1 §4.4.2,
Eisenhauer EA et al. Eur J Cancer 2009;45:228-247); no minimum duration of stable disease
(option: ``sd_min_days`` from randomization, RECIST 1.1 §4.4.1).
"""

from __future__ import annotations

from typing import Any

import pytest

from metsor.endpoints import adrs, adtte, best_response, progression_free_survival
from metsor.endpoints import time_to_progression as ttp
from metsor.protocol import EndpointRules

from .builders import course, day, scan

ADMIN = "administrative (12 months)"
AT_DEATH = EndpointRules(ttp_death_censoring="death")
SEVEN_WEEKLY = tuple(scan(49 * k, "SD") for k in range(1, 8))  # days 49 … 343


def _row(rows: list[dict[str, Any]], paramcd: str) -> dict[str, Any]:
    [row] = [r for r in rows if r["PARAMCD"] == paramcd]
    return row


@pytest.mark.parametrize(
    ("death_censoring", "days", "description"),
    [
        pytest.param("last_adequate_assessment", 0, "randomization", id="default"),
        pytest.param("death", 40, "death", id="at-death"),
    ],
)
def test_ttp_death_before_any_assessment(death_censoring: Any, days: int, description: str) -> None:
    result = ttp(course(death=40), death_censoring=death_censoring)
    assert (result.days, result.event, result.censor_reason) == (
        days,
        False,
        "death without progression",
    )
    assert result.censor_date_description == description
    assert progression_free_survival(course(death=40)).event  # PFS counts it either way


def test_ttp_death_at_death_inside_the_twelve_months() -> None:
    """A death on day 300: TTP12 censored on day 300 with the option, at the last assessment
    (day 294) by default; PFS12 counts the death under both."""
    subject = course(death=300, scans=SEVEN_WEEKLY[:6])
    default, option = adtte([subject]), adtte([subject], rules=AT_DEATH)
    assert (_row(default, "TTP12")["ADT"], _row(default, "TTP12")["CNSR"]) == (day(294), 1)
    row = _row(option, "TTP12")
    assert (row["ADT"], row["CNSR"], row["EVNTDESC"], row["CNSDTDSC"]) == (
        day(300),
        1,
        "death without progression",
        "death",
    )
    for rows in (default, option):
        assert (_row(rows, "PFS12")["ADT"], _row(rows, "PFS12")["CNSR"]) == (day(300), 0)


def test_ttp_death_after_the_horizon_is_administrative_with_the_option() -> None:
    """A death on day 400, after the horizon: at death would credit time after day 365, so the
    12-month parameter censors at the last adequate assessment on or before it (day 343)."""
    subject = course(death=400, scans=SEVEN_WEEKLY)
    result = ttp(subject, death_censoring="death", horizon_months=12)
    assert (result.days, result.event, result.censor_reason) == (343, False, ADMIN)
    assert ttp(subject, death_censoring="death").days == 400
    assert _row(adtte([subject], rules=AT_DEATH), "TTP12")["ADT"] == day(343)
    assert ttp(subject, horizon_months=12).days == 343  # the default, same day


@pytest.mark.parametrize(
    ("scan_day", "anchor"),
    [pytest.param(365, 365, id="scan-on-day-365-counts"), pytest.param(366, 343, id="day-366")],
)
def test_twelve_month_censoring_boundary(scan_day: int, anchor: int) -> None:
    subject = course(alive=600, scans=(*SEVEN_WEEKLY, scan(scan_day, "SD"), scan(420, "SD")))
    rows = adtte([subject])
    for code in ("TTP12", "PFS12"):
        assert (_row(rows, code)["ADT"], _row(rows, code)["CNSR"]) == (day(anchor), 1)


@pytest.mark.parametrize(
    ("gap", "expected"),
    [pytest.param(27, "SD", id="27-days"), pytest.param(28, "PR", id="28-days-confirms")],
)
def test_confirmation_needs_28_days(gap: int, expected: str) -> None:
    subject = course(alive=400, scans=(scan(49, "PR"), scan(49 + gap, "PR")))
    assert best_response(subject).response == "PR"  # the default needs no confirmation
    assert best_response(subject, confirmation_required=True).response == expected


def test_confirmation_is_judged_by_each_criterion() -> None:
    """PR by mRECIST twice, RECIST 1.1 SD then PR: confirmed by mRECIST only."""
    subject = course(alive=400, scans=(scan(49, "PR", "SD"), scan(98, "PR", "PR")))
    rows = adrs([subject], rules=EndpointRules(orr_confirmation_required=True))
    assert {r["PARAMCD"]: r["AVALC"] for r in rows} == {
        "CBOR_MRECIST": "PR",
        "CBOR_RECIST": "SD",
        "CORR_MRECIST": "Y",
        "CORR_RECIST": "N",
    }
    unconfirmed = {r["PARAMCD"]: r["AVALC"] for r in adrs([subject])}
    assert (unconfirmed["ORR_MRECIST"], unconfirmed["ORR_RECIST"]) == ("Y", "Y")


@pytest.mark.parametrize(
    ("sd_day", "expected"),
    [pytest.param(41, "NE", id="day-41"), pytest.param(42, "SD", id="day-42-counts")],
)
def test_minimum_stable_disease_boundary(sd_day: int, expected: str) -> None:
    subject = course(alive=400, scans=(scan(sd_day, "SD"),))
    assert best_response(subject).response == "SD"  # the default: no minimum
    assert best_response(subject, sd_min_days=42).response == expected
    row = _row(adrs([subject], rules=EndpointRules(sd_min_days=42)), "BOR_MRECIST")
    assert row["AVALC"] == expected
