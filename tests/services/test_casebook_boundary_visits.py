"""The boundary of the visit, laboratory, vital-sign, adverse-event and visit-page services:
what they are given is checked by their input model before anything is read (a wrong type,
code, date or bound refused naming the field, nothing written), and what they return is a
frozen record that cannot change the database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from metsor.errors import InputError, MetsorError
from metsor.services.casebook import (
    correct_value,
    record_adverse_event,
    record_lab,
    record_lab_panel,
    record_visit,
    record_visit_page,
    record_vital_signs,
)
from metsor.services.context import Database, ServiceContext, unit_of_work
from metsor.store.models import casebook as tables

from .conftest import enroll, move_clock

Entry = Callable[[ServiceContext, str, date, tuple[str, ...]], Any]

LAB = {"analyte": "ast", "value": 130.0, "unit": "U/L", "uln": 40.0}
VITALS = {"systolic_mmhg": 150, "diastolic_mmhg": 90, "weight_kg": 70.5, "ecog": 1}


def _visit(
    ctx: ServiceContext, subject_id: str, on: date, _: tuple[str, ...], **change: Any
) -> Any:
    fields = {"visit_type": "treatment", "actual_date": on, "number": 1, **change}
    return record_visit(ctx, subject_id=subject_id, **fields)


def _lab(ctx: ServiceContext, subject_id: str, on: date, _: tuple[str, ...], **change: Any) -> Any:
    return record_lab(ctx, subject_id=subject_id, **{"collected_on": on, **LAB, **change})


def _panel(
    ctx: ServiceContext, subject_id: str, on: date, _: tuple[str, ...], **change: Any
) -> Any:
    fields = {"collected_on": on, "results": [LAB], **change}
    return record_lab_panel(ctx, subject_id=subject_id, **fields)


def _vitals(
    ctx: ServiceContext, subject_id: str, on: date, _: tuple[str, ...], **change: Any
) -> Any:
    fields = {"measured_on": on, **VITALS, **change}
    return record_vital_signs(ctx, subject_id=subject_id, **fields)


def _event_fields(on: date, drugs: tuple[str, ...], **change: Any) -> dict[str, Any]:
    return {
        "term": "Diarrhea",
        "grade": 2,
        "onset_date": on,
        "relatedness": dict.fromkeys(drugs, "possible"),
        "action_taken": dict.fromkeys(drugs, "dose_not_changed"),
        **change,
    }


def _event(
    ctx: ServiceContext, subject_id: str, on: date, drugs: tuple[str, ...], **change: Any
) -> Any:
    return record_adverse_event(ctx, subject_id=subject_id, **_event_fields(on, drugs, **change))


def _page(
    ctx: ServiceContext, subject_id: str, on: date, drugs: tuple[str, ...], **change: Any
) -> Any:
    fields: dict[str, Any] = {
        "visit_type": "treatment",
        "actual_date": on,
        "number": 1,
        "labs": [LAB],
        "vital_signs": VITALS,
        "adverse_events": [_event_fields(on, drugs)],
        **change,
    }
    return record_visit_page(ctx, subject_id=subject_id, **fields)


def _first_drug(fields: dict[str, Any], drugs: tuple[str, ...]) -> dict[str, Any]:
    """``fields`` with ``{drug}`` in a key or a mapping's key read as the arm's first drug."""
    return {
        key.replace("{drug}", drugs[0]): (
            {k.replace("{drug}", drugs[0]): v for k, v in value.items()}
            if isinstance(value, dict)
            else value
        )
        for key, value in fields.items()
    }


ENTRIES: dict[str, Callable[..., Any]] = {
    "visit": _visit,
    "lab": _lab,
    "panel": _panel,
    "vitals": _vitals,
    "event": _event,
    "page": _page,
}

CLINICAL = (
    tables.Visit,
    tables.LabResult,
    tables.VitalSigns,
    tables.AdverseEvent,
)


def randomized(database: Database) -> tuple[str, date, tuple[str, ...]]:
    """A randomized subject, the day of randomization and the arm's study drugs."""
    subject_id, result = enroll(database, "inv_tj", randomize=True)
    assert result is not None
    with unit_of_work(database, "inv_tj") as ctx:
        drugs = tuple(drug.code for drug in ctx.protocol.drugs_of(result.arm))
    move_clock(database, result.randomized_at.date() + timedelta(60))
    return subject_id, result.randomized_at.date(), drugs


