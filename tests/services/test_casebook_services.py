"""Casebook services on SQLite and PostgreSQL: entry, grading and responses on entry, date
rules, duplicates, refusals that write nothing, corrections, queries and site isolation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from metsor.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from metsor.services.casebook import (
    answer_query,
    close_query,
    correct_value,
    list_queries,
    raise_query,
    record_adverse_event,
    record_death,
    record_dose,
    record_lab,
    record_tumour_assessment,
    record_visit,
    record_vital_signs,
    record_withdrawal,
)
from metsor.services.casebook.corrections import CorrectionRecord
from metsor.services.casebook.queries import QueryRecord
from metsor.services.context import Database, ServiceContext, unit_of_work
from metsor.store.audit import field_entries
from metsor.store.models import casebook as tables
from metsor.store.models.core import Subject

from .builders import BASELINE_LESIONS, both_drugs, counts, lesions
from .conftest import CONSENTED_ON, enroll, move_clock


def randomized(database: Database, user: str = "inv_tj") -> tuple[str, str, date]:
    """A randomized subject: identifier, arm, randomization date."""
    subject_id, result = enroll(database, user, randomize=True)
    assert result is not None
    return subject_id, result.arm, result.randomized_at.date()


def test_a_course_is_recorded_with_grades_and_responses(trial: Database) -> None:
    subject_id, arm, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(120))
    consent = CONSENTED_ON
    with unit_of_work(trial, "inv_tj") as ctx:
        visit = record_visit(
            ctx, subject_id=subject_id, visit_type="baseline", actual_date=consent + timedelta(3)
        )
        record_lab(
            ctx, subject_id=subject_id, analyte="total_bilirubin", value=15, unit="µmol/L",
            collected_on=consent + timedelta(3), uln=21,
        )  # fmt: skip
        record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=consent + timedelta(4), lesions=BASELINE_LESIONS
        )
    assert visit.planned_date == day0
    assert visit.in_window is True  # baseline window: the 28 days before randomization
    with unit_of_work(trial, "inv_tj") as ctx:
        start = record_dose(
            ctx, subject_id=subject_id, drug="sorafenib", event="start", event_date=day0
        )
        treatment = record_visit(
            ctx, subject_id=subject_id, visit_type="treatment", actual_date=day0 + timedelta(29)
        )
        # CTCAE v5.0 blood bilirubin increased: > 1.5–3.0 × ULN is grade 2 (45 / 21 = 2.14).
        lab = record_lab(
            ctx, subject_id=subject_id, analyte="total_bilirubin", value=45, unit="umol/L",
            collected_on=day0 + timedelta(29), uln=21,
        )  # fmt: skip
        vitals = record_vital_signs(
            ctx, subject_id=subject_id, measured_on=day0 + timedelta(29), systolic_mmhg=152,
            diastolic_mmhg=88, ecog=1,
        )  # fmt: skip
        event = record_adverse_event(
            ctx, subject_id=subject_id, term="hand-foot skin reaction", grade=2,
            onset_date=day0 + timedelta(20), relatedness=both_drugs(arm, "probable"),
            action_taken=both_drugs(arm, "dose_reduced"),
        )  # fmt: skip
        reduce = record_dose(
            ctx, subject_id=subject_id, drug="sorafenib", event="reduce",
            event_date=day0 + timedelta(30), level="400mg_qd", reason="hand-foot skin reaction",
        )  # fmt: skip
        scan = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 + timedelta(49),
            lesions=lesions((38, 20), (30, 15)),
        )  # fmt: skip
    assert (start.level, start.dose_mg, start.frequency) == ("400mg_bid", 400.0, "BID")
    assert (reduce.level, reduce.dose_mg, reduce.frequency) == ("400mg_qd", 400.0, "QD")
    assert (treatment.number, treatment.planned_date, treatment.in_window) == (
        1,
        day0 + timedelta(28),
        True,
    )
    assert (lab.ctcae_term, lab.ctcae_grade, lab.ctcae_version, lab.ctcae_basis) == (
        "Blood bilirubin increased",
        2,
        "5.0",
        "x ULN",
    )
    assert lab.standard_unit == "mg/dL"
    assert lab.standard_value == pytest.approx(45 / 17.1)
    # CTCAE v5.0 hypertension grade 2: systolic 140–159 mm Hg.
    assert vitals.hypertension_grade == 2
    assert event.term == "Palmar-plantar erythrodysesthesia syndrome"
    # RECIST 1.1: 68 mm vs 70 mm baseline is SD; mRECIST: viable 35 vs 70 mm, -50% is PR.
    assert (scan.sum_diameters_mm, scan.sum_viable_diameters_mm) == (68.0, 35.0)
    assert (scan.recist_response, scan.mrecist_response, scan.adequate) == ("SD", "PR", True)
    with unit_of_work(trial, "inv_tj") as ctx:
        death = record_death(
            ctx,
            subject_id=subject_id,
            death_date=day0 + timedelta(100),
            cause="disease_progression",
        )
    with trial.sessions() as session:
        subject = session.get_one(Subject, subject_id)
        assert subject.status == "dead"
        drugs = session.scalars(
            select(tables.AdverseEventDrug).where(
                tables.AdverseEventDrug.adverse_event_id == event.id
            )
        ).all()
        assert {d.drug for d in drugs} == set(both_drugs(arm, "x"))
        audited = [e.field for e in field_entries(session, table="deaths", record_id=str(death.id))]
        assert {"death_date", "cause"} <= set(audited)


def test_labs_are_graded_against_an_abnormal_baseline(trial: Database) -> None:
    """CTCAE v5.0: with a baseline AST above the ULN, grade on multiples of the baseline
    (grade 1 1.5–3.0 × baseline, grade 2 > 3.0–5.0 × baseline)."""
    subject_id, _, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(60))
    with unit_of_work(trial, "inv_tj") as ctx:
        on_study = record_lab(
            ctx, subject_id=subject_id, analyte="ast", value=130, unit="U/L",
            collected_on=day0 + timedelta(28), uln=40,
        )  # fmt: skip
    assert (on_study.ctcae_grade, on_study.ctcae_basis) == (2, "x ULN")  # 3.25 × ULN
    with unit_of_work(trial, "inv_tj") as ctx:
        baseline = record_lab(
            ctx, subject_id=subject_id, analyte="ast", value=80, unit="U/L",
            collected_on=day0 - timedelta(2), uln=40,
        )  # fmt: skip
        later = record_lab(
            ctx, subject_id=subject_id, analyte="ast", value=260, unit="U/L",
            collected_on=day0 + timedelta(56), uln=40,
        )  # fmt: skip
    # the baseline itself: 2 × ULN, grade 1 against the ULN
    assert (baseline.ctcae_grade, baseline.ctcae_basis, baseline.baseline_value) == (
        1,
        "x ULN",
        None,
    )
    # 260 / 80 = 3.25 × baseline → grade 2 (against the ULN it would be 6.5 ×, grade 3)
    assert (later.ctcae_grade, later.ctcae_basis, later.baseline_value) == (2, "x baseline", 80)
    with trial.sessions() as session:
        regraded = session.get_one(tables.LabResult, on_study.id)
        # the late baseline reaches the result entered before it: 130 / 80 = 1.625 → grade 1
        assert (regraded.ctcae_grade, regraded.ctcae_basis) == (1, "x baseline")


def test_mrecist_progression_from_the_nadir_without_recist_progression(trial: Database) -> None:
    """mRECIST (Lencioni & Llovet 2010): PD at ≥ 20% over the nadir of viable diameters, with
    no 5 mm rule; RECIST 1.1 (Eisenhauer 2009) needs ≥ 20% and ≥ 5 mm over the nadir."""
    subject_id, _, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(150))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 - timedelta(5), lesions=BASELINE_LESIONS,
            method="MRI",
        )  # fmt: skip
        first = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 + timedelta(49),
            lesions=lesions((38, 20), (30, 15)),
        )  # fmt: skip
        second = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 + timedelta(98),
            lesions=lesions((40, 25), (30, 18)),
        )  # fmt: skip
        third = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 + timedelta(147),
            lesions=lesions((44, 25), (30, 18)), new_lesion=True,
        )  # fmt: skip
    assert (first.recist_response, first.mrecist_response) == ("SD", "PR")
    # viable 43 vs nadir 35: +22.9% → mRECIST PD; diameters 70 vs nadir 68: +2.9% → SD
    assert (second.recist_response, second.mrecist_response) == ("SD", "PD")
    assert (third.recist_response, third.mrecist_response) == ("PD", "PD")


def _ctx_call(database: Database, user: str, call: Callable[[ServiceContext], object]) -> None:
    with unit_of_work(database, user) as ctx:
        call(ctx)


def test_refusals_name_the_field_and_write_nothing(trial: Database) -> None:
    subject_id, arm, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(70))
    other_arm_drug = "metformin" if "metformin" not in arm else None
    with unit_of_work(trial, "inv_tj") as ctx:
        record_dose(ctx, subject_id=subject_id, drug="sorafenib", event="start", event_date=day0)
        record_lab(
            ctx, subject_id=subject_id, analyte="alt", value=50, unit="U/L",
            collected_on=day0 + timedelta(1), uln=40,
        )  # fmt: skip
        record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 - timedelta(1), lesions=BASELINE_LESIONS
        )
    s = subject_id
    cases: list[tuple[Callable[[ServiceContext], object], type[Exception], str]] = [
        # before consent
        (lambda c: record_visit(c, subject_id=s, visit_type="unscheduled",
                                actual_date=date(2026, 1, 1)), ConflictError, "actual_date"),
        # a baseline visit after randomization
        (lambda c: record_visit(c, subject_id=s, visit_type="baseline",
                                actual_date=day0 + timedelta(2)), ConflictError, "actual_date"),
        # a treatment dose before randomization
        (lambda c: record_dose(c, subject_id=s, drug="sorafenib", event="reduce", level="400mg_qd",
                               reason="toxicity", event_date=day0 - timedelta(1)),
         ConflictError, "event_date"),
        # the label's levels: no jump from 400 mg BID to 200 mg QD
        (lambda c: record_dose(c, subject_id=s, drug="sorafenib", event="reduce", level="200mg_qd",
                               reason="toxicity", event_date=day0 + timedelta(9)),
         ConflictError, "level"),
        (lambda c: record_dose(c, subject_id=s, drug="sorafenib", event="interrupt",
                               event_date=day0 + timedelta(9)), InputError, "reason"),
        (lambda c: record_lab(c, subject_id=s, analyte="alt", value=70, unit="U/L", uln=40,
                              collected_on=day0 + timedelta(1)), ConflictError, "collected_on"),
        (lambda c: record_lab(c, subject_id=s, analyte="alt", value=70, unit="mg/dL",
                              collected_on=day0 + timedelta(2)), InputError, "unit"),
        (lambda c: record_lab(c, subject_id=s, analyte="ast", value=70, unit="U/L",
                              collected_on=day0 + timedelta(2)), InputError, "uln"),
        (lambda c: record_vital_signs(c, subject_id=s, measured_on=day0, systolic_mmhg=80,
                                      diastolic_mmhg=90), InputError, "diastolic_mmhg"),
        (lambda c: record_adverse_event(c, subject_id=s, term="Diarrhea", grade=5,
                                        onset_date=day0 + timedelta(3),
                                        relatedness=both_drugs(arm, "possible"),
                                        action_taken=both_drugs(arm, "dose_not_changed")),
         InputError, "grade"),
        (lambda c: record_adverse_event(c, subject_id=s, term="Fatigue", grade=2,
                                        onset_date=day0 + timedelta(3), relatedness={},
                                        action_taken=both_drugs(arm, "dose_not_changed")),
         InputError, "relatedness.sorafenib"),
        (lambda c: record_tumour_assessment(c, subject_id=s, assessed_on=day0 - timedelta(3),
                                            lesions=BASELINE_LESIONS),
         ConflictError, "assessed_on"),
        # a follow-up target that was not a baseline target
        (lambda c: record_tumour_assessment(
            c, subject_id=s, assessed_on=day0 + timedelta(50),
            lesions=[*lesions((38, 20), (30, 15)),
                     {"lesion_id": "T9", "organ": "lung", "kind": "target", "diameter_mm": 12}]),
         InputError, "lesions"),
        (lambda c: record_death(c, subject_id=s, death_date=day0 - timedelta(1), cause="other"),
         ConflictError, "death_date"),
        # a death before data already recorded
        (lambda c: record_death(c, subject_id=s, death_date=day0, cause="other"),
         ConflictError, "death_date"),
        (lambda c: record_withdrawal(c, subject_id=s, kind="moved", withdrawn_on=day0,
                                     reason="moved away"), InputError, "kind"),
    ]  # fmt: skip
    if other_arm_drug is not None:
        cases.append(
            (
                lambda c: record_dose(
                    c, subject_id=s, drug="metformin", event="start", event_date=day0
                ),
                ConflictError,
                "drug",
            )
        )
    before = counts(trial)
    for call, error, field in cases:
        with pytest.raises(error) as caught:
            _ctx_call(trial, "inv_tj", call)
        assert caught.value.field == field, caught.value  # type: ignore[attr-defined]
        assert counts(trial) == before, caught.value
    with unit_of_work(trial, "inv_tj") as ctx:
        record_death(ctx, subject_id=s, death_date=day0 + timedelta(60), cause="unknown")
    before = counts(trial)
    with pytest.raises(ConflictError, match=r"after subject .* death") as after_death:
        _ctx_call(
            trial,
            "inv_tj",
            lambda c: record_vital_signs(
                c,
                subject_id=s,
                measured_on=day0 + timedelta(61),
                systolic_mmhg=120,
                diastolic_mmhg=80,
            ),
        )
    assert after_death.value.field == "measured_on"
    assert counts(trial) == before


def test_corrections_are_audited_and_recompute_what_follows(trial: Database) -> None:
    subject_id, _, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(30))
    with unit_of_work(trial, "inv_tj") as ctx:
        lab = record_lab(
            ctx, subject_id=subject_id, analyte="platelets", value=60000, unit="/mm3",
            collected_on=day0 + timedelta(14), lln=150000,
        )  # fmt: skip
    # CTCAE v5.0 platelet count decreased: < 75,000–50,000 /mm³ is grade 2
    assert lab.ctcae_grade == 2
    with unit_of_work(trial, "coord_tj") as ctx:
        correction = correct_value(
            ctx, table="lab_results", record_id=lab.id, field="value", value="45000",
            reason="transcription error: the report reads 45,000",
        )  # fmt: skip
    with trial.sessions() as session:
        stored = session.get_one(tables.LabResult, lab.id)
        assert (stored.value, stored.ctcae_grade) == (45000.0, 3)
        trail = {
            row.field: row
            for row in field_entries(session, table="lab_results", record_id=str(lab.id))
            if row.action == "update"
        }
    assert correction.old_value is not None
    assert correction.new_value is not None
    assert (float(correction.old_value), float(correction.new_value)) == (60000.0, 45000.0)
    assert set(trail) == {"value", "standard_value", "ctcae_grade"}
    assert (trail["value"].old_value, trail["value"].new_value) == (
        correction.old_value,
        correction.new_value,
    )
    assert trail["value"].reason == "transcription error: the report reads 45,000"
    assert trail["value"].actor == "coord_tj"
    before = counts(trial)
    refusals: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"field": "value", "value": "40000", "reason": "  "}, InputError, "reason"),
        ({"field": "ctcae_grade", "value": "1", "reason": "x"}, InputError, "field"),
        ({"field": "value", "value": "abc", "reason": "x"}, InputError, "value"),
        ({"field": "collected_on", "value": "2026-01-01", "reason": "x"}, ConflictError,
         "collected_on"),
    ]  # fmt: skip
    for options, error, field in refusals:
        with pytest.raises(error) as caught, unit_of_work(trial, "coord_tj") as ctx:
            correct_value(ctx, table="lab_results", record_id=lab.id, **options)
        assert caught.value.field == field  # type: ignore[attr-defined]
        assert counts(trial) == before


def test_queries_lifecycle_and_site_isolation(trial: Database) -> None:
    subject_id, _, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(10))
    with unit_of_work(trial, "inv_tj") as ctx:
        lab = record_lab(
            ctx, subject_id=subject_id, analyte="hemoglobin", value=7.5, unit="g/dL",
            collected_on=day0 + timedelta(7), lln=13,
        )  # fmt: skip
    with unit_of_work(trial, "monitor") as ctx:
        query = raise_query(
            ctx, table="lab_results", record_id=lab.id, field="value",
            question="Hb 7.5 g/dL: transfusion given?",
        )  # fmt: skip
    assert query.status == "open"
    with pytest.raises(PermissionDeniedError), unit_of_work(trial, "inv_tj") as ctx:
        raise_query(ctx, table="lab_results", record_id=lab.id, field="value", question="?")
    # another site's investigator sees neither the record nor the query
    with pytest.raises(NotFoundError), unit_of_work(trial, "inv_bj") as ctx:
        answer_query(ctx, query_id=query.id, answer="yes")
    with pytest.raises(NotFoundError), unit_of_work(trial, "inv_bj") as ctx:
        record_lab(
            ctx, subject_id=subject_id, analyte="hemoglobin", value=9, unit="g/dL",
            collected_on=day0 + timedelta(8),
        )  # fmt: skip
    with unit_of_work(trial, "inv_bj", readonly=True) as ctx:
        assert list_queries(ctx) == []
    with unit_of_work(trial, "inv_tj") as ctx:
        answered = answer_query(ctx, query_id=query.id, answer="Yes, 2 units on day 8.")
    assert (answered.status, answered.answered_by) == ("answered", "inv_tj")
    with pytest.raises(ConflictError), unit_of_work(trial, "inv_tj") as ctx:
        answer_query(ctx, query_id=query.id, answer="again")
    with unit_of_work(trial, "monitor") as ctx:
        closed = close_query(ctx, query_id=query.id, resolution="Confirmed against source.")
    assert closed.status == "closed"
    with unit_of_work(trial, "monitor", readonly=True) as ctx:
        assert [q.id for q in list_queries(ctx, status="closed")] == [query.id]
        assert list_queries(ctx, status="open") == []
    with pytest.raises(ConflictError), unit_of_work(trial, "monitor") as ctx:
        close_query(ctx, query_id=query.id, resolution="again")


def test_a_query_service_returns_a_frozen_record_not_the_stored_row(trial: Database) -> None:
    subject_id, _, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(10))
    with unit_of_work(trial, "inv_tj") as ctx:
        lab = record_lab(
            ctx, subject_id=subject_id, analyte="hemoglobin", value=7.5, unit="g/dL",
            collected_on=day0 + timedelta(7), lln=13,
        )  # fmt: skip
    with unit_of_work(trial, "monitor") as ctx:
        query = raise_query(
            ctx, table="lab_results", record_id=lab.id, field="value", question="Transfused?"
        )
        assert isinstance(query, QueryRecord)
        with pytest.raises(FrozenInstanceError):
            query.status = "closed"  # type: ignore[misc]
    assert query.to_dict()["raised_at"] == query.raised_at.isoformat()
    with unit_of_work(trial, "monitor", readonly=True) as ctx:
        (listed,) = list_queries(ctx)
    assert listed == query
    with unit_of_work(trial, "inv_tj") as ctx:
        fixed = correct_value(
            ctx, table="lab_results", record_id=lab.id, field="value", value=8.5,
            reason="transcription", query_id=query.id,
        )  # fmt: skip
    assert isinstance(fixed, CorrectionRecord)
    assert (fixed.query_id, fixed.to_dict()["corrected_at"]) == (
        query.id,
        fixed.corrected_at.isoformat(),
    )
    with pytest.raises(FrozenInstanceError):
        fixed.new_value = "9"  # type: ignore[misc]


def test_withdrawal_ends_follow_up(trial: Database) -> None:
    subject_id, _, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(130))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_dose(ctx, subject_id=subject_id, drug="sorafenib", event="start", event_date=day0)
        record_withdrawal(
            ctx, subject_id=subject_id, kind="lost_to_follow_up", withdrawn_on=day0 + timedelta(90),
            reason="no answer to calls or letters", last_contact_date=day0 + timedelta(40),
        )  # fmt: skip
    with pytest.raises(ConflictError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        record_visit(
            ctx, subject_id=subject_id, visit_type="unscheduled", actual_date=day0 + timedelta(91)
        )
    assert caught.value.field == "actual_date"
    with unit_of_work(trial, "inv_tj") as ctx:
        record_death(ctx, subject_id=subject_id, death_date=day0 + timedelta(120), cause="unknown")
    with trial.sessions() as session:
        assert session.get_one(Subject, subject_id).status == "dead"


def test_a_correction_cannot_cite_another_sites_query(trial: Database) -> None:
    """A query of another site's subject is not found, exactly as one that does not exist:
    its record, field and state are not revealed."""
    own, _, day0 = randomized(trial)
    other, _, _ = randomized(trial, "inv_bj")
    move_clock(trial, day0 + timedelta(10))
    labs = {}
    for user, subject_id in (("inv_tj", own), ("inv_bj", other)):
        with unit_of_work(trial, user) as ctx:
            labs[user] = record_lab(
                ctx, subject_id=subject_id, analyte="hemoglobin", value=7.5, unit="g/dL",
                collected_on=day0 + timedelta(7), lln=13,
            )  # fmt: skip
    with unit_of_work(trial, "monitor") as ctx:
        foreign = raise_query(
            ctx, table="lab_results", record_id=labs["inv_bj"].id, field="value",
            question="Hb 7.5 g/dL: repeat sample?",
        )  # fmt: skip
    before = counts(trial)
    messages = []
    for query_id in (foreign.id, foreign.id + 1000):
        with pytest.raises(NotFoundError) as caught, unit_of_work(trial, "inv_tj") as ctx:
            correct_value(
                ctx, table="lab_results", record_id=labs["inv_tj"].id, field="value",
                value="9.5", reason="typo", query_id=query_id,
            )  # fmt: skip
        assert caught.value.field == "query_id"
        messages.append(caught.value.message)
        assert counts(trial) == before
    assert messages == [f"no query {foreign.id}", f"no query {foreign.id + 1000}"]
    # the query's own site may cite it
    with unit_of_work(trial, "inv_bj") as ctx:
        fixed = correct_value(
            ctx, table="lab_results", record_id=labs["inv_bj"].id, field="value", value="9.5",
            reason="typo", query_id=foreign.id,
        )  # fmt: skip
    assert fixed.query_id == foreign.id
