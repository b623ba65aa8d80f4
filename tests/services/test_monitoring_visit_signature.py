"""A visit's signature covers every row of that visit, on SQLite and PostgreSQL: the visit and the
laboratory results, vital signs, adverse events (with their study drugs), tumour assessments
(with their lesions) and doses dated in its reporting period (after the subject's previous
visit, up to its day). A correction of any of them, a new entry in the period, an entry moved
into it and a new visit that splits it void the signature, naming the change; a row changed
behind the application is reported by ``audit verify``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from metsor.services.casebook import (
    correct_value,
    record_adverse_event,
    record_dose,
    record_lab,
    record_tumour_assessment,
    record_visit,
    record_vital_signs,
)
from metsor.services.context import Database, unit_of_work
from metsor.services.monitoring.signatures import SignatureView, list_signatures, sign_casebook
from metsor.services.reports import verify_audit
from metsor.services.users import reset_password
from metsor.store.models import casebook as tables
from metsor.store.models.monitoring import Signature

from .conftest import CONSENTED_ON, enroll, move_clock

PASSWORD = "correct horse battery"

BASELINE_LESIONS = [
    {"lesion_id": "T1", "organ": "liver", "kind": "target", "diameter_mm": 40.0,
     "viable_diameter_mm": 40.0, "enhancing": True},
    {"lesion_id": "N1", "organ": "peritoneum", "kind": "non_target", "diameter_mm": None},
]  # fmt: skip
FOLLOW_UP_LESIONS = [
    {"lesion_id": "T1", "organ": "liver", "kind": "target", "diameter_mm": 38.0,
     "viable_diameter_mm": 20.0, "enhancing": True},
]  # fmt: skip


class Course:
    """A subject with a baseline visit and a treatment visit on day 49 with its rows."""

    def __init__(self, trial: Database) -> None:
        with unit_of_work(trial, "admin") as ctx:
            reset_password(ctx, "inv_tj", password=PASSWORD)
        subject_id, result = enroll(trial, "inv_tj", randomize=True)
        assert result is not None
        day0 = result.randomized_at.date()
        drugs = [d for d in ("sorafenib", "metformin") if d in result.arm.split("_")]
        move_clock(trial, day0 + timedelta(90))
        with unit_of_work(trial, "inv_tj") as ctx:
            baseline = record_visit(ctx, subject_id=subject_id, visit_type="baseline",
                                    actual_date=CONSENTED_ON + timedelta(3))  # fmt: skip
            self.baseline_lab = record_lab(ctx, subject_id=subject_id, analyte="albumin",
                                           value=38, unit="g/L",
                                           collected_on=CONSENTED_ON + timedelta(3)).id  # fmt: skip
            record_tumour_assessment(ctx, subject_id=subject_id, lesions=BASELINE_LESIONS,
                                     assessed_on=CONSENTED_ON + timedelta(3))  # fmt: skip
            self.dose = record_dose(ctx, subject_id=subject_id, drug="sorafenib", event="start",
                                    event_date=day0).id  # fmt: skip
            self.adverse_event = record_adverse_event(
                ctx, subject_id=subject_id, term="hand-foot skin reaction", grade=2,
                onset_date=day0 + timedelta(20), relatedness=dict.fromkeys(drugs, "probable"),
                action_taken=dict.fromkeys(drugs, "dose_not_changed"),
            ).id  # fmt: skip
            visit = record_visit(ctx, subject_id=subject_id, visit_type="treatment",
                                 actual_date=day0 + timedelta(49))  # fmt: skip
            self.lab = record_lab(ctx, subject_id=subject_id, analyte="albumin", value=36,
                                  unit="g/L", collected_on=day0 + timedelta(49)).id  # fmt: skip
            self.vitals = record_vital_signs(ctx, subject_id=subject_id, systolic_mmhg=132,
                                             diastolic_mmhg=84,
                                             measured_on=day0 + timedelta(49)).id  # fmt: skip
            scan = record_tumour_assessment(ctx, subject_id=subject_id,
                                            lesions=FOLLOW_UP_LESIONS,
                                            non_target_status="absent",
                                            assessed_on=day0 + timedelta(49))  # fmt: skip
        self.trial, self.subject_id, self.day0 = trial, subject_id, day0
        self.baseline, self.visit, self.scan = baseline.id, visit.id, scan.id
        with trial.sessions() as session:
            self.lesion = session.scalars(
                select(tables.TumourLesion.id).where(tables.TumourLesion.assessment_id == scan.id)
            ).one()

    def sign(self) -> SignatureView:
        """The investigator signs the treatment visit."""
        return sign_casebook(self.trial, acting_user="inv_tj", user_id="inv_tj",
                             password=PASSWORD, subject_id=self.subject_id, visit_id=self.visit,
                             printed_name="Dr Li Wei")  # fmt: skip

    def signed_rows(self, signature: SignatureView) -> set[str]:
        with self.trial.sessions() as session:
            return set(session.get(Signature, signature.id).signed_rows)  # type: ignore[union-attr]

    def correct(self, table: str, record_id: int, field: str, value: Any) -> None:
        with unit_of_work(self.trial, "coord_tj") as ctx:
            correct_value(ctx, table=table, record_id=record_id, field=field, value=value,
                          reason="source document re-read")  # fmt: skip

    def signature(self, signature: SignatureView) -> SignatureView:
        with unit_of_work(self.trial, "inv_tj", readonly=True) as ctx:
            (found,) = [s for s in list_signatures(ctx, self.subject_id) if s.id == signature.id]
        return found


@pytest.fixture
def course(trial: Database) -> Course:
    return Course(trial)


def test_a_visit_signature_covers_every_row_of_its_visit(course: Course) -> None:
    signature = course.sign()
    rows = course.signed_rows(signature)
    assert {
        f"visits:{course.visit}", f"lab_results:{course.lab}", f"vital_signs:{course.vitals}",
        f"adverse_events:{course.adverse_event}", f"tumour_assessments:{course.scan}",
        f"tumour_lesions:{course.lesion}", f"dose_events:{course.dose}",
    } <= rows  # fmt: skip
    assert {row.split(":")[0] for row in rows} == {
        "visits", "lab_results", "vital_signs", "adverse_events", "adverse_event_drugs",
        "tumour_assessments", "tumour_lesions", "dose_events",
    }  # fmt: skip
    assert f"visits:{course.baseline}" not in rows
    assert f"lab_results:{course.baseline_lab}" not in rows  # the baseline visit's
    assert signature.rows == len(rows)


@pytest.mark.parametrize(
    ("table", "attribute", "field", "value", "label"),
    [
        ("lab_results", "lab", "value", 33, "lab"),
        ("vital_signs", "vitals", "systolic_mmhg", 142, "vital signs"),
        ("adverse_events", "adverse_event", "grade", 3, "adverse event"),
        ("tumour_lesions", "lesion", "diameter_mm", 36.0, "tumour lesion"),
        ("dose_events", "dose", "reason", "started on the day of randomization", "dose"),
    ],
)
def test_a_correction_of_any_row_of_the_visit_voids_its_signature(
    course: Course, table: str, attribute: str, field: str, value: Any, label: str
) -> None:
    signature = course.sign()
    record_id = getattr(course, attribute)
    course.correct(table, record_id, field, value)
    voided = course.signature(signature)
    assert voided.status == "voided"
    assert f"voided by the correction of {label} {record_id}" in (voided.voided_because or "")
    assert "source document re-read" in (voided.voided_because or "")
    assert "VOID" in voided.manifest()
    again = course.sign()
    assert again.status == "valid"
    with unit_of_work(course.trial, "admin", readonly=True) as ctx:
        assert verify_audit(ctx).intact


def test_a_lesion_correction_names_the_assessment_it_belongs_to(course: Course) -> None:
    signature = course.sign()
    course.correct("tumour_lesions", course.lesion, "diameter_mm", 36.0)
    because = course.signature(signature).voided_because or ""
    with course.trial.sessions() as session:
        number = session.get(tables.Visit, course.visit).number  # type: ignore[union-attr]
    scan_day = course.day0 + timedelta(49)
    assert (
        f"voided by the correction of tumour lesion {course.lesion} (T1) of the tumour "
        f"assessment {course.scan} of {scan_day} (treatment visit {number}) (diameter_mm)"
    ) in because


def test_new_and_moved_entries_void_the_signature_of_the_visit_they_enter(course: Course) -> None:
    signature = course.sign()
    day0, subject_id = course.day0, course.subject_id
    with unit_of_work(course.trial, "coord_tj") as ctx:  # after the visit: not its row
        later = record_lab(ctx, subject_id=subject_id, analyte="albumin", value=35, unit="g/L",
                           collected_on=day0 + timedelta(60)).id  # fmt: skip
    assert course.signature(signature).status == "valid"
    course.correct("lab_results", later, "collected_on", (day0 + timedelta(45)).isoformat())
    moved = course.signature(signature)
    assert moved.status == "voided"
    assert f"voided by the correction of lab {later} (collected_on)" in (moved.voided_because or "")
    signature = course.sign()
    assert f"lab_results:{later}" in course.signed_rows(signature)
    with unit_of_work(course.trial, "coord_tj") as ctx:
        record_lab(ctx, subject_id=subject_id, analyte="total_bilirubin", value=14,
                   unit="umol/L", uln=21, collected_on=day0 + timedelta(40))  # fmt: skip
    new = course.signature(signature)
    assert new.status == "voided"
    assert "voided by the entry of a new lab" in (new.voided_because or "")
    signature = course.sign()
    with unit_of_work(course.trial, "coord_tj") as ctx:  # splits the visit's period
        record_visit(ctx, subject_id=subject_id, visit_type="unscheduled",
                     actual_date=day0 + timedelta(30))  # fmt: skip
    split = course.signature(signature)
    assert split.status == "voided"
    assert "voided by the entry of a new visit" in (split.voided_because or "")
    again = course.sign()
    assert f"lab_results:{later}" in course.signed_rows(again)
    assert f"adverse_events:{course.adverse_event}" not in course.signed_rows(again)
    with unit_of_work(course.trial, "admin", readonly=True) as ctx:
        assert verify_audit(ctx).intact


@pytest.mark.parametrize(
    ("statement", "attribute"),
    [
        ("UPDATE adverse_events SET grade = 3 WHERE id = :id", "adverse_event"),
        ("UPDATE tumour_lesions SET diameter_mm = 30 WHERE id = :id", "lesion"),
        ("UPDATE dose_events SET reason = 'edited' WHERE id = :id", "dose"),
        ("UPDATE lab_results SET collected_on = :day WHERE id = :id", "baseline_lab"),
    ],
)
def test_audit_verify_reports_a_visit_signature_whose_rows_were_edited_behind_it(
    course: Course, statement: str, attribute: str
) -> None:
    signature = course.sign()
    day: date = course.day0 + timedelta(10)  # moves the baseline lab into the visit's period
    with course.trial.engine.begin() as connection:
        connection.execute(text(statement), {"id": getattr(course, attribute), "day": day})
    with unit_of_work(course.trial, "admin", readonly=True) as ctx:
        report = verify_audit(ctx)
    assert not report.intact
    assert any(p.kind == "signature" and p.record_id == str(signature.id) for p in report.problems)
