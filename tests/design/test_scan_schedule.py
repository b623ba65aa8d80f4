"""Progression seen at scheduled tumour assessments: the simulator's TTP and PFS are those of
the endpoint rules (:mod:`metsor.endpoints.time_to_event`) applied to the same patients.

Censoring conventions: FDA 2018 guidance, Clinical Trial Endpoints for the Approval of Cancer
Drugs and Biologics (progression dated at the assessment that shows it; censoring at the last
adequate assessment; TTP censors a death without progression). Where TTP censors that death is
the protocol's rule (:attr:`metsor.protocol.model.EndpointRules.ttp_death_censoring`: at the last
adequate assessment by default, at death as an option); the simulator follows the scenario's
``ttp_death_censoring`` and is held equal to the endpoint rules with the same option. The
tumour-assessment schedule is one number, the protocol's, for the casebook, the endpoints'
missed-assessment rule and the simulator (its default).
"""

from __future__ import annotations

import functools
import inspect
import json
import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from metsor.design._kernel import (
    DAYS_PER_MONTH,
    ENDPOINT_CODES,
    TTP_DEATH_CODES,
    censor_at_scans,
    draw_scheduled_trial,
    draw_trial,
    run_blocks,
)
from metsor.design.scenario import (
    PROTOCOL_ASSESSMENT_INTERVAL_MONTHS,
    PROTOCOL_TTP_DEATH_CENSORING,
    TTP_DEATH_OPTIONS,
)
from metsor.design.simulate import Scenario, _plan, simulate, with_values
from metsor.endpoints import (
    SubjectCourse,
    TumourAssessmentResult,
    progression_free_survival,
    time_to_progression,
)
from metsor.endpoints.censoring import AssessmentSchedule
from metsor.endpoints.datasets import adtte
from metsor.errors import InputError
from metsor.insilico.course import plan_course
from metsor.protocol import builtin
from metsor.protocol.model import EndpointRules
from metsor.services.casebook.schedule import METSOR_SCHEDULE
from metsor.stats.logrank import logrank_test

RTOL = 1e-10  # kernel and one-trial log-rank sum the same terms in a different order
KEY = np.array([0x2016_0203, 0x0267_2488, 82], dtype=np.uint32)
TRIALS = 6
START = date(2016, 2, 3)  # first randomization of METSOR (NCT02672488)


def _scenario(**change: object) -> Scenario:
    values: dict[str, object] = {
        "n": 82,
        "median_control": 10.7,
        "median_experimental": 14.0,
        "accrual_months": 24.0,
        "follow_up_months": 12.0,
        "assessment_interval_months": 2.0,
    }
    return Scenario(**{**values, **change})


CASES = {
    "ttp": _scenario(endpoint="ttp"),
    "ttp, death censored at death": _scenario(endpoint="ttp", ttp_death_censoring="death"),
    "ttp with dropout": _scenario(endpoint="ttp", dropout_per_year=0.3),
    "ttp with dropout, death censored at death, event-driven looks": _scenario(
        endpoint="ttp",
        dropout_per_year=0.3,
        ttp_death_censoring="death",
        events=30,
        looks=(0.5, 1.0),
    ),
    "ttp at the protocol's schedule": _scenario(
        endpoint="ttp", assessment_interval_months=PROTOCOL_ASSESSMENT_INTERVAL_MONTHS
    ),
    "pfs": _scenario(endpoint="pfs", assessment_interval_months=1.5),
    "pfs with dropout, event-driven looks": _scenario(
        endpoint="pfs", dropout_per_year=0.3, events=60, looks=(0.5, 1.0)
    ),
}


def _rule(endpoint: str, death_censoring: str = PROTOCOL_TTP_DEATH_CENSORING) -> Any:
    """The endpoint rule with the simulator's setting for a death without progression."""
    if endpoint == "ttp":
        return functools.partial(time_to_progression, death_censoring=death_censoring)
    return progression_free_survival


def _day(months: float) -> float:
    """A latent time as its whole day (the simulator's convention), ``inf`` kept."""
    return months if math.isinf(months) else float(max(1, math.ceil(months * DAYS_PER_MONTH)))


