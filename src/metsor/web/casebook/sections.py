"""The casebook's entry sections: what each shows and asks, and the service that records it.

A :class:`Section` names its page (``/subjects/{id}/casebook/<slug>``), the casebook table
its values come from (for their audit history and corrections), the columns shown, the form's
inputs — their choices are the services' own — the entry's schema (shared with the JSON API)
and the recording service. The pages themselves are in :mod:`metsor.web.casebook.entries`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel

from metsor.services.casebook.deaths import record_death
from metsor.services.casebook.dosing import record_dose
from metsor.services.casebook.pages import VisitPageInput, record_visit_page
from metsor.services.casebook.survival_contacts import record_survival_contact
from metsor.services.casebook.therapies import record_anticancer_therapy
from metsor.services.casebook.vital_signs import record_vital_signs
from metsor.services.casebook.withdrawals import record_withdrawal
from metsor.services.casebook_view import (
    ACTIONS_TAKEN,
    CONTACT_METHODS,
    DEATH_CAUSES,
    DOSE_EVENTS,
    LAB_ANALYTES,
    OUTCOMES,
    RELATEDNESS,
    SURVIVAL_STATUSES,
    THERAPY_CATEGORIES,
    VISIT_TYPES,
    WITHDRAWAL_KINDS,
    CasebookView,
)
from metsor.web.casebook.schemas import (
    AnticancerTherapyIn,
    DeathIn,
    DoseIn,
    SurvivalContactIn,
    VitalSignsIn,
    WithdrawalIn,
)

__all__ = ["ADVERSE_EVENT_ROWS", "LAB_CELLS", "LAB_ROWS", "SECTIONS", "Column", "Input", "Section"]

Choices = tuple[tuple[str, str], ...]


def _plain(values: tuple[str, ...]) -> Choices:
    return tuple((value, value.replace("_", " ")) for value in values)


@dataclass(frozen=True)
class Column:
    """A column of a section's table: the record's field, its heading, whether it holds a
    number (right-aligned), a CTCAE grade (shown as one) or a code (shown in words)."""

    field: str
    label: str
    numeric: bool = False
    grade: bool = False
    code: bool = False


@dataclass(frozen=True)
class Input:
    """An input of a section's form.

    ``kind`` is ``text``, ``number``, ``date``, ``choice`` or ``yesno``; a date's ``default``
    of ``"today"`` is the trial's today; ``groups`` holds the choices of a ``choice`` grouped
    under headings (a dose level under its drug). ``part`` names the part of the entry the
    input belongs to, shown under that heading (the vital signs of a visit's page).
    """

    name: str
    label: str
    kind: str = "text"
    choices: Choices = ()
    groups: tuple[tuple[str, Choices], ...] = ()
    default: str = ""
    blank: bool = False
    wide: bool = False
    part: str = ""


@dataclass(frozen=True)
class Section:
    """One kind of casebook entry with its page, table, form and service.

    ``panel`` lists the analytes of the laboratory values the form takes with the entry, in
    rows (:data:`LAB_ROWS`; a visit's page), none when empty; ``events`` the inputs of a row
    of the adverse events it takes (:data:`ADVERSE_EVENT_ROWS`; a visit's page), if any.
    """

    slug: str
    title: str
    noun: str
    table: str
    columns: tuple[Column, ...]
    inputs: Callable[[CasebookView], tuple[Input, ...]]
    model: type[BaseModel]
    record: Callable[..., Any]
    reason: str
    rows: Callable[[CasebookView], tuple[Mapping[str, Any], ...]]
    single: bool = False
    panel: tuple[str, ...] = ()
    events: Callable[[CasebookView], tuple[Input, ...]] | None = None


def _vital_inputs(_: CasebookView) -> tuple[Input, ...]:
    return (
        Input("measured_on", "Measured on", "date", default="today"),
        Input("systolic_mmhg", "Systolic (mm Hg)", "number"),
        Input("diastolic_mmhg", "Diastolic (mm Hg)", "number"),
        Input("heart_rate_bpm", "Heart rate (/min)", "number"),
        Input("temperature_c", "Temperature (°C)", "number"),
        Input("weight_kg", "Weight (kg)", "number"),
        Input("ecog", "ECOG", "choice", _plain(("0", "1", "2", "3", "4", "5")), blank=True),
    )


LAB_ROWS = 8
"""Rows of laboratory values a visit's form offers (blank rows are left out)."""

LAB_CELLS = ("analyte", "value", "unit", "lln", "uln")
"""The cells of a row of laboratory values on a visit's form."""

#: The heading of a visit's vital signs on its form.
VITAL_SIGNS_AT_VISIT = "Vital signs at the visit (if measured)"


def _visit_inputs(view: CasebookView) -> tuple[Input, ...]:
    """The visit, and the vital signs measured at it (its laboratory values are the section's
    panel): one page, saved in one call."""
    signs = tuple(
        replace(i, name=f"vital_signs.{i.name}", part=VITAL_SIGNS_AT_VISIT)
        for i in _vital_inputs(view)
        if i.name != "measured_on"
    )
    return (
        Input("visit_type", "Visit", "choice", _plain(VISIT_TYPES), default="treatment"),
        Input("number", "Number (default: the next)", "number"),
        Input("actual_date", "Took place on", "date", default="today"),
        *signs,
    )


ADVERSE_EVENT_ROWS = 4
"""Rows of adverse events a visit's form offers (blank rows are left out)."""

#: The CTCAE grades an adverse event takes (v5.0: 1 mild to 5 death related to the event), as
#: the adverse-event service does: grade 5 only with outcome ``fatal``, the service's rule.
_EVENT_GRADES = tuple(str(grade) for grade in range(1, 6))


def _event_inputs(view: CasebookView) -> tuple[Input, ...]:
    """A row of a visit's adverse events: the event, its outcome (blank: not recovered, the
    service's default) and the day it resolved, and its relatedness to each study drug of the
    subject's arm and the action taken with it (the drugs are the protocol's)."""
    drugs = tuple(
        field
        for drug in view.drugs
        for field in (
            Input(f"relatedness.{drug}", f"Related to {drug}", "choice", _plain(RELATEDNESS),
                  blank=True),
            Input(f"action_taken.{drug}", f"Action with {drug}", "choice",
                  _plain(ACTIONS_TAKEN), blank=True),
        )
    )  # fmt: skip
    return (
        Input("term", "Term (CTCAE)"),
        Input("grade", "Grade", "choice", _plain(_EVENT_GRADES), blank=True),
        Input("onset_date", "Onset", "date"),
        Input("serious", "Serious", "yesno"),
        Input("outcome", "Outcome", "choice", _plain(OUTCOMES), blank=True),
        Input("resolution_date", "Resolved on", "date"),
        *drugs,
    )


def _dose_inputs(view: CasebookView) -> tuple[Input, ...]:
    levels = view.dose_levels
    return (
        Input("drug", "Drug", "choice", _plain(view.drugs)),
        Input("event", "Event", "choice", _plain(DOSE_EVENTS)),
        Input("event_date", "From", "date", default="today"),
        Input(
            "level",
            "Dose level",
            "choice",
            blank=True,
            groups=tuple((drug, levels[drug]) for drug in view.drugs if drug in levels),
        ),
        Input("reason", "Reason (for any event but a start)", wide=True),
        Input("egfr_override", "eGFR override (start below the label's eGFR limit)", wide=True),
    )


def _therapy_inputs(_: CasebookView) -> tuple[Input, ...]:
    return (
        Input("name", "Therapy"),
        Input("category", "Category", "choice", _plain(THERAPY_CATEGORIES)),
        Input("started_on", "Started on", "date", default="today"),
        Input("ended_on", "Ended on", "date"),
    )


def _contact_inputs(_: CasebookView) -> tuple[Input, ...]:
    return (
        Input("contact_on", "Contact on", "date", default="today"),
        Input("status", "Found", "choice", _plain(SURVIVAL_STATUSES)),
        Input("method", "How", "choice", _plain(CONTACT_METHODS)),
    )


def _death_inputs(_: CasebookView) -> tuple[Input, ...]:
    return (
        Input("death_date", "Date of death", "date", default="today"),
        Input("cause", "Primary cause", "choice", _plain(DEATH_CAUSES)),
        Input("cause_detail", "Detail", wide=True),
    )


def _withdrawal_inputs(_: CasebookView) -> tuple[Input, ...]:
    return (
        Input("kind", "Why follow-up ended", "choice", _plain(WITHDRAWAL_KINDS)),
        Input("withdrawn_on", "On", "date", default="today"),
        Input("last_contact_date", "Last known alive (if earlier)", "date"),
        Input("reason", "Reason", wide=True),
    )


def _one(row: Mapping[str, Any] | None) -> tuple[Mapping[str, Any], ...]:
    return () if row is None else (row,)


SECTIONS: Mapping[str, Section] = {
    section.slug: section
    for section in (
        Section(
            "visits", "Visits", "visit", "visits",
            (Column("visit_type", "Visit", code=True), Column("number", "No.", True),
             Column("planned_date", "Planned"), Column("actual_date", "Took place"),
             Column("in_window", "In window")),
            _visit_inputs, VisitPageInput, record_visit_page, "visit entered",
            lambda v: v.visits, panel=LAB_ANALYTES, events=_event_inputs,
        ),
        Section(
            "vital-signs", "Vital signs", "vital signs", "vital_signs",
            (Column("measured_on", "Measured"), Column("systolic_mmhg", "Systolic", True),
             Column("diastolic_mmhg", "Diastolic", True),
             Column("hypertension_grade", "Hypertension (CTCAE)", grade=True),
             Column("heart_rate_bpm", "Heart rate", True),
             Column("temperature_c", "Temp. °C", True), Column("weight_kg", "Weight kg", True),
             Column("ecog", "ECOG", True)),
            _vital_inputs, VitalSignsIn, record_vital_signs, "vital signs entered",
            lambda v: v.vital_signs,
        ),
        Section(
            "dosing", "Dosing and dose changes", "dosing event", "dose_events",
            (Column("event_date", "From"), Column("drug", "Drug"),
             Column("event", "Event", code=True), Column("level", "Level"),
             Column("dose_mg", "mg", True),
             Column("frequency", "Frequency"), Column("reason", "Reason")),
            _dose_inputs, DoseIn, record_dose, "dosing entered", lambda v: v.doses,
        ),
        Section(
            "therapies", "New anticancer therapies", "therapy", "anticancer_therapies",
            (Column("name", "Therapy"), Column("category", "Category", code=True),
             Column("started_on", "Started"), Column("ended_on", "Ended")),
            _therapy_inputs, AnticancerTherapyIn, record_anticancer_therapy,
            "new anticancer therapy entered", lambda v: v.therapies,
        ),
        Section(
            "survival", "Survival follow-up", "survival contact", "survival_contacts",
            (Column("contact_on", "Contact"), Column("status", "Found", code=True),
             Column("method", "How", code=True)),
            _contact_inputs, SurvivalContactIn, record_survival_contact,
            "survival contact entered", lambda v: v.survival_contacts,
        ),
        Section(
            "death", "Death", "death", "deaths",
            (Column("death_date", "Date of death"), Column("cause", "Primary cause", code=True),
             Column("cause_detail", "Detail")),
            _death_inputs, DeathIn, record_death, "death entered", lambda v: _one(v.death),
            single=True,
        ),
        Section(
            "withdrawal", "End of follow-up", "withdrawal", "withdrawals",
            (Column("kind", "Why", code=True), Column("withdrawn_on", "On"),
             Column("last_contact_date", "Last known alive"), Column("reason", "Reason")),
            _withdrawal_inputs, WithdrawalIn, record_withdrawal, "withdrawal entered",
            lambda v: _one(v.withdrawal), single=True,
        ),
    )
}  # fmt: skip
"""The entry sections by slug, in the order the casebook lists them."""
