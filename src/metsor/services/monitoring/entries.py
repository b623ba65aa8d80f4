"""The entries of a casebook that monitors verify and investigators sign.

An entry is one row of an entry table (a screening, the consent, the allocation, a visit, a
dose, a laboratory result, vital signs, an adverse event, a tumour assessment, a death, a
withdrawal, a new anticancer therapy, a survival contact). The rows of the child tables (the
study drugs of an adverse event, the lesions of a tumour assessment) belong to their parent
entry: a change of a lesion is a change of its assessment.

The digest of a set of rows is the SHA-256 of their canonical encoding (the audit trail's, per
audited column), so that a signature is linked to the very content it signed.

The rows of a visit (:func:`entry_rows` with a visit) are the visit itself and the laboratory
results, vital signs, adverse events, tumour assessments (with their lesions) and doses that
belong to it: those that carry its id, and those that carry no visit id and are dated in its
reporting period — after the subject's last earlier visit day, up to and including the visit's
day (:data:`VISIT_DATES`). What is reported at a visit is what happened since the one before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from metsor.store.audit.hooks import audited_columns, encode_column
from metsor.store.models import casebook as tables
from metsor.store.models.core import Allocation, Consent, Screening

__all__ = [
    "CHILD_TABLES",
    "ENTRY_LABELS",
    "ENTRY_TABLES",
    "VISIT_DATES",
    "EntryKey",
    "entry_of",
    "entry_rows",
    "row_label",
    "rows_digest",
    "visit_period",
]


MAX_RECORD_ID = 2**31 - 1
"""The largest record id a table holds (PostgreSQL's ``integer``): a larger one is no record,
and is never sent to the database, which would refuse it as out of range."""


@dataclass(frozen=True, order=True)
class EntryKey:
    """One entry: its table and record id."""

    table: str
    record_id: int

    def __str__(self) -> str:
        return f"{ENTRY_LABELS.get(self.table, self.table)} {self.record_id}"


#: The entry tables, by name.
ENTRY_TABLES: Mapping[str, type[Any]] = MappingProxyType(
    {
        "screenings": Screening,
        "consents": Consent,
        "allocations": Allocation,
        "visits": tables.Visit,
        "missed_visits": tables.MissedVisit,
        "dose_events": tables.DoseEvent,
        "lab_results": tables.LabResult,
        "vital_signs": tables.VitalSigns,
        "adverse_events": tables.AdverseEvent,
        "tumour_assessments": tables.TumourAssessment,
        "deaths": tables.Death,
        "withdrawals": tables.Withdrawal,
        "anticancer_therapies": tables.AnticancerTherapy,
        "survival_contacts": tables.SurvivalContact,
    }
)

#: Child tables: the parent entry table and the column holding the parent's id.
CHILD_TABLES: Mapping[str, tuple[type[Any], str, str]] = MappingProxyType(
    {
        "adverse_event_drugs": (tables.AdverseEventDrug, "adverse_events", "adverse_event_id"),
        "tumour_lesions": (tables.TumourLesion, "tumour_assessments", "assessment_id"),
    }
)

#: How an entry (or a row of a child table) is named in messages ("the correction of lab 12").
ENTRY_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "screenings": "screening",
        "consents": "consent",
        "allocations": "randomization",
        "visits": "visit",
        "missed_visits": "missed visit",
        "dose_events": "dose",
        "lab_results": "lab",
        "vital_signs": "vital signs",
        "adverse_events": "adverse event",
        "tumour_assessments": "tumour assessment",
        "deaths": "death",
        "withdrawals": "withdrawal",
        "anticancer_therapies": "anticancer therapy",
        "survival_contacts": "survival contact",
        "tumour_lesions": "tumour lesion",
        "adverse_event_drugs": "adverse event's study drug",
    }
)


#: The date (and, for an adverse event, the term) that name a parent entry in messages.
_PARENT_NAMES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"tumour_assessments": ("assessed_on",), "adverse_events": ("onset_date", "term")}
)


#: The entries that belong to a visit, by the date that places them in its reporting period.
VISIT_DATES: Mapping[str, str] = MappingProxyType(
    {
        "lab_results": "collected_on",
        "vital_signs": "measured_on",
        "adverse_events": "onset_date",
        "tumour_assessments": "assessed_on",
        "dose_events": "event_date",
    }
)


def entry_of(session: Session, obj: Any) -> tuple[EntryKey, str] | None:
    """The entry a row of an entry or child table belongs to, with its subject (else None)."""
    table = str(getattr(obj, "__tablename__", ""))
    if table in ENTRY_TABLES:
        return EntryKey(table, int(obj.id)), str(obj.subject_id)
    if table in CHILD_TABLES:
        _, parent_table, column = CHILD_TABLES[table]
        parent = session.get(ENTRY_TABLES[parent_table], getattr(obj, column))
        if parent is None:
            return None
        return EntryKey(parent_table, int(parent.id)), str(parent.subject_id)
    return None


def row_label(session: Session, obj: Any, table: str) -> str:
    """How a row is named in messages: ``lab 12``, and a row of a child table with the entry
    it belongs to, ``tumour lesion 3 (T1) of the tumour assessment 7 of 2016-05-01 (treatment
    visit 3)`` — the visit the entry carries, else the one whose reporting period holds it.

    Parameters
    ----------
    session
        The session the row belongs to.
    obj
        The row.
    table
        Its table's name.

    Returns
    -------
    str
        The row's label, its id (none for a row not yet written), and for a child row its
        parent entry: the parent's id, its date (and an adverse event's term) and the visit
        it was recorded at, when it was.
    """
    label = ENTRY_LABELS.get(table, table.replace("_", " "))
    if obj.id is not None:
        label += f" {obj.id}"
    if table not in CHILD_TABLES:
        return label
    lesion = getattr(obj, "lesion_id", None)
    if lesion:
        label += f" ({lesion})"
    _, parent_table, column = CHILD_TABLES[table]
    parent_id = getattr(obj, column)
    parent = None if parent_id is None else session.get(ENTRY_TABLES[parent_table], parent_id)
    if parent is None:
        return label
    names = [str(getattr(parent, name)) for name in _PARENT_NAMES.get(parent_table, ())]
    text = f"{label} of the {ENTRY_LABELS[parent_table]} {parent.id}"
    if names:
        text += f" of {names[0]}" + "".join(f", {name}" for name in names[1:])
    visit = _visit_of(session, parent, parent_table)
    if visit is not None:
        text += f" ({visit.visit_type.replace('_', ' ')} visit {visit.number})"
    return text


def _visit_of(session: Session, entry: Any, table: str) -> Any:
    """The visit an entry was recorded at: the one it carries, else the one whose reporting
    period holds its date (the subject's first visit on or after it); None if none."""
    visit_id = getattr(entry, "visit_id", None)
    if visit_id is not None:
        return session.get(tables.Visit, visit_id)
    if table not in VISIT_DATES:
        return None
    return session.scalars(
        select(tables.Visit)
        .where(
            tables.Visit.subject_id == entry.subject_id,
            tables.Visit.actual_date >= getattr(entry, VISIT_DATES[table]),
        )
        .order_by(tables.Visit.actual_date, tables.Visit.id)
        .limit(1)
    ).first()


def _encoded(row: Any) -> dict[str, str | None]:
    cls = type(row)
    return {
        name: encode_column(cls, name, getattr(row, key))
        for key, name in audited_columns(row.__mapper__)
    }


def visit_period(session: Session, visit: Any) -> tuple[date | None, date]:
    """A visit's reporting period: (the subject's last earlier visit day or None, its day]."""
    earlier = session.scalar(
        select(func.max(tables.Visit.actual_date)).where(
            tables.Visit.subject_id == visit.subject_id,
            tables.Visit.actual_date < visit.actual_date,
        )
    )
    return earlier, visit.actual_date


def _visit_filter(model: Any, name: str, visit: Any, after: date | None) -> Any:
    """The condition that places a row of ``name`` in ``visit``; None if it never belongs."""
    if name == "visits":
        return model.id == visit.id
    if name not in VISIT_DATES:
        return None
    day = getattr(model, VISIT_DATES[name])
    dated = (
        day <= visit.actual_date if after is None else and_(day > after, day <= visit.actual_date)
    )
    if hasattr(model, "visit_id"):
        return or_(model.visit_id == visit.id, and_(model.visit_id.is_(None), dated))
    return dated


def entry_rows(
    session: Session, subject_id: str, *, visit_id: int | None = None
) -> list[tuple[str, int, dict[str, str | None]]]:
    """The rows of a subject's casebook (or of one visit), encoded, in a fixed order.

    Parameters
    ----------
    session
        The session.
    subject_id
        The subject.
    visit_id
        Only the visit and the entries that belong to it (see the module's docstring), with
        the lesions of its tumour assessments and the study drugs of its adverse events;
        None for the whole casebook.

    Returns
    -------
    list
        ``(table, id, {column: canonical text})`` sorted by table and id; empty when the
        visit is not the subject's.
    """
    rows: list[tuple[str, int, dict[str, str | None]]] = []
    parents: dict[str, list[int]] = {}
    visit = None if visit_id is None else session.get(tables.Visit, visit_id)
    if visit_id is not None and (visit is None or visit.subject_id != subject_id):
        return rows
    after = None if visit is None else visit_period(session, visit)[0]
    for name, model in ENTRY_TABLES.items():
        statement = select(model).where(model.subject_id == subject_id)
        if visit is not None:
            condition = _visit_filter(model, name, visit, after)
            if condition is None:
                continue
            statement = statement.where(condition)
        found = list(session.scalars(statement))
        parents[name] = [int(row.id) for row in found]
        rows.extend((name, int(row.id), _encoded(row)) for row in found)
    for name, (model, parent_table, column) in CHILD_TABLES.items():
        ids = parents.get(parent_table) or []
        if ids:
            children = session.scalars(select(model).where(getattr(model, column).in_(ids)))
            rows.extend((name, int(row.id), _encoded(row)) for row in children)
    rows.sort(key=lambda item: (item[0], item[1]))
    return rows


def rows_digest(subject_id: str, rows: Iterable[tuple[str, int, Mapping[str, str | None]]]) -> str:
    """SHA-256 (hex) of the subject and its rows' canonical encoding."""
    payload = [subject_id, [[table, record_id, dict(values)] for table, record_id, values in rows]]
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
