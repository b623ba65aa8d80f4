"""The casebook tables a query may be raised on and a correction made to, and how.

For each table: its model, the fields a correction may change (derived values such as a CTCAE
grade or a response are not among them: they follow from the values they are computed from),
the check run again after a change, and how to find the record's subject.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from sqlalchemy import Boolean, Date, Float, Integer, inspect

from metsor.clinical.plausibility import finite, whole
from metsor.errors import InputError, NotFoundError
from metsor.services.access import subject_for
from metsor.services.casebook import (
    adverse_events,
    deaths,
    dosing,
    labs,
    missed_visits,
    survival_contacts,
    therapies,
    tumour,
    visits,
    vital_signs,
    withdrawals,
)
from metsor.services.context import ServiceContext
from metsor.store.models import casebook as tables

__all__: list[str] = []

MAX_ID = 2**63 - 1
"""The largest identifier a record or query can have (a signed 64-bit integer column)."""


def record_id_of(value: object, field: str = "record_id") -> int:
    """``value`` as an identifier from 1 to :data:`MAX_ID`; InputError naming ``field``."""
    return whole(value, field, low=1, high=MAX_ID)


@dataclass(frozen=True)
class CasebookTable:
    """How one casebook table is queried and corrected."""

    model: type[Any]
    correctable: tuple[str, ...]
    revalidate: Callable[[ServiceContext, Any], None]
    subject_of: Callable[[ServiceContext, Any], str]


def _own(ctx: ServiceContext, record: Any) -> str:
    return str(record.subject_id)


def _of_event(ctx: ServiceContext, record: Any) -> str:
    return ctx.session.get_one(tables.AdverseEvent, record.adverse_event_id).subject_id


def _of_assessment(ctx: ServiceContext, record: Any) -> str:
    return ctx.session.get_one(tables.TumourAssessment, record.assessment_id).subject_id


TABLES: Mapping[str, CasebookTable] = MappingProxyType(
    {
        "visits": CasebookTable(tables.Visit, ("actual_date",), visits.revalidate_visit, _own),
        "missed_visits": CasebookTable(
            tables.MissedVisit,
            ("missed_on", "reason", "retracted"),
            missed_visits.revalidate_missed_visit,
            _own,
        ),
        "dose_events": CasebookTable(
            tables.DoseEvent, ("event_date", "level", "reason"), dosing.revalidate_dose, _own
        ),
        "lab_results": CasebookTable(
            tables.LabResult,
            ("collected_on", "value", "unit", "lln", "uln"),
            labs.revalidate_lab,
            _own,
        ),
        "vital_signs": CasebookTable(
            tables.VitalSigns,
            (
                "measured_on",
                "systolic_mmhg",
                "diastolic_mmhg",
                "heart_rate_bpm",
                "temperature_c",
                "weight_kg",
                "ecog",
            ),
            vital_signs.revalidate_vital_signs,
            _own,
        ),
        "adverse_events": CasebookTable(
            tables.AdverseEvent,
            (
                "term",
                "grade",
                "ctcae_version",
                "serious",
                "onset_date",
                "resolution_date",
                "outcome",
            ),
            adverse_events.revalidate_adverse_event,
            _own,
        ),
        "adverse_event_drugs": CasebookTable(
            tables.AdverseEventDrug,
            ("relatedness", "action_taken"),
            adverse_events.revalidate_adverse_event_drug,
            _of_event,
        ),
        "tumour_assessments": CasebookTable(
            tables.TumourAssessment,
            ("assessed_on", "method", "non_target_status", "new_lesion"),
            tumour.revalidate_tumour_assessment,
            _own,
        ),
        "tumour_lesions": CasebookTable(
            tables.TumourLesion,
            (
                "organ",
                "diameter_mm",
                "viable_diameter_mm",
                "is_lymph_node",
                "short_axis_mm",
                "enhancing",
            ),
            tumour.revalidate_tumour_lesion,
            _of_assessment,
        ),
        "deaths": CasebookTable(
            tables.Death, ("death_date", "cause", "cause_detail"), deaths.revalidate_death, _own
        ),
        "withdrawals": CasebookTable(
            tables.Withdrawal,
            ("kind", "withdrawn_on", "last_contact_date", "reason"),
            withdrawals.revalidate_withdrawal,
            _own,
        ),
        "anticancer_therapies": CasebookTable(
            tables.AnticancerTherapy,
            ("name", "category", "started_on", "ended_on"),
            therapies.revalidate_anticancer_therapy,
            _own,
        ),
        "survival_contacts": CasebookTable(
            tables.SurvivalContact,
            ("contact_on", "status", "method"),
            survival_contacts.revalidate_survival_contact,
            _own,
        ),
    }
)


def casebook_table(name: str) -> CasebookTable:
    """The table ``name``, or InputError naming the tables there are."""
    table = TABLES.get(name)
    if table is None:
        raise InputError(
            f"unknown casebook table {name!r}; expected one of {', '.join(TABLES)}", field="table"
        )
    return table


def visible_record(ctx: ServiceContext, name: str, record_id: int) -> tuple[Any, str]:
    """A record the acting user may see, with its subject; NotFoundError otherwise."""
    table = casebook_table(name)
    record_id = record_id_of(record_id)
    record = ctx.session.get(table.model, record_id)
    if record is None:
        raise NotFoundError(f"no {name} record {record_id}", field="record_id")
    subject_id = table.subject_of(ctx, record)
    try:
        subject_for(ctx, subject_id)
    except NotFoundError:
        raise NotFoundError(f"no {name} record {record_id}", field="record_id") from None
    return record, subject_id


def column_names(name: str) -> tuple[str, ...]:
    """The columns of table ``name``."""
    return tuple(column.key for column in inspect(casebook_table(name).model).columns)


def parse_value(name: str, field: str, raw: object) -> object:
    """The value ``raw`` (a text from the command line, or a value) as column ``field`` holds it.

    Raises
    ------
    InputError
        Naming the field, when ``raw`` cannot be read as the column's type or is empty for a
        column that must hold a value.
    """
    column = inspect(casebook_table(name).model).columns[field]
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", "null", "none")):
        if not column.nullable:
            raise InputError(f"{name}.{field} must hold a value", field=field)
        return None
    if not isinstance(raw, str):
        return raw
    value = raw.strip()
    kind = column.type
    try:
        if isinstance(kind, Date):
            return date.fromisoformat(value)
        if isinstance(kind, Boolean):
            return _boolean(value)
        if isinstance(kind, Integer):
            number: object = int(value)
        elif isinstance(kind, Float):
            number = float(value)
        else:
            return value
    except ValueError:
        expected = type(kind).__name__.lower()
        raise InputError(f"{name}.{field} must be a {expected}, got {raw!r}", field=field) from None
    if isinstance(kind, Integer):
        return whole(number, field, low=-MAX_ID, high=MAX_ID)
    return finite(number, field)


def _boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "yes", "y", "1"):
        return True
    if lowered in ("false", "no", "n", "0"):
        return False
    raise ValueError(value)
