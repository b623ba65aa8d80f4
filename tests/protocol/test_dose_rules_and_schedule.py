"""Pure rules the casebook applies: dose levels (Nexavar and Glucophage labels, as the built-in
protocol's data) and the visit schedule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from metsor.errors import ConflictError, InputError, NotFoundError
from metsor.protocol import builtin
from metsor.protocol.dose_rules import DoseStep as DoseEvent
from metsor.protocol.dose_rules import dose_level, replay
from metsor.protocol.schedule import visit_schedule

PROTOCOL = builtin("NCT02672488")
METSOR_SCHEDULE = visit_schedule(PROTOCOL)
DRUG = PROTOCOL.study_drug

D0 = date(2016, 3, 1)


def _day(n: int) -> date:
    return D0 + timedelta(days=n)


def test_sorafenib_label_reductions_reach_second_level() -> None:
    """Nexavar label (HCC): 400 mg BID → 400 mg QD → 200 mg QD or 400 mg QOD."""
    for second in ("200mg_qd", "400mg_qod"):
        state = replay(
            DRUG("sorafenib"),
            [
                DoseEvent("start", _day(0), "400mg_bid"),
                DoseEvent("reduce", _day(20), "400mg_qd"),
                DoseEvent("interrupt", _day(40), None),
                DoseEvent("resume", _day(47), second),
            ],
        )
        assert state.status == "dosing"
        assert state.level is not None
        assert state.level.code == second
        assert state.level.daily_mg == pytest.approx(200.0)


def test_full_dose_is_800_mg_a_day_and_metformin_1000() -> None:
    assert dose_level(DRUG("sorafenib"), "400mg_bid").daily_mg == pytest.approx(800.0)
    assert dose_level(DRUG("metformin"), "500mg_bid").daily_mg == pytest.approx(1000.0)
    assert DRUG("metformin").food == "with meals"


@pytest.mark.parametrize(
    ("events", "match"),
    [
        pytest.param(
            [DoseEvent("start", _day(0), "400mg_bid"), DoseEvent("reduce", _day(5), "200mg_qd")],
            "one level at a time",
            id="skip-a-level",
        ),
        pytest.param([DoseEvent("start", _day(0), "400mg_qd")], "full dose", id="start-reduced"),
        pytest.param(
            [DoseEvent("start", _day(0), "400mg_bid"), DoseEvent("resume", _day(5), "400mg_bid")],
            "it is dosing",
            id="resume-without-interruption",
        ),
        pytest.param(
            [
                DoseEvent("start", _day(0), "400mg_bid"),
                DoseEvent("discontinue", _day(5), None),
                DoseEvent("resume", _day(9), "400mg_bid"),
            ],
            "discontinued",
            id="after-discontinuation",
        ),
        pytest.param(
            [
                DoseEvent("start", _day(0), "400mg_bid"),
                DoseEvent("interrupt", _day(5), None),
                DoseEvent("resume", _day(9), "200mg_qd"),
            ],
            "same level or one level lower",
            id="resume-two-levels-down",
        ),
    ],
)
def test_impossible_sorafenib_histories_conflict(events: list[DoseEvent], match: str) -> None:
    with pytest.raises(ConflictError, match=match):
        replay(DRUG("sorafenib"), events)


def test_metformin_has_no_lower_level_and_unknown_levels_are_named() -> None:
    with pytest.raises(InputError, match="metformin has no dose level '250mg_bid'"):
        replay(
            DRUG("metformin"),
            [DoseEvent("start", _day(0), "500mg_bid"), DoseEvent("reduce", _day(3), "250mg_bid")],
        )
    with pytest.raises(NotFoundError, match="unknown drug 'aspirin'"):
        PROTOCOL.study_drug("aspirin")


def test_schedule_windows() -> None:
    """Treatment every 4 weeks ±3 days; tumour assessments every 6–8 weeks (7 ± 1 week)."""
    visit = METSOR_SCHEDULE.plan("treatment", 3, randomized_on=D0)
    assert visit.planned == _day(84)
    assert visit.in_window(_day(87)) is True
    assert visit.in_window(_day(88)) is False
    scan = METSOR_SCHEDULE.plan("tumour_assessment", 1, randomized_on=D0)
    assert (scan.window_start, scan.window_end) == (_day(42), _day(56))
    base = METSOR_SCHEDULE.plan("baseline", 0, randomized_on=D0)
    assert base.in_window(_day(-28)) is True
    assert base.in_window(_day(-29)) is False
    follow = METSOR_SCHEDULE.plan("follow_up", 2, randomized_on=D0, treatment_ended_on=_day(100))
    assert follow.planned == _day(100 + 30 + 84)
    assert METSOR_SCHEDULE.plan("treatment", 1, randomized_on=None).planned is None


@pytest.mark.parametrize(
    ("visit_type", "number", "field"),
    [("baseline", 1, "number"), ("treatment", 0, "number"), ("checkup", 1, "visit_type")],
)
def test_schedule_rejects_bad_visits(visit_type: str, number: int, field: str) -> None:
    with pytest.raises(InputError) as caught:
        METSOR_SCHEDULE.plan(visit_type, number, randomized_on=D0)
    assert caught.value.field == field
