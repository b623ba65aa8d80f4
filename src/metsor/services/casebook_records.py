"""Read-only rows of a subject's casebook records, as the web shows them (JSON-ready).

One function per record kind — visits, vital signs, tumour assessments with their lesions,
dosing events and where each drug stands, new anticancer therapies, survival contacts, the
death and the withdrawal — each reading the subject's records newest first. The caller has
already checked that the user may see the subject (:func:`metsor.services.access.subject_for`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from metsor.services.casebook.dosing import dose_states
from metsor.store.models.casebook import (
    AnticancerTherapy,
    Death,
    DoseEvent,
    SurvivalContact,
    TumourAssessment,
    TumourLesion,
    Visit,
    VitalSigns,
    Withdrawal,
)

__all__ = [
    "death_row",
    "dose_rows",
    "dose_state_rows",
    "survival_contact_rows",
    "therapy_rows",
    "tumour_rows",
    "visit_rows",
    "vital_sign_rows",
    "withdrawal_row",
]

Row = dict[str, Any]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def visit_rows(session: Session, subject_id: str) -> tuple[Row, ...]:
    """The subject's recorded visits: type, number, planned and actual dates, in window."""
    visits = session.scalars(
        select(Visit)
        .where(Visit.subject_id == subject_id)
        .order_by(Visit.actual_date.desc(), Visit.id.desc())
    )
    return tuple(
        {
            "id": v.id,
            "visit_type": v.visit_type,
            "number": v.number,
            "planned_date": _iso(v.planned_date),
            "actual_date": _iso(v.actual_date),
            "in_window": v.in_window,
        }
        for v in visits
    )


def vital_sign_rows(session: Session, subject_id: str) -> tuple[Row, ...]:
    """The subject's vital signs, with the CTCAE hypertension grade of the blood pressure."""
    records = session.scalars(
        select(VitalSigns)
        .where(VitalSigns.subject_id == subject_id)
        .order_by(VitalSigns.measured_on.desc(), VitalSigns.id.desc())
    )
    return tuple(
        {
            "id": r.id,
            "measured_on": _iso(r.measured_on),
            "systolic_mmhg": r.systolic_mmhg,
            "diastolic_mmhg": r.diastolic_mmhg,
            "heart_rate_bpm": r.heart_rate_bpm,
            "temperature_c": r.temperature_c,
            "weight_kg": r.weight_kg,
            "ecog": r.ecog,
            "hypertension_grade": r.hypertension_grade,
        }
        for r in records
    )


def tumour_rows(session: Session, subject_id: str) -> tuple[Row, ...]:
    """The subject's tumour assessments with sums, RECIST 1.1 and mRECIST responses, lesions."""
    records = list(
        session.scalars(
            select(TumourAssessment)
            .where(TumourAssessment.subject_id == subject_id)
            .order_by(TumourAssessment.assessed_on.desc(), TumourAssessment.id.desc())
        )
    )
    lesions: dict[int, list[Row]] = {r.id: [] for r in records}
    for lesion in session.scalars(
        select(TumourLesion)
        .where(TumourLesion.assessment_id.in_(list(lesions)))
        .order_by(TumourLesion.assessment_id, TumourLesion.id)
    ):
        lesions[lesion.assessment_id].append(
            {
                "id": lesion.id,
                "lesion_id": lesion.lesion_id,
                "organ": lesion.organ,
                "kind": lesion.kind,
                "diameter_mm": lesion.diameter_mm,
                "viable_diameter_mm": lesion.viable_diameter_mm,
                "is_lymph_node": lesion.is_lymph_node,
                "short_axis_mm": lesion.short_axis_mm,
                "enhancing": lesion.enhancing,
            }
        )
    return tuple(
        {
            "id": r.id,
            "assessed_on": _iso(r.assessed_on),
            "method": r.method,
            "is_baseline": r.is_baseline,
            "non_target_status": r.non_target_status,
            "new_lesion": r.new_lesion,
            "sum_diameters_mm": r.sum_diameters_mm,
            "sum_viable_diameters_mm": r.sum_viable_diameters_mm,
            "recist_response": r.recist_response,
            "mrecist_response": r.mrecist_response,
            "adequate": r.adequate,
            "lesions": lesions[r.id],
        }
        for r in records
    )


def dose_rows(session: Session, subject_id: str) -> tuple[Row, ...]:
    """The subject's dosing events: drug, event, date, level with dose and frequency, reason."""
    events = session.scalars(
        select(DoseEvent)
        .where(DoseEvent.subject_id == subject_id)
        .order_by(DoseEvent.event_date.desc(), DoseEvent.id.desc())
    )
    return tuple(
        {
            "id": e.id,
            "drug": e.drug,
            "event": e.event,
            "event_date": _iso(e.event_date),
            "level": e.level,
            "dose_mg": e.dose_mg,
            "frequency": e.frequency,
            "reason": e.reason,
        }
        for e in events
    )


def dose_state_rows(session: Session, subject_id: str, arm: str | None) -> tuple[Row, ...]:
    """Where each study drug of the arm stands after its history: status, level, since when."""
    return tuple(
        {
            "drug": drug,
            "status": state.status,
            "level": state.level.code if state.level is not None else None,
            "since": _iso(state.since),
        }
        for drug, state in dose_states(session, subject_id, arm).items()
    )


def therapy_rows(session: Session, subject_id: str) -> tuple[Row, ...]:
    """The new anticancer therapies the subject received besides the study treatment."""
    records = session.scalars(
        select(AnticancerTherapy)
        .where(AnticancerTherapy.subject_id == subject_id)
        .order_by(AnticancerTherapy.started_on.desc(), AnticancerTherapy.id.desc())
    )
    return tuple(
        {
            "id": t.id,
            "name": t.name,
            "category": t.category,
            "started_on": _iso(t.started_on),
            "ended_on": _iso(t.ended_on),
        }
        for t in records
    )


def survival_contact_rows(session: Session, subject_id: str) -> tuple[Row, ...]:
    """The subject's survival follow-up contacts."""
    records = session.scalars(
        select(SurvivalContact)
        .where(SurvivalContact.subject_id == subject_id)
        .order_by(SurvivalContact.contact_on.desc(), SurvivalContact.id.desc())
    )
    return tuple(
        {"id": c.id, "contact_on": _iso(c.contact_on), "status": c.status, "method": c.method}
        for c in records
    )


def death_row(session: Session, subject_id: str) -> Row | None:
    """The subject's death record, if one is recorded."""
    death = session.scalars(select(Death).where(Death.subject_id == subject_id)).first()
    if death is None:
        return None
    return {
        "id": death.id,
        "death_date": _iso(death.death_date),
        "cause": death.cause,
        "cause_detail": death.cause_detail,
    }


def withdrawal_row(session: Session, subject_id: str) -> Row | None:
    """The end of the subject's follow-up, if one is recorded."""
    record = session.scalars(select(Withdrawal).where(Withdrawal.subject_id == subject_id)).first()
    if record is None:
        return None
    return {
        "id": record.id,
        "kind": record.kind,
        "withdrawn_on": _iso(record.withdrawn_on),
        "last_contact_date": _iso(record.last_contact_date),
        "reason": record.reason,
    }