def stored(database: Database, subject_id: str) -> tuple[int, ...]:
    """How many visits, results, vital signs, adverse events and per-drug rows there are."""
    with database.sessions() as session:
        counts = [
            session.scalar(
                select(func.count()).select_from(table).where(table.subject_id == subject_id)
            )
            or 0
            for table in CLINICAL
        ]
        counts.append(session.scalar(select(func.count(tables.AdverseEventDrug.id))) or 0)
    return tuple(counts)


@pytest.mark.parametrize(
    ("entry", "change", "field"),
    [
        pytest.param("visit", {"visit_type": "weekly"}, "visit_type", id="visit-type"),
        pytest.param("visit", {"actual_date": "2016-13-01"}, "actual_date", id="visit-date"),
        pytest.param(
            "visit", {"actual_date": datetime(2016, 3, 1, 9)}, "actual_date", id="visit-datetime"
        ),
        pytest.param("visit", {"number": -1}, "number", id="visit-number-negative"),
        pytest.param("visit", {"number": 1001}, "number", id="visit-number-above-max"),
        pytest.param("visit", {"number": True}, "number", id="visit-number-bool"),
        pytest.param("visit", {"number": "first"}, "number", id="visit-number-text"),
        pytest.param("lab", {"analyte": "unobtainium"}, "analyte", id="lab-analyte"),
        pytest.param("lab", {"unit": "furlongs"}, "unit", id="lab-unit"),
        pytest.param("lab", {"value": "high"}, "value", id="lab-value-text"),
        pytest.param("lab", {"value": float("inf")}, "value", id="lab-value-infinite"),
        pytest.param("lab", {"value": -1.0}, "value", id="lab-value-negative"),
        pytest.param("lab", {"value": 1e6}, "value", id="lab-value-implausible"),
        pytest.param("lab", {"uln": -40.0}, "uln", id="lab-uln-negative"),
        pytest.param("lab", {"lln": 50.0}, "lln", id="lab-lln-above-uln"),
        pytest.param("lab", {"ctcae_version": "4.0"}, "ctcae_version", id="lab-ctcae-version"),
        pytest.param("lab", {"collected_on": "yesterday"}, "collected_on", id="lab-date"),
        pytest.param("panel", {"results": []}, "results", id="panel-empty"),
        pytest.param("panel", {"results": "ast"}, "results", id="panel-text"),
        pytest.param("panel", {"results": [LAB, LAB]}, "results", id="panel-analyte-twice"),
        pytest.param(
            "panel", {"results": [{**LAB, "colour": "red"}]}, "results.0.colour", id="panel-unknown"
        ),
        pytest.param(
            "panel", {"results": [{**LAB, "unit": "m"}]}, "results.0.unit", id="panel-unit"
        ),
        pytest.param("vitals", {"systolic_mmhg": 400}, "systolic_mmhg", id="vitals-implausible"),
        pytest.param(
            "vitals", {"diastolic_mmhg": 150}, "diastolic_mmhg", id="vitals-diastolic-above"
        ),
        pytest.param(
            "vitals", {"heart_rate_bpm": 72.5}, "heart_rate_bpm", id="vitals-pulse-fraction"
        ),
        pytest.param("vitals", {"temperature_c": "warm"}, "temperature_c", id="vitals-temp-text"),
        pytest.param("vitals", {"ecog": 7}, "ecog", id="vitals-ecog-above"),
        pytest.param("vitals", {"ecog": True}, "ecog", id="vitals-ecog-bool"),
        pytest.param("vitals", {"measured_on": 20160301}, "measured_on", id="vitals-date-number"),
        pytest.param("event", {"term": "  "}, "term", id="event-term-blank"),
        pytest.param("event", {"term": "x" * 129}, "term", id="event-term-long"),
        pytest.param("event", {"grade": 0}, "grade", id="event-grade-zero"),
        pytest.param("event", {"grade": True}, "grade", id="event-grade-bool"),
        pytest.param("event", {"outcome": "cured"}, "outcome", id="event-outcome"),
        pytest.param("event", {"serious": "perhaps"}, "serious", id="event-serious"),
        pytest.param("event", {"onset_date": "2016-02-30"}, "onset_date", id="event-onset"),
        pytest.param(
            "event", {"resolution_date": "soon"}, "resolution_date", id="event-resolution"
        ),
        pytest.param(
            "event",
            {"relatedness": {"{drug}": "maybe"}},
            "relatedness.{drug}",
            id="event-relatedness-code",
        ),
        pytest.param(
            "event",
            {"action_taken": {"{drug}": "halved"}},
            "action_taken.{drug}",
            id="event-action-code",
        ),
        pytest.param(
            "page",
            {"vital_signs": {**VITALS, "systolic_mmhg": 400}},
            "vital_signs.systolic_mmhg",
            id="page-vitals",
        ),
        pytest.param("page", {"labs": [{**LAB, "unit": "m"}]}, "labs.0.unit", id="page-lab-unit"),
        pytest.param("page", {"visit_type": "weekly"}, "visit_type", id="page-visit-type"),
        pytest.param(
            "page",
            {"vital_signs": {**VITALS, "measured_on": "2016-03-01"}},
            "vital_signs",
            id="page-vitals-dated",
        ),
    ],
)
def test_a_wrong_value_is_refused_naming_its_field_and_nothing_is_written(
    trial: Database, entry: str, change: dict[str, Any], field: str
) -> None:
    subject_id, day0, drugs = randomized(trial)
    before = stored(trial, subject_id)
    if entry == "event":  # the drug's code is the arm's
        change, field = _first_drug(change, drugs), field.replace("{drug}", drugs[0])
    with pytest.raises(InputError) as raised, unit_of_work(trial, "inv_tj") as ctx:
        ENTRIES[entry](ctx, subject_id, day0 + timedelta(28), drugs, **change)
    assert raised.value.field == field
    assert stored(trial, subject_id) == before


