"""Progression seen at scheduled tumour assessments: the simulator's TTP and PFS are those of
the endpoint rules (:mod:`metsor.endpoints.time_to_event`) applied to the same patients.

Censoring conventions: FDA 2018 guidance, Clinical Trial Endpoints for the Approval of Cancer
Drugs and Biologics (progression dated at the assessment that shows it; censoring at the last
adequate assessment; TTP censors a death without progression). The simulator censors that death
at the death date, :data:`metsor.design.simulate.TTP_DEATH_CENSORING`, which the endpoint rules
are given explicitly here. The tumour-assessment schedule is one number, the protocol's, for the
casebook, the endpoints' missed-assessment rule and the simulator.
"""

from __future__ import annotations

import functools
import inspect
import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from metsor.design._kernel import (
    DAYS_PER_MONTH,
    ENDPOINT_CODES,
    censor_at_scans,
    draw_scheduled_trial,
    draw_trial,
    run_blocks,
)
from metsor.design.scenario import PROTOCOL_ASSESSMENT_INTERVAL_MONTHS
from metsor.design.simulate import TTP_DEATH_CENSORING, Scenario, _plan, simulate
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
    "ttp with dropout": _scenario(endpoint="ttp", dropout_per_year=0.3),
    "pfs": _scenario(endpoint="pfs", assessment_interval_months=1.5),
    "pfs with dropout, event-driven looks": _scenario(
        endpoint="pfs", dropout_per_year=0.3, events=60, looks=(0.5, 1.0)
    ),
}


def _rule(endpoint: str) -> Any:
    """The endpoint rule with the simulator's setting for a death without progression."""
    if endpoint == "ttp":
        return functools.partial(time_to_progression, death_censoring=TTP_DEATH_CENSORING)
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
    censor_at_scans(cut, *draws, code, plan.scan_days, plan.group, time, codes)
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
    endpoint = _rule(s.endpoint)
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


@pytest.mark.parametrize(
    ("endpoint", "death", "dropout", "progression", "expected"),
    [
        ("pfs", 300, 122, 200, (122, False)),  # dropout on an assessment day: censored there
        ("ttp", 300, 122, 200, (122, False)),
        ("ttp", 122, 400, 100, (122, True)),  # PD at the assessment on the day of death
        ("ttp", 121, 400, 100, (121, False)),  # death the day before: censored at death
        ("pfs", 121, 400, 100, (121, True)),
        ("pfs", 400, 400, 1, (61, True)),
    ],
)
def test_an_assessment_on_the_day_of_death_or_dropout_counts(
    endpoint: str, death: int, dropout: int, progression: int, expected: tuple[int, bool]
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
    censor_at_scans(36.0, *months, ENDPOINT_CODES[endpoint], scan, group, time, code)
    assert (round(time[0] * DAYS_PER_MONTH), bool(code[0] & 1)) == expected
    result = _rule(endpoint)(
        _course(1, 0, death, dropout, progression, scan), cutoff=START + timedelta(999)
    )
    assert (result.days, result.event) == expected


def test_cli_takes_the_assessment_interval() -> None:
    from typer.testing import CliRunner

    from metsor.cli.main import app

    base = ["design", "simulate", "--n", "82", "--median-control", "10.7"]
    base += ["--median-experimental", "14", "--accrual-months", "24", "--endpoint", "ttp"]
    base += ["--sims", "200", "--json"]
    runner = CliRunner()
    scans = runner.invoke(app, [*base, "--assessment-interval-months", "2"])
    plain = runner.invoke(app, base)
    assert scans.exit_code == 0, scans.output
    assert plain.exit_code == 0, plain.output
    assert '"expected_events"' in scans.output
    assert scans.output != plain.output
    bad = runner.invoke(app, [*base, "--assessment-interval-months", "0"])
    assert bad.exit_code == 2, bad.output
    assert "--assessment-interval-months" in bad.stderr


def test_one_tumour_assessment_schedule() -> None:
    """The casebook's tumour assessments, the ADTTE missed-assessment rule and the simulator's
    scans at the protocol's interval fall on the same days."""
    interval = builtin().endpoint_rules.tumour_interval_days
    assert METSOR_SCHEDULE.tumour_interval_days == interval
    assert METSOR_SCHEDULE.tumour_window_days == builtin().endpoint_rules.tumour_window_days
    assert AssessmentSchedule().interval_days == interval
    assert AssessmentSchedule().window_days == METSOR_SCHEDULE.tumour_window_days
    plan = _plan(
        _scenario(endpoint="ttp", assessment_interval_months=PROTOCOL_ASSESSMENT_INTERVAL_MONTHS)
    )
    simulated = [math.floor(k * plan.scan_days + 0.5) for k in range(1, 41)]
    planned = [
        METSOR_SCHEDULE.plan("tumour_assessment", k, randomized_on=START).planned
        for k in range(1, 41)
    ]
    assert [START + timedelta(days=d) for d in simulated] == planned
    virtual = inspect.signature(plan_course).parameters["scan_interval_days"].default
    assert virtual == interval  # the virtual patients' scans in metsor demo


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
