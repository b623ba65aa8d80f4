"""Read-only view of one subject's casebook for the web: every record kind and the schedule.

:func:`subject_casebook` lists the subject's laboratory values with their CTCAE grades, vital
signs, adverse events, tumour assessments with their RECIST 1.1 and mRECIST responses, dosing
and where each drug stands, new anticancer therapies, survival contacts, the death, the
withdrawal, the visit schedule (done, due, overdue) and the data queries on their records,
with the study drugs of their arm (those an adverse event's relatedness is asked for). Site
isolation as everywhere: another site's subject is not found.

The choices a casebook form offers are the services' own (re-exported here, so that a face
reads them from one place): causes of death, kinds of withdrawal, dose events and the label's
dose levels, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from metsor.clinical.tumour import LESION_KINDS, NON_TARGET_STATUSES
from metsor.clinical.units import ANALYTES
from metsor.protocol import Protocol
from metsor.services import casebook_records as records
from metsor.services.access import PERMISSIONS, require, subject_for
from metsor.services.casebook.adverse_events import ACTIONS_TAKEN, OUTCOMES, RELATEDNESS
from metsor.services.casebook.corrections import CORRECTABLE_FIELDS
from metsor.services.casebook.deaths import DEATH_CAUSES
from metsor.services.casebook.dose_levels import DOSE_EVENTS
from metsor.services.casebook.queries import QueryRecord
from metsor.services.casebook.schedule import VISIT_TYPES
from metsor.services.casebook.survival_contacts import CONTACT_METHODS, SURVIVAL_STATUSES
from metsor.services.casebook.therapies import THERAPY_CATEGORIES
from metsor.services.casebook.tumour import IMAGING_METHODS
from metsor.services.casebook.withdrawals import WITHDRAWAL_KINDS
from metsor.services.context import ServiceContext
from metsor.services.visit_status import visit_schedule
from metsor.store.models.casebook import AdverseEvent, DataQuery, LabResult
from metsor.store.models.core import Allocation

__all__ = [
    "ACTIONS_TAKEN",
    "CONTACT_METHODS",
    "CORRECTABLE_FIELDS",
    "DEATH_CAUSES",
    "DOSE_EVENTS",
    "IMAGING_METHODS",
    "LAB_ANALYTES",
    "LESION_KINDS",
    "NON_TARGET_STATUSES",
    "OUTCOMES",
    "RELATEDNESS",
    "SURVIVAL_STATUSES",
    "THERAPY_CATEGORIES",
    "VISIT_TYPES",
    "WITHDRAWAL_KINDS",
    "CasebookView",
    "dose_level_choices",
    "may",
    "query_row",
    "subject_casebook",
]

#: Analytes a laboratory value may be recorded for.
LAB_ANALYTES: tuple[str, ...] = tuple(ANALYTES)


def dose_level_choices(
    protocol: Protocol, arm: str | None
) -> dict[str, tuple[tuple[str, str], ...]]:
    """For each study drug of ``arm``, its dose levels in ``protocol`` as (code, label) with
    the amount and frequency, the full dose first."""
    return {
        drug.code: tuple(
            (level.code, f"{level.dose_mg:g} mg {level.frequency}") for level in drug.levels
        )
        for drug in protocol.drugs_of(arm)
    }


def may(role: str) -> dict[str, bool]:
    """What ``role`` may do, action by action (:data:`metsor.services.access.PERMISSIONS`)."""
    return {action: role in roles for action, roles in PERMISSIONS.items()}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class CasebookView:
    """One subject's casebook as the web shows it (JSON-ready rows).

    Attributes
    ----------
    subject_id
        The subject.
    arm
        Their arm, or None before randomization.
    drugs
        The study drugs of the arm.
    labs
        ``id``, ``collected_on``, ``analyte``, ``value``, ``unit``, ``uln``, ``grade``,
        ``term`` of each laboratory value, newest first.
    adverse_events
        ``id``, ``term``, ``grade``, ``serious``, ``onset_date``, ``outcome`` of each event.
    queries
        ``id``, ``table``, ``record_id``, ``field``, ``question``, ``status``, ``raised_by``,
        ``answer``, ``answered_by``, ``resolution`` of each query on the subject.
    status
        The subject's status (``randomized``, ``on_treatment``, ``dead``, …).
    schedule
        The visit schedule (:func:`metsor.services.visit_status.visit_schedule`), as rows.
    visits, vital_signs, tumour_assessments, doses, dose_states, therapies,
    survival_contacts
        The rows of :mod:`metsor.services.casebook_records`, newest first.
    death, withdrawal
        The death and the end of follow-up, if recorded.
    dose_levels
        For each study drug of the arm, its dose levels in the trial's protocol as (code,
        label), the full dose first (:func:`dose_level_choices`).
    """

    subject_id: str
    arm: str | None
    drugs: tuple[str, ...]
    labs: tuple[dict[str, Any], ...]
    adverse_events: tuple[dict[str, Any], ...]
    queries: tuple[dict[str, Any], ...]
    status: str = ""
    schedule: tuple[dict[str, Any], ...] = ()
    visits: tuple[dict[str, Any], ...] = ()
    vital_signs: tuple[dict[str, Any], ...] = ()
    tumour_assessments: tuple[dict[str, Any], ...] = ()
    doses: tuple[dict[str, Any], ...] = ()
    dose_states: tuple[dict[str, Any], ...] = ()
    therapies: tuple[dict[str, Any], ...] = ()
    survival_contacts: tuple[dict[str, Any], ...] = ()
    death: dict[str, Any] | None = None
    withdrawal: dict[str, Any] | None = None
    dose_levels: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "subject_id": self.subject_id,
            "arm": self.arm,
            "status": self.status,
            "drugs": list(self.drugs),
            "dose_levels": {
                drug: [code for code, _ in levels] for drug, levels in self.dose_levels.items()
            },
            "schedule": list(self.schedule),
            "visits": list(self.visits),
            "labs": list(self.labs),
            "vital_signs": list(self.vital_signs),
            "adverse_events": list(self.adverse_events),
            "tumour_assessments": list(self.tumour_assessments),
            "doses": list(self.doses),
            "dose_states": list(self.dose_states),
            "therapies": list(self.therapies),
            "survival_contacts": list(self.survival_contacts),
            "death": self.death,
            "withdrawal": self.withdrawal,
            "queries": list(self.queries),
        }


def query_row(query: DataQuery | QueryRecord) -> dict[str, Any]:
    """A data query as a JSON-ready row."""
    return {
        "id": query.id,
        "subject_id": query.subject_id,
        "table": query.table_name,
        "record_id": query.record_id,
        "field": query.field,
        "question": query.question,
        "status": query.status,
        "raised_by": query.raised_by,
        "raised_at": _iso(query.raised_at),
        "answer": query.answer,
        "answered_by": query.answered_by,
        "resolution": query.resolution,
    }


def subject_casebook(ctx: ServiceContext, subject_id: str) -> CasebookView:
    """The casebook of ``subject_id`` (any role that may view subjects).

    Raises
    ------
    NotFoundError
        When there is no such subject or it belongs to another site than the user's.
    """
    require(ctx, "view_subjects")
    subject = subject_for(ctx, subject_id)
    arm = ctx.session.scalars(
        select(Allocation.arm).where(Allocation.subject_id == subject.subject_id)
    ).first()
    labs = ctx.session.scalars(
        select(LabResult)
        .where(LabResult.subject_id == subject_id)
        .order_by(LabResult.collected_on.desc(), LabResult.id.desc())
    )
    events = ctx.session.scalars(
        select(AdverseEvent)
        .where(AdverseEvent.subject_id == subject_id)
        .order_by(AdverseEvent.onset_date.desc(), AdverseEvent.id.desc())
    )
    queries = ctx.session.scalars(
        select(DataQuery).where(DataQuery.subject_id == subject_id).order_by(DataQuery.id)
    )
    session = ctx.session
    protocol = ctx.protocol
    return CasebookView(
        subject_id=subject_id,
        arm=arm,
        status=subject.status,
        schedule=tuple(row.to_dict() for row in visit_schedule(ctx, subject_id)),
        visits=records.visit_rows(session, subject_id),
        vital_signs=records.vital_sign_rows(session, subject_id),
        tumour_assessments=records.tumour_rows(session, subject_id),
        doses=records.dose_rows(session, subject_id),
        dose_states=records.dose_state_rows(session, subject_id, arm),
        therapies=records.therapy_rows(session, subject_id),
        survival_contacts=records.survival_contact_rows(session, subject_id),
        death=records.death_row(session, subject_id),
        withdrawal=records.withdrawal_row(session, subject_id),
        drugs=tuple(drug.code for drug in protocol.drugs_of(arm)),
        dose_levels=dose_level_choices(protocol, arm),
        labs=tuple(
            {
                "id": lab.id,
                "collected_on": _iso(lab.collected_on),
                "analyte": lab.analyte,
                "value": lab.value,
                "unit": lab.unit,
                "uln": lab.uln,
                "grade": lab.ctcae_grade,
                "term": lab.ctcae_term,
            }
            for lab in labs
        ),
        adverse_events=tuple(
            {
                "id": event.id,
                "term": event.term,
                "grade": event.grade,
                "serious": event.serious,
                "onset_date": _iso(event.onset_date),
                "outcome": event.outcome,
                "resolution_date": _iso(event.resolution_date),
            }
            for event in events
        ),
        queries=tuple(query_row(query) for query in queries),
    )
