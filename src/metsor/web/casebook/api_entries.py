"""The rest of the casebook API under ``/api/v1/subjects/{subject_id}``: visits, visits not
done, vital signs,
tumour assessments, dosing, new anticancer therapies, survival contacts, death, withdrawal,
corrections, and the visit schedule.

Each ``POST`` records through the casebook's service in one audited transaction and answers
201 with what was stored and derived (a hypertension grade, the RECIST 1.1 and mRECIST
responses, the dose). 401 without a valid token, 404 for another site's subject, 403 for a
role that may not act, 409 for a conflict with what is recorded, 422 naming the field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from metsor.services.casebook.deaths import record_death
from metsor.services.casebook.dosing import record_dose
from metsor.services.casebook.missed_visits import record_missed_visit
from metsor.services.casebook.survival_contacts import record_survival_contact
from metsor.services.casebook.therapies import record_anticancer_therapy
from metsor.services.casebook.tumour import record_tumour_assessment
from metsor.services.casebook.visits import record_visit
from metsor.services.casebook.vital_signs import record_vital_signs
from metsor.services.casebook.withdrawals import record_withdrawal
from metsor.services.visit_status import overdue_visits, visit_schedule
from metsor.web.casebook.corrections import correct
from metsor.web.casebook.schemas import (
    AnticancerTherapyIn,
    CorrectionIn,
    DeathIn,
    DoseIn,
    MissedVisitIn,
    SurvivalContactIn,
    TumourAssessmentIn,
    VisitIn,
    VitalSignsIn,
    WithdrawalIn,
)
from metsor.web.dependencies import ApiUser, work
from metsor.web.permissions import PermissionFirstRoute, acts

__all__ = ["router"]

router = APIRouter(tags=["casebook"], route_class=PermissionFirstRoute)
"""Mounted under ``/api/v1`` by :mod:`metsor.web.casebook.api`."""

_SUBJECT = "/subjects/{subject_id}"


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@router.get(_SUBJECT + "/schedule")
def schedule(request: Request, user: ApiUser, subject_id: str) -> list[dict[str, Any]]:
    """The visit schedule: recorded visits (done) and visits not done (with their reason), then
    the next of each kind expected (due, overdue or upcoming)."""
    with work(request, user, readonly=True) as ctx:
        return [row.to_dict() for row in visit_schedule(ctx, subject_id)]


@router.get("/visits/overdue")
def overdue(request: Request, user: ApiUser) -> list[dict[str, Any]]:
    """The overdue visits of every subject the user may see, most overdue first."""
    with work(request, user, readonly=True) as ctx:
        return [row.to_dict() for row in overdue_visits(ctx)]


@router.post(_SUBJECT + "/visits", status_code=201)
@acts("enter_casebook")
def visit(request: Request, user: ApiUser, subject_id: str, body: VisitIn) -> dict[str, Any]:
    """Record a visit; the answer carries its planned date and whether it was in window."""
    with work(request, user, reason="visit entered") as ctx:
        record = record_visit(ctx, subject_id=subject_id, **body.model_dump())
        return {
            "id": record.id,
            "visit_type": record.visit_type,
            "number": record.number,
            "planned_date": _day(record.planned_date),
            "in_window": record.in_window,
        }


@router.post(_SUBJECT + "/missed-visits", status_code=201)
@acts("enter_casebook")
def missed_visit(
    request: Request, user: ApiUser, subject_id: str, body: MissedVisitIn
) -> dict[str, Any]:
    """Record that a visit of the schedule did not take place, and why; the schedule then
    counts it as accounted for, no longer overdue."""
    with work(request, user, reason="visit recorded as not done") as ctx:
        return record_missed_visit(ctx, subject_id=subject_id, **body.model_dump()).to_dict()


@router.post(_SUBJECT + "/vital-signs", status_code=201)
@acts("enter_casebook")
def vital_signs(
    request: Request, user: ApiUser, subject_id: str, body: VitalSignsIn
) -> dict[str, Any]:
    """Record the vital signs of one day; the answer carries the CTCAE hypertension grade."""
    with work(request, user, reason="vital signs entered") as ctx:
        record = record_vital_signs(ctx, subject_id=subject_id, **body.model_dump())
        return {"id": record.id, "hypertension_grade": record.hypertension_grade}


@router.post(_SUBJECT + "/tumour-assessments", status_code=201)
@acts("enter_casebook")
def tumour_assessment(
    request: Request, user: ApiUser, subject_id: str, body: TumourAssessmentIn
) -> dict[str, Any]:
    """Record a tumour assessment; the answer carries its sums and its RECIST 1.1 and mRECIST
    responses (none at baseline)."""
    with work(request, user, reason="tumour assessment entered") as ctx:
        record = record_tumour_assessment(ctx, subject_id=subject_id, **body.model_dump())
        return {
            "id": record.id,
            "is_baseline": record.is_baseline,
            "sum_diameters_mm": record.sum_diameters_mm,
            "sum_viable_diameters_mm": record.sum_viable_diameters_mm,
            "recist_response": record.recist_response,
            "mrecist_response": record.mrecist_response,
            "adequate": record.adequate,
        }


@router.post(_SUBJECT + "/doses", status_code=201)
@acts("enter_casebook")
def dose(request: Request, user: ApiUser, subject_id: str, body: DoseIn) -> dict[str, Any]:
    """Record a dosing event; levels are the label's (start at the full dose by default)."""
    with work(request, user, reason="dosing entered") as ctx:
        record = record_dose(ctx, subject_id=subject_id, **body.model_dump())
        return {
            "id": record.id,
            "drug": record.drug,
            "event": record.event,
            "level": record.level,
            "dose_mg": record.dose_mg,
            "frequency": record.frequency,
        }