def test_the_page_names_an_adverse_events_field_by_its_place(trial: Database) -> None:
    subject_id, day0, drugs = randomized(trial)
    on = day0 + timedelta(28)
    events = [_event_fields(on, drugs), _event_fields(on, drugs, term="Fatigue", grade=9)]
    with pytest.raises(InputError) as raised, unit_of_work(trial, "inv_tj") as ctx:
        _page(ctx, subject_id, on, drugs, adverse_events=events)
    assert raised.value.field == "adverse_events.1.grade"
    assert "≤ 5" in raised.value.message


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        pytest.param({"term": "Alopecia", "grade": 3}, "adverse_events.1.grade", "grades 0, 1, 2",
                     id="grade-the-term-lacks"),
        pytest.param({"onset_date": date(2000, 1, 1)}, "adverse_events.1.onset_date", "",
                     id="onset-out-of-order"),
    ],
)  # fmt: skip
def test_the_page_names_an_events_field_its_own_rules_refuse_by_its_place(
    trial: Database, change: dict[str, Any], field: str, words: str
) -> None:
    subject_id, day0, drugs = randomized(trial)
    on = day0 + timedelta(28)
    before = stored(trial, subject_id)
    events = [_event_fields(on, drugs), _event_fields(on, drugs, **change)]
    with pytest.raises(MetsorError) as raised, unit_of_work(trial, "inv_tj") as ctx:
        _page(ctx, subject_id, on, drugs, adverse_events=events)
    assert raised.value.field == field
    assert words in raised.value.message
    assert stored(trial, subject_id) == before


#: What each entry returns, the field the test tries to change, and the stored table and
#: column it must leave as stored.
FROZEN = [
    pytest.param("visit", lambda r: r, "actual_date", tables.Visit, id="visit"),
    pytest.param("lab", lambda r: r, "ctcae_grade", tables.LabResult, id="lab"),
    pytest.param("panel", lambda r: r[0], "value", tables.LabResult, id="panel"),
    pytest.param("vitals", lambda r: r, "hypertension_grade", tables.VitalSigns, id="vitals"),
    pytest.param("event", lambda r: r, "grade", tables.AdverseEvent, id="event"),
    pytest.param("page", lambda r: r.vital_signs, "systolic_mmhg", tables.VitalSigns, id="page"),
]


@pytest.mark.parametrize(("entry", "record_of", "field", "table"), FROZEN)
def test_the_result_is_frozen_and_changing_it_leaves_the_database_as_stored(
    trial: Database, entry: str, record_of: Callable[[Any], Any], field: str, table: Any
) -> None:
    subject_id, day0, drugs = randomized(trial)
    with unit_of_work(trial, "inv_tj") as ctx:
        result = ENTRIES[entry](ctx, subject_id, day0 + timedelta(28), drugs)
        record = record_of(result)
        assert not hasattr(record, "_sa_instance_state")  # not the stored row
        was = getattr(record, field)
        with pytest.raises(FrozenInstanceError):
            setattr(record, field, 3)
        object.__setattr__(record, field, 3 if not isinstance(was, date) else date(2001, 1, 1))
    with trial.sessions() as session:
        assert session.scalar(select(getattr(table, field)).where(table.id == record.id)) == was


