"""Read-only view of one subject's casebook for the web: labs, adverse events, queries.

:func:`subject_casebook` lists the subject's laboratory values with their CTCAE grades, the
adverse events, and the data queries on their records, with the study drugs of their arm
(those an adverse event's relatedness is asked for). Site isolation as everywhere: another
site's subject is not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from metsor.clinical.units import ANALYTES
from metsor.services.access import require, subject_for
from metsor.services.casebook._timeline import arm_drugs
from metsor.services.casebook.adverse_events import ACTIONS_TAKEN, OUTCOMES, RELATEDNESS
from metsor.services.casebook.dose_levels import DOSE_LEVELS
from metsor.services.context import ServiceContext
from metsor.store.models.casebook import AdverseEvent, DataQuery, LabResult
from metsor.store.models.core import Allocation

__all__ = [
    "ACTIONS_TAKEN",
    "LAB_ANALYTES",
    "OUTCOMES",
    "RELATEDNESS",
    "CasebookView",
    "query_row",
    "subject_casebook",
]

#: Analytes a laboratory value may be recorded for.
LAB_ANALYTES: tuple[str, ...] = tuple(ANALYTES)


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
    """

    subject_id: str
    arm: str | None
    drugs: tuple[str, ...]
    labs: tuple[dict[str, Any], ...]
    adverse_events: tuple[dict[str, Any], ...]
    queries: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "subject_id": self.subject_id,
            "arm": self.arm,
            "drugs": list(self.drugs),
            "labs": list(self.labs),
            "adverse_events": list(self.adverse_events),
            "queries": list(self.queries),
        }


def query_row(query: DataQuery) -> dict[str, Any]:
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
    return CasebookView(
        subject_id=subject_id,
        arm=arm,
        drugs=arm_drugs(arm, tuple(DOSE_LEVELS)),
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
            }
            for event in events
        ),
        queries=tuple(query_row(query) for query in queries),
    )
