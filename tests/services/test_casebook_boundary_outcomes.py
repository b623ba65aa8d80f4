"""The boundary of dosing, death, withdrawal, new anticancer therapy and tumour assessment
entries: a wrong type, code, date or bound is refused naming the field, with nothing written;
what a service returns is a frozen record, and changing it cannot change the database."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from metsor.errors import InputError
from metsor.services.casebook import (
    record_anticancer_therapy,
    record_death,
    record_dose,
    record_tumour_assessment,
    record_withdrawal,
)
from metsor.services.casebook.tumour import MAX_LESIONS
from metsor.services.context import Database, unit_of_work
from metsor.store.models import casebook as tables

from .builders import BASELINE_LESIONS, counts, lesions
from .conftest import DAY0, enroll, move_clock

Entry = Callable[..., Any]

_DOSE = {"drug": "sorafenib", "event": "start", "event_date": DAY0}
_DEATH = {"death_date": DAY0 + timedelta(30), "cause": "unknown"}
_WITHDRAWAL = {"kind": "consent_withdrawn", "withdrawn_on": DAY0 + timedelta(30), "reason": "x"}
_THERAPY = {"name": "TACE", "category": "locoregional", "started_on": DAY0 + timedelta(30)}
_SCAN = {"assessed_on": DAY0 - timedelta(1), "lesions": BASELINE_LESIONS}


def _lesion(**changes: Any) -> list[dict[str, Any]]:
    return [{**BASELINE_LESIONS[0], **changes}, *BASELINE_LESIONS[1:]]


REFUSED = [
    pytest.param(record_dose, _DOSE, {"event": "stop"}, "event", None, id="dose-event-code"),
    pytest.param(record_dose, _DOSE, {"event_date": "2026-13-01"}, "event_date", None,
                 id="dose-date-malformed"),
    pytest.param(record_dose, _DOSE, {"event_date": datetime(2026, 3, 2, 9)}, "event_date", None,
                 id="dose-date-and-time"),
    pytest.param(record_dose, _DOSE, {"drug": "x" * 33}, "drug", None, id="dose-drug-too-long"),
    pytest.param(record_dose, _DOSE, {"level": 400}, "level", None, id="dose-level-type"),
    pytest.param(record_dose, _DOSE, {"egfr_override": "  "}, "egfr_override", None,
                 id="dose-override-blank"),
    pytest.param(record_dose, _DOSE, {"event": "interrupt", "reason": " "}, "reason", None,
                 id="dose-reason-required"),
    pytest.param(record_death, _DEATH, {"cause": "old_age"}, "cause", None, id="death-cause-code"),
    pytest.param(record_death, _DEATH, {"death_date": "tomorrow"}, "death_date", None,
                 id="death-date-malformed"),
    pytest.param(record_death, _DEATH, {"cause_detail": "x" * 4001}, "cause_detail", None,
                 id="death-detail-too-long"),
    pytest.param(record_death, _DEATH, {"cause_detail": 5}, "cause_detail", None,
                 id="death-detail-type"),
    pytest.param(record_withdrawal, _WITHDRAWAL, {"kind": "moved"}, "kind", None,
                 id="withdrawal-kind-code"),
    pytest.param(record_withdrawal, _WITHDRAWAL, {"reason": "  "}, "reason", None,
                 id="withdrawal-reason-blank"),
    pytest.param(record_withdrawal, _WITHDRAWAL, {"last_contact_date": "2026-02-30"},
                 "last_contact_date", None, id="withdrawal-last-contact-malformed"),
    pytest.param(record_anticancer_therapy, _THERAPY, {"name": ""}, "name", None,
                 id="therapy-name-blank"),
    pytest.param(record_anticancer_therapy, _THERAPY, {"name": "x" * 129}, "name", None,
                 id="therapy-name-too-long"),
    pytest.param(record_anticancer_therapy, _THERAPY, {"category": "herbal"}, "category", None,
                 id="therapy-category-code"),
    pytest.param(record_anticancer_therapy, _THERAPY, {"ended_on": "soon"}, "ended_on", None,
                 id="therapy-end-malformed"),
    pytest.param(record_tumour_assessment, _SCAN, {"method": "PET"}, "method", None,
                 id="tumour-method-code"),
    pytest.param(record_tumour_assessment, _SCAN, {"non_target_status": "gone"},
                 "non_target_status", None, id="tumour-non-target-code"),
    pytest.param(record_tumour_assessment, _SCAN, {"new_lesion": "perhaps"}, "new_lesion", None,
                 id="tumour-new-lesion-type"),
    pytest.param(record_tumour_assessment, _SCAN, {"assessed_on": "2026-03-01T10:00"},
                 "assessed_on", None, id="tumour-date-and-time"),
    pytest.param(record_tumour_assessment, _SCAN,
                 {"lesions": BASELINE_LESIONS * (MAX_LESIONS // 3 + 1)}, "lesions", None,
                 id="tumour-too-many-lesions"),
    pytest.param(record_tumour_assessment, _SCAN, {"lesions": _lesion(kind="tgt")}, "kind", 1,
                 id="tumour-lesion-kind-code"),
    pytest.param(record_tumour_assessment, _SCAN, {"lesions": _lesion(diameter_mm=-3)},
                 "diameter_mm", 1, id="tumour-lesion-negative"),
    pytest.param(record_tumour_assessment, _SCAN, {"lesions": _lesion(diameter_mm=True)},
                 "diameter_mm", 1, id="tumour-lesion-bool-as-length"),
    pytest.param(record_tumour_assessment, _SCAN, {"lesions": _lesion(organ=" ")}, "organ", 1,
                 id="tumour-lesion-organ-blank"),
    pytest.param(record_tumour_assessment, _SCAN, {"lesions": _lesion(colour="red")}, "colour",
                 1, id="tumour-lesion-unknown-field"),
    pytest.param(record_tumour_assessment, _SCAN,
                 {"lesions": _lesion(viable_diameter_mm=45.0)}, "viable_diameter_mm", 1,
                 id="tumour-lesion-viable-above-whole"),
]  # fmt: skip


@pytest.fixture
def subject(trial: Database) -> str:
    """A subject randomized on DAY0, the trial's today 100 days later."""
    subject_id, result = enroll(trial, randomize=True)
    assert result is not None
    assert result.randomized_at.date() == DAY0
    move_clock(trial, DAY0 + timedelta(100))
    return subject_id


