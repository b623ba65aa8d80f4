"""Entry safety at the services, on SQLite and PostgreSQL: dates within the trial and its
windows, plausible values, bounded identifiers, visits that can have been due, the rule on
closing queries, and an adequate baseline. Every refusal writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from metsor.errors import ConflictError, InputError, PermissionDeniedError
from metsor.services.casebook import (
    close_query,
    correct_value,
    raise_query,
    record_lab,
    record_tumour_assessment,
    record_visit,
    record_vital_signs,
)
from metsor.services.casebook.queries import answer_query
from metsor.services.context import Database, ServiceContext, unit_of_work
from metsor.services.enrollment import record_consent, register_subject, rescreen_subject
from metsor.services.randomize import randomize_subject
from metsor.services.users import add_user
from metsor.store.models import casebook as tables
from metsor.store.models import core

from .conftest import DAY0, ELIGIBLE, enroll, move_clock

HUGE = 99_999_999_999_999_999_999
COUNTED = (
    core.Subject,
    core.Screening,
    core.Consent,
    core.Allocation,
    tables.Visit,
    tables.LabResult,
    tables.VitalSigns,
    tables.TumourAssessment,
    tables.TumourLesion,
    tables.DataQuery,
    tables.DataCorrection,
)


def _counts(database: Database) -> dict[str, int]:
    with database.sessions() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in COUNTED
        }


def _randomized(trial: Database) -> str:
    subject_id, result = enroll(trial, randomize=True)
    assert result is not None
    assert result.randomized_at.date() == DAY0
    return subject_id


Step = Callable[[ServiceContext, str], object]
_STEPS: dict[str, Step] = {
    "register": lambda ctx, _: register_subject(ctx, record=ELIGIBLE, screened_on=date(1, 1, 1)),
    "consent": lambda ctx, sid: record_consent(ctx, sid, consent_date=date(1, 1, 2)),
    "rescreen": lambda ctx, sid: rescreen_subject(
        ctx, sid, record=ELIGIBLE, screened_on=date(1, 1, 1)
    ),
}


@pytest.mark.parametrize(
    ("step", "field"),
    [
        pytest.param("register", "screened_on", id="screened-in-year-1"),
        pytest.param("consent", "consent_date", id="consented-in-year-1"),
        pytest.param("rescreen", "screened_on", id="rescreened-in-year-1"),
    ],
)
def test_nothing_is_dated_before_the_trial_started(trial: Database, step: str, field: str) -> None:
    subject_id, _ = enroll(trial, consent=False)
    before = _counts(trial)
    with pytest.raises(InputError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        _STEPS[step](ctx, subject_id)
    assert caught.value.field == field
    assert "before the start of trial NCT02672488 on 2015-12-01" in caught.value.message
    assert _counts(trial) == before


def test_the_trials_first_day_is_its_earliest(trial: Database) -> None:
    with pytest.raises(InputError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        register_subject(ctx, record=ELIGIBLE, screened_on=date(2015, 11, 30))
    assert caught.value.field == "screened_on"
    with unit_of_work(trial, "inv_tj") as ctx:
        result = register_subject(ctx, record=ELIGIBLE, screened_on=date(2015, 12, 1))
    assert result.verdict == "eligible"


def test_a_casebook_date_before_the_trial_started_names_the_field(trial: Database) -> None:
    subject_id = _randomized(trial)
    before = _counts(trial)
    with pytest.raises(InputError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        record_lab(
            ctx, subject_id=subject_id, analyte="ast", value=50, unit="U/L", uln=40,
            collected_on=date(1, 1, 3),
        )  # fmt: skip
    assert caught.value.field == "collected_on"
    assert "before the start of the trial on 2015-12-01" in caught.value.message
    assert _counts(trial) == before


def test_consent_needs_its_date(trial: Database) -> None:
    subject_id, _ = enroll(trial, consent=False)
    before = _counts(trial)
    with pytest.raises(InputError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        record_consent(ctx, subject_id, consent_date=None)  # type: ignore[arg-type]
    assert caught.value.field == "consent_date"
    assert _counts(trial) == before


@pytest.mark.parametrize(
    ("screened", "consented", "rescreened", "field"),
    [
        pytest.param(40, 30, None, "screened_on", id="screening-29-days-old"),
        pytest.param(40, 29, 5, "consent_date", id="consent-29-days-old"),
        pytest.param(28, 28, None, None, id="both-28-days-old"),
    ],
)
def test_randomization_keeps_to_the_protocols_windows(
    trial: Database, screened: int, consented: int, rescreened: int | None, field: str | None
) -> None:
    """Screening and consent within 28 days before randomization (a stated default)."""
    move_clock(trial, DAY0 - timedelta(screened))
    with unit_of_work(trial, "inv_tj") as ctx:
        subject_id = register_subject(
            ctx, record=ELIGIBLE, screened_on=DAY0 - timedelta(screened)
        ).subject_id
    move_clock(trial, DAY0)
    with unit_of_work(trial, "inv_tj") as ctx:
        record_consent(ctx, subject_id, consent_date=DAY0 - timedelta(consented))
        if rescreened is not None:
            rescreen_subject(
                ctx, subject_id, record=ELIGIBLE, screened_on=DAY0 - timedelta(rescreened)
            )
    before = _counts(trial)
    if field is None:
        with unit_of_work(trial, "inv_tj") as ctx:
            assert randomize_subject(ctx, subject_id).randomized_at.date() == DAY0
        return
    with pytest.raises(ConflictError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        randomize_subject(ctx, subject_id)
    assert caught.value.field == field
    assert "window is 28 days" in caught.value.message
    assert _counts(trial) == before


@pytest.mark.parametrize(
    ("values", "field", "shown"),
    [
        pytest.param({"analyte": "creatinine", "value": 0, "unit": "mg/dL"}, "value",
                     "0.1–40 mg/dL", id="creatinine-zero"),
        pytest.param({"analyte": "hemoglobin", "value": 128, "unit": "g/dL"}, "value",
                     "1–25 g/dL", id="haemoglobin-128-g-dl"),
        pytest.param({"analyte": "ast", "value": 1e308, "unit": "U/L", "uln": 40}, "value",
                     "0–100,000 U/L", id="ast-1e308"),
        pytest.param({"analyte": "ast", "value": 80, "unit": "U/L", "uln": 1e9}, "uln",
                     "0–100,000 U/L", id="uln-implausible"),
    ],
)  # fmt: skip
def test_implausible_laboratory_values_are_refused(
    trial: Database, values: dict[str, Any], field: str, shown: str
) -> None:
    subject_id = _randomized(trial)
    before = _counts(trial)
    with pytest.raises(InputError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        record_lab(ctx, subject_id=subject_id, collected_on=DAY0, **values)
    assert caught.value.field == field
    assert shown in caught.value.message
    assert _counts(trial) == before


def test_a_correction_to_an_implausible_value_is_refused(trial: Database) -> None:
    subject_id = _randomized(trial)
    with unit_of_work(trial, "inv_tj") as ctx:
        lab = record_lab(
            ctx, subject_id=subject_id, analyte="hemoglobin", value=12.8, unit="g/dL",
            collected_on=DAY0, lln=12,
        )  # fmt: skip
    before = _counts(trial)
    for value, message in (("128", "1–25 g/dL"), ("nan", "finite number")):
        with (
            pytest.raises(InputError, match=message) as caught,
            unit_of_work(trial, "coord_tj") as ctx,
        ):
            correct_value(
                ctx, table="lab_results", record_id=lab.id, field="value", value=value,
                reason="typed in the wrong unit",
            )  # fmt: skip
        assert caught.value.field == "value"
    assert _counts(trial) == before


def test_implausible_vital_signs_are_refused(trial: Database) -> None:
    subject_id = _randomized(trial)
    before = _counts(trial)
    with pytest.raises(InputError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        record_vital_signs(
            ctx, subject_id=subject_id, measured_on=DAY0, systolic_mmhg=120, diastolic_mmhg=80,
            weight_kg=1e308,
        )  # fmt: skip
    assert caught.value.field == "weight_kg"
    assert "20–300 kg" in caught.value.message
    assert _counts(trial) == before


def _lesion(diameter: float, viable: float) -> dict[str, Any]:
    return {
        "lesion_id": "T1", "organ": "liver", "kind": "target", "diameter_mm": diameter,
        "viable_diameter_mm": viable, "enhancing": True,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("lesion", "field"),
    [
        pytest.param(_lesion(1e308, 40), "diameter_mm", id="lesion-1e308-mm"),
        pytest.param(_lesion(30, 35), "viable_diameter_mm", id="viable-above-whole"),
    ],
)
def test_implausible_tumour_measures_are_refused(
    trial: Database, lesion: dict[str, Any], field: str
) -> None:
    subject_id = _randomized(trial)
    before = _counts(trial)
    with pytest.raises(InputError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=DAY0 - timedelta(1), lesions=[lesion]
        )
    assert caught.value.field == field
    assert _counts(trial) == before


def test_a_baseline_without_lesions_is_not_adequate(trial: Database) -> None:
    subject_id = _randomized(trial)
    move_clock(trial, DAY0 + timedelta(60))
    with unit_of_work(trial, "inv_tj") as ctx:
        baseline = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=DAY0 - timedelta(1), lesions=[],
            non_target_status="present",
        )  # fmt: skip
        later = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=DAY0 + timedelta(49), lesions=[],
            non_target_status="present",
        )  # fmt: skip
    with trial.sessions() as session:
        assert session.get_one(tables.TumourAssessment, baseline.id).adequate is False
        assert session.get_one(tables.TumourAssessment, later.id).adequate is False


def test_a_baseline_with_a_target_is_adequate(trial: Database) -> None:
    subject_id = _randomized(trial)
    with unit_of_work(trial, "inv_tj") as ctx:
        baseline = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=DAY0 - timedelta(1), lesions=[_lesion(40, 40)]
        )
    with trial.sessions() as session:
        assert session.get_one(tables.TumourAssessment, baseline.id).adequate is True


def test_one_treatment_visit_a_day(trial: Database) -> None:
    subject_id = _randomized(trial)
    move_clock(trial, DAY0 + timedelta(60))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_visit(
            ctx, subject_id=subject_id, visit_type="treatment", actual_date=DAY0 + timedelta(56)
        )
    before = _counts(trial)
    with pytest.raises(ConflictError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        record_visit(
            ctx, subject_id=subject_id, visit_type="treatment", actual_date=DAY0 + timedelta(56)
        )
    assert caught.value.field == "actual_date"
    assert "one treatment visit a day" in caught.value.message
    assert _counts(trial) == before


@pytest.mark.parametrize(
    ("number", "message"),
    [
        pytest.param(100_000, "must be ≤ 1000", id="visit-100000"),
        pytest.param(HUGE, "must be ≤ 1000", id="beyond-64-bits"),
        pytest.param(3, "cannot have been due yet", id="planned-two-intervals-on"),
    ],
)
def test_a_visit_number_that_cannot_have_been_due_is_refused(
    trial: Database, number: int, message: str
) -> None:
    subject_id = _randomized(trial)
    move_clock(trial, DAY0 + timedelta(28))
    before = _counts(trial)
    with (
        pytest.raises(InputError, match=message) as caught,
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        record_visit(
            ctx, subject_id=subject_id, visit_type="treatment",
            actual_date=DAY0 + timedelta(28), number=number,
        )  # fmt: skip
    assert caught.value.field == "number"
    assert _counts(trial) == before
    with unit_of_work(trial, "inv_tj") as ctx:  # visit 2 (planned day 56) on day 28: allowed
        visit = record_visit(
            ctx, subject_id=subject_id, visit_type="treatment", actual_date=DAY0 + timedelta(28),
            number=2,
        )  # fmt: skip
    assert visit.in_window is False


_HUGE_ID_CALLS: dict[str, tuple[str, Callable[[ServiceContext], object]]] = {
    "answer": ("inv_tj", lambda ctx: answer_query(ctx, query_id=HUGE, answer="x")),
    "close": ("monitor", lambda ctx: close_query(ctx, query_id=HUGE, resolution="x")),
    "raise": (
        "monitor",
        lambda ctx: raise_query(
            ctx, table="lab_results", record_id=HUGE, field="value", question="x"
        ),
    ),
    "correct": (
        "inv_tj",
        lambda ctx: correct_value(
            ctx, table="lab_results", record_id=HUGE, field="value", value="1", reason="x"
        ),
    ),
}


@pytest.mark.parametrize(
    ("call", "field"),
    [
        pytest.param("answer", "query_id", id="answer-query"),
        pytest.param("close", "query_id", id="close-query"),
        pytest.param("raise", "record_id", id="raise-query"),
        pytest.param("correct", "record_id", id="correct"),
    ],
)
def test_ids_beyond_64_bits_are_input_errors(trial: Database, call: str, field: str) -> None:
    before = _counts(trial)
    user, action = _HUGE_ID_CALLS[call]
    with pytest.raises(InputError) as caught, unit_of_work(trial, user) as ctx:
        action(ctx)
    assert caught.value.field == field
    assert "9223372036854775807" in caught.value.message
    assert _counts(trial) == before


@pytest.mark.parametrize(
    ("closer", "allowed"),
    [
        pytest.param("monitor", True, id="the-monitor-who-raised-it"),
        pytest.param("monitor2", False, id="another-monitor"),
        pytest.param("dm", True, id="a-data-manager"),
        pytest.param("admin", True, id="an-administrator"),
    ],
)
def test_a_monitor_closes_only_the_queries_they_raised(
    trial: Database, closer: str, allowed: bool
) -> None:
    subject_id = _randomized(trial)
    with unit_of_work(trial, "admin") as ctx:
        add_user(ctx, username="monitor2", role="monitor")
        add_user(ctx, username="dm", role="data_manager")
    with unit_of_work(trial, "inv_tj") as ctx:
        lab = record_lab(
            ctx, subject_id=subject_id, analyte="ast", value=80, unit="U/L", uln=40,
            collected_on=DAY0,
        )  # fmt: skip
    with unit_of_work(trial, "monitor") as ctx:
        query = raise_query(
            ctx, table="lab_results", record_id=lab.id, field="value", question="repeat?"
        )
    if not allowed:
        with pytest.raises(PermissionDeniedError) as caught, unit_of_work(trial, closer) as ctx:
            close_query(ctx, query_id=query.id, resolution="withdrawn")
        assert caught.value.field == "query_id"
        assert "raised by 'monitor'" in caught.value.message
        with trial.sessions() as session:
            assert session.get_one(tables.DataQuery, query.id).status == "open"
        return
    with unit_of_work(trial, closer) as ctx:
        assert close_query(ctx, query_id=query.id, resolution="withdrawn").status == "closed"