@router.post(_SUBJECT + "/anticancer-therapies", status_code=201)
@acts("enter_casebook")
def therapy(
    request: Request, user: ApiUser, subject_id: str, body: AnticancerTherapyIn
) -> dict[str, Any]:
    """Record a new anticancer therapy given besides the study treatment."""
    with work(request, user, reason="new anticancer therapy entered") as ctx:
        record = record_anticancer_therapy(ctx, subject_id=subject_id, **body.model_dump())
        return {"id": record.id, "name": record.name, "category": record.category}


@router.post(_SUBJECT + "/survival-contacts", status_code=201)
@acts("enter_casebook")
def survival_contact(
    request: Request, user: ApiUser, subject_id: str, body: SurvivalContactIn
) -> dict[str, Any]:
    """Record a contact of survival follow-up."""
    with work(request, user, reason="survival contact entered") as ctx:
        record = record_survival_contact(ctx, subject_id=subject_id, **body.model_dump())
        return {"id": record.id, "contact_on": _day(record.contact_on), "status": record.status}


@router.post(_SUBJECT + "/death", status_code=201)
@acts("enter_casebook")
def death(request: Request, user: ApiUser, subject_id: str, body: DeathIn) -> dict[str, Any]:
    """Record the subject's death (409 when one is recorded already)."""
    with work(request, user, reason="death entered") as ctx:
        record = record_death(ctx, subject_id=subject_id, **body.model_dump())
        return {"id": record.id, "death_date": _day(record.death_date), "cause": record.cause}


@router.post(_SUBJECT + "/withdrawal", status_code=201)
@acts("enter_casebook")
def withdrawal(
    request: Request, user: ApiUser, subject_id: str, body: WithdrawalIn
) -> dict[str, Any]:
    """Record the end of the subject's follow-up (409 when one is recorded already)."""
    with work(request, user, reason="withdrawal entered") as ctx:
        record = record_withdrawal(ctx, subject_id=subject_id, **body.model_dump())
        return {"id": record.id, "kind": record.kind, "withdrawn_on": _day(record.withdrawn_on)}


@router.post(_SUBJECT + "/corrections", status_code=201)
@acts("correct_data")
def correction(
    request: Request, user: ApiUser, subject_id: str, body: CorrectionIn
) -> dict[str, Any]:
    """Correct one recorded value of the subject, giving the reason (data manager; site staff
    for their own site's subjects)."""
    with work(request, user, reason=body.reason) as ctx:
        record: Any = correct(ctx, subject_id, body)
        return {
            "id": record.id,
            "table": record.table_name,
            "record_id": record.record_id,
            "field": record.field,
            "old_value": record.old_value,
            "new_value": record.new_value,
            "reason": record.reason,
        }