def test_an_adverse_events_drug_rows_come_back_frozen(trial: Database) -> None:
    subject_id, day0, drugs = randomized(trial)
    with unit_of_work(trial, "inv_tj") as ctx:
        event = _event(ctx, subject_id, day0 + timedelta(28), drugs)
    assert [(row.drug, row.relatedness) for row in event.drugs] == [
        (drug, "possible") for drug in drugs
    ]
    assert all(row.adverse_event_id == event.id for row in event.drugs)
    with pytest.raises(FrozenInstanceError):
        event.drugs[0].relatedness = "definite"  # type: ignore[misc]
    assert event.to_dict()["drugs"][0]["drug"] == drugs[0]


def test_the_page_returns_frozen_records_of_every_part(trial: Database) -> None:
    subject_id, day0, drugs = randomized(trial)
    with unit_of_work(trial, "inv_tj") as ctx:
        page = _page(ctx, subject_id, day0 + timedelta(28), drugs)
    assert page.records == 4
    assert page.visit.visit_type == "treatment"
    assert page.labs[0].ctcae_grade is not None
    assert page.vital_signs is not None
    assert page.vital_signs.measured_on == page.visit.actual_date
    assert page.adverse_events[0].drugs[0].drug == drugs[0]
    with pytest.raises(FrozenInstanceError):
        page.visit = page.visit  # type: ignore[misc]
    assert page.to_dict()["visit"]["actual_date"] == page.visit.actual_date.isoformat()


@pytest.mark.parametrize(
    ("entry", "table", "field", "value", "record_of"),
    [
        pytest.param("lab", "lab_results", "value", 1e6, lambda r: r.id, id="lab-implausible"),
        pytest.param("lab", "lab_results", "unit", "furlongs", lambda r: r.id, id="lab-unit"),
        pytest.param("vitals", "vital_signs", "ecog", 7, lambda r: r.id, id="vitals-ecog"),
        pytest.param(
            "vitals", "vital_signs", "diastolic_mmhg", 170, lambda r: r.id, id="vitals-diastolic"
        ),
        pytest.param("event", "adverse_events", "outcome", "cured", lambda r: r.id, id="outcome"),
        pytest.param(
            "event",
            "adverse_event_drugs",
            "relatedness",
            "maybe",
            lambda r: r.drugs[0].id,
            id="event-drug-relatedness",
        ),
    ],
)
def test_a_correction_is_checked_by_the_same_input_model(
    trial: Database,
    entry: str,
    table: str,
    field: str,
    value: object,
    record_of: Callable[[Any], int],
) -> None:
    subject_id, day0, drugs = randomized(trial)
    with unit_of_work(trial, "inv_tj") as ctx:
        record_id = record_of(ENTRIES[entry](ctx, subject_id, day0 + timedelta(28), drugs))
    with pytest.raises(InputError) as raised, unit_of_work(trial, "inv_tj") as ctx:
        correct_value(
            ctx, table=table, record_id=record_id, field=field, value=value, reason="typo"
        )
    assert raised.value.field == field


def test_a_corrected_unit_takes_its_accepted_spelling(trial: Database) -> None:
    subject_id, day0, drugs = randomized(trial)
    with unit_of_work(trial, "inv_tj") as ctx:
        lab = _lab(ctx, subject_id, day0 + timedelta(28), drugs, analyte="creatinine",
                   value=1.1, unit="mg/dL", uln=None)  # fmt: skip
    with unit_of_work(trial, "inv_tj") as ctx:
        correct_value(
            ctx, table="lab_results", record_id=lab.id, field="unit", value="MG/DL", reason="case"
        )
    with trial.sessions() as session:
        assert session.get_one(tables.LabResult, lab.id).unit == "mg/dL"


def test_a_blank_resolution_date_is_none_and_a_term_is_stripped(trial: Database) -> None:
    subject_id, day0, drugs = randomized(trial)
    with unit_of_work(trial, "inv_tj") as ctx:
        event = _event(
            ctx, subject_id, day0 + timedelta(28), drugs, term=" Fatigue ", resolution_date=" "
        )
    assert (event.term, event.resolution_date) == ("Fatigue", None)
