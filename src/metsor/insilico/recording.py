"""Entering a virtual subject's planned course through the casebook services.

Each day of a subject's course is one page: one unit of work, on behalf of the site user who
would enter it (the coordinator for visits, laboratory values and vital signs; the
investigator when the page holds a tumour assessment, an adverse event, a dosing change, a new
anticancer therapy, a death or a withdrawal). The services validate, grade, classify and audit
every entry as they do for a real site; an entry they refuse stops the virtual trial with
their error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from metsor.insilico.plan import PlannedEntry
from metsor.services import casebook
from metsor.services.context import Database, unit_of_work

__all__ = ["INVESTIGATOR_KINDS", "record_page"]

INVESTIGATOR_KINDS: frozenset[str] = frozenset(
    {"tumour_assessment", "adverse_event", "dose", "therapy", "death", "withdrawal"}
)
"""Entries an investigator makes; the coordinator makes the others."""

_SERVICES: dict[str, Callable[..., Any]] = {
    "visit": casebook.record_visit,
    "missed_visit": casebook.record_missed_visit,
    "lab": casebook.record_lab,
    "vital_signs": casebook.record_vital_signs,
    "tumour_assessment": casebook.record_tumour_assessment,
    "adverse_event": casebook.record_adverse_event,
    "dose": casebook.record_dose,
    "therapy": casebook.record_anticancer_therapy,
    "withdrawal": casebook.record_withdrawal,
    "death": casebook.record_death,
}


def record_page(
    database: Database,
    subject_id: str,
    on: date,
    entries: Sequence[PlannedEntry],
    *,
    investigator: str,
    coordinator: str,
) -> int:
    """Enter one day of a subject's course in one transaction.

    Parameters
    ----------
    database
        The trial database.
    subject_id
        The subject.
    on
        The day (every entry is dated on it).
    entries
        The day's entries, in the order they are made.
    investigator, coordinator
        Usernames of the site's investigator and coordinator.

    Returns
    -------
    int
        Entries recorded.
    """
    user = investigator if any(e.kind in INVESTIGATOR_KINDS for e in entries) else coordinator
    with unit_of_work(database, user) as ctx:
        for entry in entries:
            if entry.on != on:
                raise ValueError(f"entry {entry.kind} of {entry.on} is not on page {on}")
            _SERVICES[entry.kind](ctx, subject_id=subject_id, **entry.fields)
    return len(entries)
