"""OS, TTP and PFS with their censoring rules, one hand-built subject per rule.

Conventions are those of STATISTICS-REFERENCE.md "Endpoints of METSOR" and of the FDA guidance
"Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics" (December 2018),
appendix table of PFS censoring: no adequate assessment → censored at randomization; new
anticancer therapy → censored at the last adequate assessment before it; death or progression
after more than one missed visit → censored at the last adequate assessment; death before the
first assessment or between adequate assessments → event. Days are counted from randomization
(day 0); months = days / 30.4375. The default schedule is the protocol's: a scan every 49 days
with a 7-day window, so an event counts up to 2 × 49 + 7 = 105 days after the last adequate
assessment. TTP censors a death without progression at the last adequate assessment (option:
at death); the 12-month horizon censors TTP and PFS at the last adequate assessment on or before
day 365.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from numpy.testing import assert_allclose

from metsor.endpoints import (
    CENSOR_REASONS,
    AssessmentSchedule,
    SubjectCourse,
    TimeToEvent,
    overall_survival,
    progression_free_survival,
    time_to_progression,
)
from metsor.errors import InputError

from .builders import course, day, scan

RTOL = 1e-12
OS, TTP, PFS = overall_survival, time_to_progression, progression_free_survival
ADMIN = "administrative (12 months)"

Endpoint = Callable[..., TimeToEvent]

# (id, endpoint, course, options, (days, event, censor reason, event description))
CASES: list[tuple[str, Endpoint, SubjectCourse, dict[str, Any], tuple[int, bool, Any, Any]]] = [
    # --- overall survival
    ("os-death", OS, course(death=300), {}, (300, True, None, "death")),
    ("os-alive", OS, course(alive=400, scans=(scan(56, "SD"),)), {},
     (400, False, "alive at last contact", None)),
    ("os-last-contact-is-a-scan", OS, course(alive=50, scans=(scan(112, "SD"),)), {},
     (112, False, "alive at last contact", None)),
    ("os-withdrawal", OS, course(alive=90, withdrawn=100), {}, (100, False, "withdrawal", None)),
    ("os-lost", OS, course(alive=150, lost=240), {}, (150, False, "lost to follow-up", None)),
    ("os-death-after-withdrawal", OS, course(withdrawn=100, death=200), {},
     (200, True, None, "death")),
    ("os-new-therapy-not-censored", OS, course(therapy=60, death=250), {},
     (250, True, None, "death")),
    ("os-cutoff-death-after", OS, course(death=300), {"cutoff": day(200)},
     (200, False, "data cut-off", None)),
    ("os-cutoff-followed-past", OS, course(alive=400), {"cutoff": day(200)},
     (200, False, "data cut-off", None)),
    ("os-cutoff-contact-before", OS, course(alive=150), {"cutoff": day(200)},
     (150, False, "alive at last contact", None)),
    ("os-cutoff-lost-after-cutoff", OS, course(alive=150, lost=260), {"cutoff": day(200)},
     (150, False, "alive at last contact", None)),
    ("os-12m-death-on-day-365", OS, course(death=365), {"horizon_months": 12},
     (365, True, None, "death")),
    ("os-12m-death-on-day-366", OS, course(death=366), {"horizon_months": 12},
     (365, False, ADMIN, None)),
    ("os-12m-alive", OS, course(alive=700), {"horizon_months": 12}, (365, False, ADMIN, None)),
    ("os-12m-early-censoring-kept", OS, course(alive=100, lost=200), {"horizon_months": 12},
     (100, False, "lost to follow-up", None)),
    ("os-cutoff-and-12m", OS, course(death=500), {"cutoff": day(420), "horizon_months": 12},
     (365, False, ADMIN, None)),
    # --- time to progression (mRECIST unless stated)
    ("ttp-pd", TTP, course(death=400, scans=(scan(56, "SD"), scan(112, "PD"))), {},
     (112, True, None, "progression (mRECIST)")),
    ("ttp-death-without-progression", TTP, course(death=130, scans=(scan(56, "SD"),)), {},
     (56, False, "death without progression", None)),
    ("ttp-death-on-scan-day", TTP, course(death=112, scans=(scan(56, "SD"), scan(112, "SD"))),
     {}, (112, False, "death without progression", None)),
    ("ttp-death-before-any-scan", TTP, course(death=40), {},
     (0, False, "death without progression", None)),
    ("ttp-death-censored-at-death", TTP, course(death=130, scans=(scan(56, "SD"),)),
     {"death_censoring": "death"}, (130, False, "death without progression", None)),
    ("ttp-recist", TTP, course(alive=200, scans=(scan(56, "PD", "SD"), scan(112, "SD", "PD"))),
     {"criterion": "recist"}, (112, True, None, "progression (RECIST 1.1)")),
    ("ttp-mrecist-ignores-recist-pd", TTP, course(alive=200, scans=(scan(56, "SD", "PD"),)),
     {}, (56, False, "progression-free at last adequate assessment", None)),
    ("ttp-new-therapy", TTP, course(alive=300, therapy=150, scans=(
        scan(56, "SD"), scan(112, "PR"), scan(168, "PD"))), {},
     (112, False, "new anticancer therapy before progression", None)),
    ("ttp-pd-on-therapy-day-counts", TTP, course(alive=300, therapy=112, scans=(
        scan(56, "SD"), scan(112, "PD"))), {}, (112, True, None, "progression (mRECIST)")),
    ("ttp-missed", TTP, course(alive=300, scans=(scan(56, "SD"), scan(176, "PD"))), {},
     (56, False, "two or more missed assessments before event", None)),
    ("ttp-one-missed-counts", TTP, course(alive=300, scans=(scan(56, "SD"), scan(161, "PD"))),
     {}, (161, True, None, "progression (mRECIST)")),
    ("ttp-two-missed-day-162", TTP, course(alive=300, scans=(scan(56, "SD"), scan(162, "PD"))),
     {}, (56, False, "two or more missed assessments before event", None)),
    ("ttp-no-adequate", TTP, course(alive=200, scans=(
        scan(56, "NE"), scan(112, "SD", adequate=False))), {},
     (0, False, "no adequate post-baseline assessment", None)),
    ("ttp-inadequate-pd-counts", TTP, course(alive=200, scans=(scan(56, "PD", adequate=False),)),
     {}, (56, True, None, "progression (mRECIST)")),
    ("ttp-withdrawal", TTP, course(withdrawn=130, scans=(scan(56, "SD"), scan(112, "SD"))), {},
     (112, False, "withdrawal", None)),
    ("ttp-lost", TTP, course(alive=70, lost=200, scans=(scan(56, "SD"),)), {},
     (56, False, "lost to follow-up", None)),
    ("ttp-cutoff", TTP, course(alive=300, scans=(scan(56, "SD"), scan(112, "SD"), scan(168, "PD"))),
     {"cutoff": day(150)}, (112, False, "data cut-off", None)),
    ("ttp-12m", TTP, course(alive=500, scans=tuple(scan(56 * k, "SD") for k in range(1, 8))),
     {"horizon_months": 12}, (336, False, ADMIN, None)),
    ("ttp-12m-scan-on-day-365", TTP, course(alive=500, scans=(
        scan(280, "SD"), scan(365, "SD"), scan(420, "SD"))),
     {"horizon_months": 12}, (365, False, ADMIN, None)),
    ("ttp-12m-pd-on-day-364", TTP, course(alive=500, scans=(scan(280, "SD"), scan(364, "PD"))),
     {"horizon_months": 12}, (364, True, None, "progression (mRECIST)")),
    ("ttp-12m-pd-on-day-392", TTP, course(alive=500, scans=(scan(336, "SD"), scan(392, "PD"))),
     {"horizon_months": 12}, (336, False, ADMIN, None)),
    # a death or new therapy after day 365 is administrative censoring under either death rule
    ("ttp-12m-death-after-horizon", TTP, course(
        death=380, scans=(scan(280, "SD"), scan(343, "SD"))),
     {"horizon_months": 12}, (343, False, ADMIN, None)),
    ("ttp-12m-death-after-horizon-death-rule", TTP, course(
        death=380, scans=(scan(280, "SD"), scan(343, "SD"))),
     {"horizon_months": 12, "death_censoring": "death"}, (343, False, ADMIN, None)),
    ("ttp-12m-death-before-horizon", TTP, course(death=360, scans=(scan(280, "SD"),)),
     {"horizon_months": 12}, (280, False, "death without progression", None)),
    ("ttp-12m-therapy-after-horizon", TTP, course(alive=500, therapy=370, scans=(
        scan(294, "SD"), scan(343, "SD"), scan(392, "PD"))),
     {"horizon_months": 12}, (343, False, ADMIN, None)),
    ("pfs-12m-therapy-after-horizon", PFS, course(alive=500, therapy=370, scans=(
        scan(294, "SD"), scan(343, "SD"))),
     {"horizon_months": 12}, (343, False, ADMIN, None)),
    ("pfs-12m-therapy-before-horizon", PFS, course(alive=500, therapy=350, scans=(
        scan(294, "SD"), scan(343, "SD"))),
     {"horizon_months": 12}, (343, False, "new anticancer therapy before progression", None)),
    # --- progression-free survival
    ("pfs-pd", PFS, course(death=300, scans=(scan(56, "SD"), scan(112, "PD"))), {},
     (112, True, None, "progression (mRECIST)")),
    ("pfs-death-first", PFS, course(death=90, scans=(scan(56, "SD"),)), {},
     (90, True, None, "death")),
    ("pfs-death-before-first-scan", PFS, course(death=40), {}, (40, True, None, "death")),
    ("pfs-death-day-105-no-scan", PFS, course(death=105), {}, (105, True, None, "death")),
    ("pfs-death-after-two-missed", PFS, course(death=106), {},
     (0, False, "two or more missed assessments before event", None)),
    ("pfs-death-after-two-missed-scans", PFS, course(death=200, scans=(scan(56, "SD"),)), {},
     (56, False, "two or more missed assessments before event", None)),
    ("pfs-death-on-scan-day", PFS, course(death=112, scans=(scan(56, "SD"), scan(112, "SD"))),
     {}, (112, True, None, "death")),
    ("pfs-new-therapy", PFS, course(death=300, therapy=120, scans=(
        scan(56, "SD"), scan(112, "SD"))), {},
     (112, False, "new anticancer therapy before progression", None)),
    ("pfs-new-therapy-no-scan", PFS, course(death=300, therapy=20), {},
     (0, False, "new anticancer therapy before progression", None)),
    ("pfs-no-adequate", PFS, course(alive=60, scans=(scan(56, "NE"),)), {},
     (0, False, "no adequate post-baseline assessment", None)),
    ("pfs-progression-free", PFS, course(alive=200, scans=(scan(56, "PR"), scan(112, "PR"))),
     {}, (112, False, "progression-free at last adequate assessment", None)),
    ("pfs-withdrawal", PFS, course(withdrawn=60, scans=(scan(56, "SD"),)), {},
     (56, False, "withdrawal", None)),
    ("pfs-lost", PFS, course(alive=120, lost=250, scans=(scan(56, "SD"), scan(112, "SD"))), {},
     (112, False, "lost to follow-up", None)),
    ("pfs-cutoff", PFS, course(death=250, scans=(scan(56, "SD"), scan(112, "SD"))),
     {"cutoff": day(200)}, (112, False, "data cut-off", None)),
    ("pfs-cutoff-before-first-scan", PFS, course(alive=300, scans=(scan(56, "SD"),)),
     {"cutoff": day(30)}, (0, False, "no adequate post-baseline assessment", None)),
    ("pfs-12m", PFS, course(death=420, scans=tuple(scan(56 * k, "SD") for k in range(1, 8))),
     {"horizon_months": 12}, (336, False, ADMIN, None)),
    ("pfs-12m-death-after-horizon", PFS, course(
        death=380, scans=tuple(scan(49 * k, "SD") for k in range(1, 8))),
     {"horizon_months": 12}, (343, False, ADMIN, None)),
    # the death on day 380 is outside the 12-month analysis, which censors at randomization for
    # want of an adequate assessment by day 365: administrative, not a missed-assessment rule
    ("pfs-12m-no-scan-before-horizon", PFS, course(death=380, scans=(scan(20, "NE"),)),
     {"horizon_months": 12}, (0, False, ADMIN, None)),
    ("pfs-missed-scans-before-death", PFS, course(death=380, scans=(scan(20, "NE"),)),
     {}, (0, False, "two or more missed assessments before event", None)),
    ("pfs-12m-no-effect", PFS, course(death=300, scans=(scan(56, "SD"), scan(112, "PD"))),
     {"horizon_months": 12}, (112, True, None, "progression (mRECIST)")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("endpoint", "subject", "options", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_endpoint(
    endpoint: Endpoint,
    subject: SubjectCourse,
    options: dict[str, Any],
    expected: tuple[int, bool, Any, Any],
) -> None:
    days, event, reason, description = expected
    result = endpoint(subject, **options)
    assert (result.days, result.event, result.censor_reason, result.event_description) == (
        days,
        event,
        reason,
        description,
    )
    assert result.event_or_censor_date == day(days)
    assert_allclose(result.months, days / 30.4375, rtol=RTOL)
    assert (result.censor_date_description is None) == event


def test_every_censor_reason_is_exercised() -> None:
    reasons = {case[4][2] for case in CASES if case[4][2] is not None}
    assert reasons == {*CENSOR_REASONS, ADMIN}


def test_censor_date_descriptions() -> None:
    assert OS(course(alive=100)).censor_date_description == "last contact"
    assert OS(course(alive=300), cutoff=day(100)).censor_date_description == "data cut-off"
    assert PFS(course(alive=100)).censor_date_description == "randomization"
    assert (
        PFS(course(alive=100, scans=(scan(56, "SD"),))).censor_date_description
        == "last adequate tumour assessment"
    )
    assert TTP(course(death=100)).censor_date_description == "randomization"
    assert (
        TTP(course(death=100, scans=(scan(56, "SD"),))).censor_date_description
        == "last adequate tumour assessment before death"
    )
    assert TTP(course(death=100), death_censoring="death").censor_date_description == "death"
    assert OS(course(alive=400), horizon_months=12).censor_date_description == "12-month horizon"
    twelve = PFS(course(alive=400, scans=(scan(343, "SD"), scan(392, "SD"))), horizon_months=12)
    assert twelve.censor_date_description == (
        "last adequate tumour assessment on or before the 12-month horizon"
    )


def test_twelve_months_is_365_days() -> None:
    """12 × 30.4375 = 365.25 days; the horizon is the whole day 365, 11.99 months."""
    result = OS(course(alive=1000), horizon_months=12)
    assert result.days == 365
    assert_allclose(result.months, 365 / 30.4375, rtol=RTOL)
    six = OS(course(alive=1000), horizon_months=6)
    assert six.days == 182
    assert six.censor_reason == "administrative (6 months)"


def test_schedule_changes_the_missed_assessment_limit() -> None:
    subject = course(alive=300, scans=(scan(42, "SD"), scan(140, "PD")))
    assert PFS(subject).event
    six_weekly = AssessmentSchedule(interval_days=42, window_days=7)
    result = PFS(subject, schedule=six_weekly)
    assert (result.days, result.censor_reason) == (
        42,
        "two or more missed assessments before event",
    )
    assert six_weekly.max_gap_days == 91


def test_twelve_month_censoring_never_credits_unassessed_time() -> None:
    """At the horizon, TTP and PFS stop at an assessment: never after the last adequate one."""
    for case in CASES:
        subject = case[2]
        for endpoint in (TTP, PFS):
            result = endpoint(subject, horizon_months=12)
            if result.censor_reason == ADMIN:
                adequate = [a.date for a in subject.tumour_assessments if a.adequate]
                assert result.event_or_censor_date in {subject.randomized_on, *adequate}
                assert result.days <= 365


def test_endpoints_never_run_past_overall_survival() -> None:
    subjects = [case[2] for case in CASES]
    for subject in subjects:
        for cutoff in (None, day(150)):
            if cutoff is not None and cutoff < subject.randomized_on:
                continue
            os_date = OS(subject, cutoff=cutoff).event_or_censor_date
            assert PFS(subject, cutoff=cutoff).event_or_censor_date <= os_date
            assert TTP(subject, cutoff=cutoff).event_or_censor_date <= os_date


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        ({"cutoff": date(2015, 1, 1)}, "cutoff", "subject 001: cutoff 2015-01-01 is before"),
        ({"cutoff": "2016-05-01"}, "cutoff", "must be a date"),
        ({"horizon_months": 0}, "horizon_months", "positive number"),
        ({"horizon_months": float("nan")}, "horizon_months", "positive number"),
        ({"criterion": "who"}, "criterion", "'mrecist' or 'recist'"),
    ],
)
def test_bad_options_named(options: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        PFS(course(alive=100), **options)
    assert info.value.field == field


def test_bad_death_censoring_named() -> None:
    with pytest.raises(InputError, match="'last_adequate_assessment' or 'death'") as info:
        TTP(course(death=100), death_censoring="progression")  # type: ignore[arg-type]
    assert info.value.field == "death_censoring"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"interval_days": 0}, "interval_days"), ({"window_days": -1}, "window_days"),
     ({"missed_limit": 0}, "missed_limit")],
)  # fmt: skip
def test_bad_schedule_named(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(InputError, match=field) as info:
        AssessmentSchedule(**kwargs)
    assert info.value.field == field