def _latent_days(s: Scenario, trial: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Entry (months) and the days of death, dropout and progression of each patient, from the
    continuous-time draws of the same trial."""
    plan = _plan(s)
    os_draws = np.empty((3, s.n))
    draw_trial(KEY, trial, plan.group, plan.rates, plan.accrual, 0, *os_draws)
    ttp_draws = np.empty((3, s.n))
    draw_trial(KEY, trial, plan.group, plan.rates, plan.accrual, 1, *ttp_draws)
    death = np.array([_day(t) for t in os_draws[1]])
    dropout = np.array([_day(t) for t in os_draws[2]])
    progression = np.array([_day(t) for t in ttp_draws[1]])
    return os_draws[0], death, dropout, progression


def _course(i: int, arm: int, death: float, dropout: float, progression: float, scan: float):
    """The patient's course: assessments every ``scan`` days (nearest day) while alive and
    followed; PD from the first one on or after progression, SD before."""
    assessments = []
    k = 1
    while (day := math.floor(k * scan + 0.5)) <= min(death, dropout):
        response = "PD" if day >= progression else "SD"
        assessments.append(TumourAssessmentResult(START + timedelta(days=day), response, response))
        k += 1
    dead = death <= dropout
    lost = None if dead else START + timedelta(days=int(dropout))
    return SubjectCourse(
        subject_id=f"S{i:03d}",
        arm="MS" if arm else "S",
        site="01",
        stratum="all",
        randomized_on=START,
        death_on=START + timedelta(days=int(death)) if dead else None,
        last_known_alive_on=lost,
        lost_to_follow_up_on=lost,
        tumour_assessments=tuple(assessments),
    )


def _cutoff_day(entry: float, cut: float) -> int:
    """Last whole day after randomization that the calendar cut-off still covers."""
    day = math.floor((cut - entry) * DAYS_PER_MONTH)
    while entry + (day + 1) / DAYS_PER_MONTH <= cut:
        day += 1
    while entry + day / DAYS_PER_MONTH > cut:
        day -= 1
    return day


def _kernel_times(s: Scenario, trial: int, cut: float) -> tuple[np.ndarray, np.ndarray]:
    plan = _plan(s)
    draws = np.empty((4, s.n))
    code = ENDPOINT_CODES[s.endpoint]
    draw_scheduled_trial(
        KEY, trial, plan.group, plan.rates, plan.accrual, code, plan.scan_days, *draws
    )
    time = np.empty(s.n)
    codes = np.empty(s.n, dtype=np.uint8)
    censor_at_scans(cut, *draws, code, plan.scan_days, plan.ttp_death, plan.group, time, codes)
    return time, (codes & 1).astype(bool)


@pytest.mark.parametrize("name", list(CASES))
def test_simulated_ttp_and_pfs_are_the_endpoint_rules(name: str) -> None:
    """Per patient, the simulator's time and event at the cut-off where it stopped equal those
    of ``time_to_progression`` / ``progression_free_survival`` on the course with the same
    days; per trial its z equals the one-trial log-rank on the endpoint times."""
    s = CASES[name].validated()
    plan = _plan(s)
    scan = s.assessment_interval_months * DAYS_PER_MONTH  # type: ignore[operator]
    schedule = AssessmentSchedule(interval_days=round(scan))
    endpoint = _rule(s.endpoint, s.ttp_death_censoring)
    [outcome] = run_blocks(KEY[None, :], [TRIALS], plan)
    seen_events = 0
    for trial in range(TRIALS):
        cut = outcome[trial, 2]
        entry, death, dropout, progression = _latent_days(s, trial)
        time, event = _kernel_times(s, trial, cut)
        entered = entry < cut
        days = np.zeros(s.n, dtype=np.int64)
        flags = np.zeros(s.n, dtype=bool)
        for i in np.flatnonzero(entered):
            course = _course(i, plan.group[i], death[i], dropout[i], progression[i], scan)
            cutoff = START + timedelta(days=_cutoff_day(entry[i], cut))
            result = endpoint(course, cutoff=cutoff, schedule=schedule)
            days[i], flags[i] = result.days, result.event
        assert_array_equal(flags, event)
        assert_array_equal(days / DAYS_PER_MONTH, time)
        assert outcome[trial, 1] == flags.sum()
        seen_events += int(flags.sum())
        one = logrank_test(days[entered], flags[entered], plan.group[entered], timefix=False)
        ours = (one.expected[1] - one.observed[1]) / math.sqrt(one.variance[1, 1])
        assert_allclose(outcome[trial, 3], ours, rtol=RTOL)
    assert seen_events > 0


def test_progression_is_dated_at_an_assessment() -> None:
    """Every TTP event falls on a scheduled assessment day, no earlier than the latent
    progression day."""
    s = CASES["ttp with dropout"].validated()
    plan = _plan(s)
    scan_days = {math.floor(k * plan.scan_days + 0.5) for k in range(1, 200)}
    for trial in range(TRIALS):
        draws = np.empty((4, s.n))
        draw_scheduled_trial(
            KEY, trial, plan.group, plan.rates, plan.accrual, 1, plan.scan_days, *draws
        )
        _, _, _, progression = _latent_days(s, trial)
        seen = np.round(draws[1] * DAYS_PER_MONTH)
        assert set(seen.tolist()) <= scan_days
        assert np.all(seen >= progression)
        assert np.all(seen - progression < plan.scan_days + 1)


def test_overall_survival_ignores_the_schedule() -> None:
    with_scans = simulate(_scenario(), sims=300, seed=5)
    without = simulate(_scenario(assessment_interval_months=None), sims=300, seed=5)
    assert with_scans == without


def test_assessments_lower_the_events_seen_for_ttp() -> None:
    """Progression seen only at an assessment before death is seen less often."""
    scans = simulate(_scenario(endpoint="ttp"), sims=400, seed=6)
    continuous = simulate(
        _scenario(endpoint="ttp", assessment_interval_months=None), sims=400, seed=6
    )
    assert scans.expected_events < continuous.expected_events


@pytest.mark.parametrize("interval", [0.0, -2.0, 0.01, math.inf, math.nan])
def test_bad_interval_names_the_field(interval: float) -> None:
    with pytest.raises(InputError) as caught:
        _scenario(endpoint="pfs", assessment_interval_months=interval).validated()
    assert caught.value.field == "assessment_interval_months"


LAST = "last_adequate_assessment"


@pytest.mark.parametrize(
    ("endpoint", "death_censoring", "death", "dropout", "progression", "expected"),
    [
        pytest.param("pfs", LAST, 300, 122, 200, (122, False), id="pfs-dropout-on-a-scan-day"),
        pytest.param("ttp", LAST, 300, 122, 200, (122, False), id="ttp-dropout-on-a-scan-day"),
        pytest.param("ttp", LAST, 122, 400, 100, (122, True), id="ttp-pd-on-the-day-of-death"),
        pytest.param("ttp", "death", 121, 400, 100, (121, False), id="ttp-death-at-death"),
        pytest.param("ttp", LAST, 121, 400, 100, (61, False), id="ttp-death-at-last-scan"),
        pytest.param("ttp", LAST, 122, 400, 300, (122, False), id="ttp-death-on-a-scan-day"),
        pytest.param("ttp", LAST, 30, 400, 100, (0, False), id="ttp-death-before-any-scan"),
        pytest.param("ttp", "death", 30, 400, 100, (30, False), id="ttp-early-death-at-death"),
        pytest.param("pfs", LAST, 121, 400, 100, (121, True), id="pfs-death-is-the-event"),
        pytest.param("pfs", LAST, 400, 400, 1, (61, True), id="pfs-pd-at-the-first-scan"),
    ],
)
def test_an_assessment_on_the_day_of_death_or_dropout_counts(
    endpoint: str,
    death_censoring: str,
    death: int,
    dropout: int,
    progression: int,
    expected: tuple[int, bool],
) -> None:
    """The edge days, by the kernel's censoring and by the endpoint rules alike."""
    scan = 61.0
    seen = math.floor(math.ceil(progression / scan) * scan + 0.5)
    event_time = seen if endpoint == "ttp" else min(seen, death)
    censor = min(dropout, death) if endpoint == "ttp" else dropout
    months = np.array([[0.0], [event_time], [censor], [death]]) / DAYS_PER_MONTH
    time = np.empty(1)
    code = np.empty(1, dtype=np.uint8)
    group = np.zeros(1, dtype=np.int8)
    ttp_death = TTP_DEATH_CODES[death_censoring]
    censor_at_scans(36.0, *months, ENDPOINT_CODES[endpoint], scan, ttp_death, group, time, code)
    assert (round(time[0] * DAYS_PER_MONTH), bool(code[0] & 1)) == expected
    result = _rule(endpoint, death_censoring)(
        _course(1, 0, death, dropout, progression, scan), cutoff=START + timedelta(999)
    )
    assert (result.days, result.event) == expected


_CLI = ["design", "simulate", "--n", "82", "--median-control", "10.7"]
_CLI += ["--median-experimental", "14", "--accrual-months", "24", "--endpoint", "ttp"]
_CLI += ["--sims", "200", "--seed", "7", "--json"]


def _cli(*options: str) -> dict[str, Any]:
    from typer.testing import CliRunner

    from metsor.cli.main import app

    result = CliRunner().invoke(app, [*_CLI, *options])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def _library(**change: object) -> dict[str, float]:
    s = Scenario(n=82, median_control=10.7, median_experimental=14.0, accrual_months=24.0)
    r = simulate(with_values(s, endpoint="ttp", **change), sims=200, seed=7)
    return {"power": r.power, "expected_events": r.expected_events}


@pytest.mark.parametrize(
    ("options", "scenario"),
    [
        pytest.param((), {}, id="default-is-the-protocol"),
        pytest.param(
            ("--assessment-interval-months", repr(PROTOCOL_ASSESSMENT_INTERVAL_MONTHS)),
            {"assessment_interval_months": PROTOCOL_ASSESSMENT_INTERVAL_MONTHS},
            id="the-protocol-interval-given",
        ),
        pytest.param(
            ("--assessment-interval-months", "continuous"),
            {"assessment_interval_months": None},
            id="continuous",
        ),
        pytest.param(
            ("--assessment-interval-months", "2"),
            {"assessment_interval_months": 2.0},
            id="two-months",
        ),
        pytest.param(
            ("--ttp-death-censoring", "death"),
            {"ttp_death_censoring": "death"},
            id="death-at-death",
        ),
    ],
)
def test_cli_simulates_the_scenario_it_is_given(
    options: tuple[str, ...], scenario: dict[str, object]
) -> None:
    """The command's default is the protocol's schedule and censoring rule; continuous time
    and the other options are asked for explicitly."""
    payload = _cli(*options)
    expected = _library(**scenario)
    assert {k: payload[k] for k in expected} == expected
    continuous = scenario.get("assessment_interval_months", 0.0) is None
    assert ("continuous" in payload["progression_seen"]) == continuous
    if not continuous:
        assert payload["ttp_death_censoring"] == scenario.get(
            "ttp_death_censoring", PROTOCOL_TTP_DEATH_CENSORING
        )


def test_cli_default_differs_from_continuous_time() -> None:
    assert _cli() != _cli("--assessment-interval-months", "continuous")
    assert _cli()["progression_seen"] == "at tumour assessments every 49 days"


@pytest.mark.parametrize(
    ("option", "value"),
    [
        pytest.param("--assessment-interval-months", "0", id="interval-0"),
        pytest.param("--assessment-interval-months", "weekly", id="interval-text"),
        pytest.param("--ttp-death-censoring", "progression", id="death-censoring"),
    ],
)
def test_cli_bad_schedule_names_the_option(option: str, value: str) -> None:
    from typer.testing import CliRunner

    from metsor.cli.main import app

    bad = CliRunner().invoke(app, [*_CLI, option, value])
    assert bad.exit_code == 2, bad.output
    assert option in bad.stderr
    assert "Traceback" not in bad.output


def test_cli_help_says_the_default_is_the_protocol_schedule() -> None:
    from typer.testing import CliRunner

    from metsor.cli.main import app

    shown = CliRunner().invoke(app, ["design", "simulate", "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    text = " ".join(shown.output.split())
    assert "Default: the protocol's tumour-assessment schedule" in text
    assert "'continuous'" in text


def test_one_tumour_assessment_schedule() -> None:
    """The casebook's tumour assessments, the ADTTE missed-assessment rule and the simulator's
    scans at the protocol's interval fall on the same days."""
    interval = builtin().endpoint_rules.tumour_interval_days
    assert METSOR_SCHEDULE.tumour_interval_days == interval
    assert METSOR_SCHEDULE.tumour_window_days == builtin().endpoint_rules.tumour_window_days
    assert AssessmentSchedule().interval_days == interval
    assert AssessmentSchedule().window_days == METSOR_SCHEDULE.tumour_window_days
    plan = _plan(
        Scenario(
            n=82, median_control=10.7, median_experimental=14.0, accrual_months=24.0, endpoint="ttp"
        )
    )  # the simulator's default
    simulated = [math.floor(k * plan.scan_days + 0.5) for k in range(1, 41)]
    planned = [
        METSOR_SCHEDULE.plan("tumour_assessment", k, randomized_on=START).planned
        for k in range(1, 41)
    ]
    assert [START + timedelta(days=d) for d in simulated] == planned
    virtual = inspect.signature(plan_course).parameters["scan_interval_days"].default
    # the virtual patients' scans in metsor demo: the protocol's (None reads its schedule)
    assert virtual in (None, interval)


@pytest.mark.parametrize(
    ("gap", "censored"),
    [pytest.param(105, False, id="2x49+7-counts"), pytest.param(106, True, id="106-censored")],
)
def test_adtte_missed_assessment_rule_is_the_schedule(gap: int, censored: bool) -> None:
    """ADTTE, as the export derives it, counts an event up to two intervals and a window after
    the last adequate assessment, both from the protocol's schedule."""
    limit = 2 * METSOR_SCHEDULE.tumour_interval_days + METSOR_SCHEDULE.tumour_window_days
    assert limit == 105
    assessments = (
        TumourAssessmentResult(START + timedelta(days=49), "SD", "SD"),
        TumourAssessmentResult(START + timedelta(days=49 + gap), "PD", "PD"),
    )
    course = SubjectCourse(
        subject_id="S001",
        arm="S",
        site="01",
        stratum="all",
        randomized_on=START,
        last_known_alive_on=START + timedelta(days=400),
        tumour_assessments=assessments,
    )
    [row] = [r for r in adtte([course], horizon_months=None) if r["PARAMCD"] == "TTP"]
    assert row["CNSR"] == int(censored)


def test_the_simulator_follows_the_protocols_endpoint_rules() -> None:
    """A scenario's defaults are the built-in protocol's rules; another protocol's rules give
    their own interval and censoring of a death without progression."""
    rules = builtin().endpoint_rules
    base = Scenario(n=82, median_control=10.7, median_experimental=14.0, accrual_months=24.0)
    assert base.ttp_death_censoring == rules.ttp_death_censoring == LAST
    assert base.assessment_interval_months == PROTOCOL_ASSESSMENT_INTERVAL_MONTHS
    assert base.with_endpoint_rules(rules) == base
    other = EndpointRules(tumour_interval_days=56, ttp_death_censoring="death")
    plan = _plan(with_values(base.with_endpoint_rules(other), endpoint="ttp").validated())
    assert (plan.scan_days, plan.ttp_death) == (56.0, TTP_DEATH_CODES["death"])
    assert set(TTP_DEATH_OPTIONS) == set(TTP_DEATH_CODES)


def test_bad_death_censoring_names_the_field() -> None:
    with pytest.raises(InputError, match="ttp_death_censoring") as caught:
        _scenario(endpoint="ttp", ttp_death_censoring="progression").validated()
    assert caught.value.field == "ttp_death_censoring"


_DAYS_DRAWN = st.integers(1, 900)


@settings(deadline=None)
@given(
    endpoint=st.sampled_from(["ttp", "pfs"]),
    death_censoring=st.sampled_from(TTP_DEATH_OPTIONS),
    death=_DAYS_DRAWN,  # every simulated patient dies at some finite time
    dropout=_DAYS_DRAWN | st.just(math.inf),
    progression=_DAYS_DRAWN | st.just(math.inf),
    scan=st.sampled_from([28.0, 42.0, 49.0, 56.0, 61.0, 45.65625]),
    cutoff_day=st.integers(0, 1200),
)
def test_any_patient_is_censored_as_the_endpoint_rules_say(
    endpoint: str,
    death_censoring: str,
    death: float,
    dropout: float,
    progression: float,
    scan: float,
    cutoff_day: int,
) -> None:
    """One patient's days of death, dropout and progression, a scan interval and a cut-off:
    the kernel's time and event equal those of the endpoint rules (both options for a death
    without progression) on the course that the same days make."""
    seen = _first_scan(progression, scan)
    event_time = seen if endpoint == "ttp" else min(seen, death)
    censor = min(dropout, death) if endpoint == "ttp" else dropout
    months = np.array([[0.0], [event_time], [censor], [death]]) / DAYS_PER_MONTH
    cut = (cutoff_day + 0.5) / DAYS_PER_MONTH  # the calendar cut-off within that day
    time = np.empty(1)
    code = np.empty(1, dtype=np.uint8)
    group = np.zeros(1, dtype=np.int8)
    ttp_death = TTP_DEATH_CODES[death_censoring]
    censor_at_scans(cut, *months, ENDPOINT_CODES[endpoint], scan, ttp_death, group, time, code)
    course = _course(1, 0, death, dropout, progression, scan)
    result = _rule(endpoint, death_censoring)(
        course, cutoff=START + timedelta(days=cutoff_day), schedule=_schedule(scan)
    )
    assert (round(time[0] * DAYS_PER_MONTH), bool(code[0] & 1)) == (result.days, result.event)


def _first_scan(progression: float, scan: float) -> float:
    """Day of the first assessment on or after the progression day (``inf`` kept)."""
    if math.isinf(progression):
        return progression
    k = max(1, math.ceil(progression / scan))
    while k > 1 and math.floor((k - 1) * scan + 0.5) >= progression:
        k -= 1
    while math.floor(k * scan + 0.5) < progression:
        k += 1
    return float(math.floor(k * scan + 0.5))


def _schedule(scan: float) -> AssessmentSchedule:
    """A missed-assessment rule that every regular scan satisfies (none is missed)."""
    return AssessmentSchedule(interval_days=math.ceil(scan))
