"""The casebook: recording a subject's trial course and extracting analysis datasets.

One module per topic — :mod:`~.visits`, :mod:`~.missed_visits` (a visit of the schedule
not done), :mod:`~.dosing`, :mod:`~.labs`, :mod:`~.vital_signs`, :mod:`~.adverse_events`,
:mod:`~.tumour`, :mod:`~.deaths`,
:mod:`~.withdrawals`, :mod:`~.therapies` (new anticancer therapy), :mod:`~.survival_contacts`
(last known alive), :mod:`~.queries`, :mod:`~.corrections`, :mod:`~.datasets` — and the
rules they apply: :mod:`~.dose_levels` (label dose levels) and :mod:`~.schedule` (visit
schedule). Every recording function takes a :class:`~metsor.services.context.ServiceContext`
and keyword arguments, validates, writes and audits within the caller's transaction, and
raises :class:`~metsor.errors.InputError` or :class:`~metsor.errors.ConflictError` naming the
field otherwise, so that the unit of work writes nothing.
"""

from __future__ import annotations

from metsor.services.casebook.adverse_events import record_adverse_event
from metsor.services.casebook.corrections import CORRECTABLE_FIELDS, correct_value
from metsor.services.casebook.datasets import (
    AnalysisDatasets,
    adae_rows,
    analysis_datasets,
    subject_courses,
)
from metsor.services.casebook.deaths import record_death
from metsor.services.casebook.dosing import record_dose
from metsor.services.casebook.labs import record_lab, record_lab_panel
from metsor.services.casebook.missed_visits import record_missed_visit
from metsor.services.casebook.pages import VisitPage, VisitPageInput, record_visit_page
from metsor.services.casebook.queries import answer_query, close_query, list_queries, raise_query
from metsor.services.casebook.survival_contacts import record_survival_contact
from metsor.services.casebook.therapies import THERAPY_CATEGORIES, record_anticancer_therapy
from metsor.services.casebook.tumour import record_tumour_assessment
from metsor.services.casebook.visits import record_visit
from metsor.services.casebook.vital_signs import record_vital_signs
from metsor.services.casebook.withdrawals import record_withdrawal

__all__ = [
    "CORRECTABLE_FIELDS",
    "THERAPY_CATEGORIES",
    "AnalysisDatasets",
    "VisitPage",
    "VisitPageInput",
    "adae_rows",
    "analysis_datasets",
    "answer_query",
    "close_query",
    "correct_value",
    "list_queries",
    "raise_query",
    "record_adverse_event",
    "record_anticancer_therapy",
    "record_death",
    "record_dose",
    "record_lab",
    "record_lab_panel",
    "record_missed_visit",
    "record_survival_contact",
    "record_tumour_assessment",
    "record_visit",
    "record_visit_page",
    "record_vital_signs",
    "record_withdrawal",
    "subject_courses",
]