@pytest.mark.parametrize(("service", "valid", "wrong", "field", "row"), REFUSED)
def test_a_wrong_value_is_refused_naming_its_field_with_nothing_written(
    trial: Database,
    subject: str,
    service: Entry,
    valid: dict[str, Any],
    wrong: dict[str, Any],
    field: str,
    row: int | None,
) -> None:
    before = counts(trial)
    with pytest.raises(InputError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        service(ctx, subject_id=subject, **{**valid, **wrong})
    assert (caught.value.field, caught.value.row) == (field, row), caught.value
    assert counts(trial) == before


def test_what_is_returned_is_frozen_and_detached(trial: Database, subject: str) -> None:
    with unit_of_work(trial, "inv_tj") as ctx:
        dose = record_dose(ctx, subject_id=subject, **_DOSE)
        baseline = record_tumour_assessment(ctx, subject_id=subject, **_SCAN)
        scan = record_tumour_assessment(
            ctx, subject_id=subject, assessed_on=DAY0 + timedelta(49),
            lesions=lesions((38, 20), (30, 15)),
        )  # fmt: skip
        therapy = record_anticancer_therapy(ctx, subject_id=subject, **_THERAPY)
        later = {"withdrawn_on": DAY0 + timedelta(60), "death_date": DAY0 + timedelta(70)}
        withdrawal = record_withdrawal(
            ctx, subject_id=subject, **{**_WITHDRAWAL, "withdrawn_on": later["withdrawn_on"]}
        )
        death = record_death(
            ctx, subject_id=subject, death_date=later["death_date"], cause="unknown",
            cause_detail="  liver ",
        )  # fmt: skip
    assert (dose.level, dose.dose_mg, dose.frequency) == ("400mg_bid", 400.0, "BID")
    assert (scan.recist_response, scan.mrecist_response, scan.adequate) == ("SD", "PR", True)
    assert [lesion.lesion_id for lesion in baseline.lesions] == ["T1", "T2", "N1"]
    assert death.cause_detail == "liver"  # stripped, as entered
    assert scan.to_dict()["lesions"][0]["viable_diameter_mm"] == 20.0
    changes: list[tuple[object, str, object]] = [
        (dose, "level", "200mg_bid"),
        (scan, "recist_response", "PD"),
        (scan.lesions[0], "diameter_mm", 99.0),
        (therapy, "name", "sorafenib"),
        (withdrawal, "kind", "other"),
        (death, "cause", "other"),
    ]
    for record, name, value in changes:
        with pytest.raises(FrozenInstanceError):
            setattr(record, name, value)
    changed = dataclasses.replace(death, cause="other")
    assert changed.cause == "other"
    with trial.sessions() as session:
        stored = session.get_one(tables.Death, death.id)
        lesion = session.scalars(
            select(tables.TumourLesion).where(tables.TumourLesion.assessment_id == scan.id)
        ).first()
        assessment = session.get_one(tables.TumourAssessment, scan.id)
        assert stored.cause == "unknown"
        assert lesion is not None
        assert lesion.diameter_mm == 38.0
        assert assessment.recist_response == "SD"
        assert session.get_one(tables.DoseEvent, dose.id).level == "400mg_bid"


def test_a_blank_optional_day_is_none(trial: Database, subject: str) -> None:
    with unit_of_work(trial, "inv_tj") as ctx:
        therapy = record_anticancer_therapy(ctx, subject_id=subject, **_THERAPY, ended_on=" ")
    assert therapy.ended_on is None
    assert isinstance(therapy.started_on, date)
