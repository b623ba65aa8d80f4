"""Recording a visit's page: the visit with its laboratory panel, vital signs and adverse events.

A coordinator saves a visit's form as one unit. :func:`record_visit_page` checks, grades and
audits each of its records exactly as the single-record services do (it calls their checks:
:func:`~.visits.enter_visit`, :func:`~.labs.enter_lab_panel`,
:func:`~.vital_signs.enter_vital_signs`, :func:`~.adverse_events.enter_adverse_event`) and
writes them in one flush (a second one for the adverse events' per-drug rows, which need the
events' identifiers). The records of a page are of different kinds, so no check of one
reads another; two adverse events of a page with the same term and onset are refused here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from metsor.errors import ConflictError, InputError
from metsor.services.access import require
from metsor.services.casebook.adverse_events import add_drug_rows, enter_adverse_event
from metsor.services.casebook.labs import enter_lab_panel
from metsor.services.casebook.visits import enter_visit
from metsor.services.casebook.vital_signs import enter_vital_signs
from metsor.services.context import ServiceContext
from metsor.store.models.casebook import AdverseEvent, LabResult, Visit, VitalSigns

__all__ = ["VisitPage", "record_visit_page"]


@dataclass(frozen=True)
class VisitPage:
    """What a visit's page stored."""

    visit: Visit
    labs: tuple[LabResult, ...]
    vital_signs: VitalSigns | None
    adverse_events: tuple[AdverseEvent, ...]

    @property
    def records(self) -> int:
        """The casebook records written (a laboratory value counts as one)."""
        return 1 + len(self.labs) + (self.vital_signs is not None) + len(self.adverse_events)


def record_visit_page(
    ctx: ServiceContext,
    *,
    subject_id: str,
    visit_type: str,
    actual_date: date | str,
    number: int | None = None,
    labs: Sequence[Mapping[str, Any]] | None = None,
    vital_signs: Mapping[str, Any] | None = None,
    adverse_events: Sequence[Mapping[str, Any]] | None = None,
) -> VisitPage:
    """Record a visit with what was collected at it, in one flush.

    Parameters
    ----------
    ctx
        The service context (role allowed to enter casebook data).
    subject_id
        The subject.
    visit_type, actual_date, number
        The visit, as :func:`~metsor.services.casebook.record_visit` takes them.
    labs
        The laboratory panel sampled on the visit's day, as ``results`` of
        :func:`~metsor.services.casebook.record_lab_panel`; none when omitted.
    vital_signs
        The vital signs measured on the visit's day, the keyword arguments of
        :func:`~metsor.services.casebook.record_vital_signs` but ``subject_id`` and
        ``measured_on``; none when omitted.
    adverse_events
        Adverse events reported at the visit, each the keyword arguments of
        :func:`~metsor.services.casebook.record_adverse_event` but ``subject_id``.

    Returns
    -------
    VisitPage
        The stored records.

    Raises
    ------
    InputError
        As each single-record service; also vital signs or an adverse event that is not a
        mapping, or that names the subject or the day (naming ``vital_signs`` or
        ``adverse_events``).
    ConflictError
        As each single-record service; also the same adverse event (term and onset) twice on
        the page.
    """
    require(ctx, "enter_casebook")
    visit = enter_visit(
        ctx, subject_id=subject_id, visit_type=visit_type, actual_date=actual_date, number=number
    )
    on = visit.actual_date
    with ctx.session.no_autoflush:
        panel = (
            []
            if labs is None
            else enter_lab_panel(ctx, subject_id=subject_id, collected_on=on, results=labs)
        )
        signs = (
            None
            if vital_signs is None
            else enter_vital_signs(
                ctx,
                subject_id=subject_id,
                measured_on=on,
                **_fields(vital_signs, "vital_signs", ("subject_id", "measured_on")),
            )
        )
        events = [
            enter_adverse_event(
                ctx,
                subject_id=subject_id,
                **_fields(fields, "adverse_events", ("subject_id",)),
            )
            for fields in adverse_events or ()
        ]
    _distinct(events)
    ctx.session.flush()
    if events:
        for event, drugs in events:
            add_drug_rows(ctx, event, drugs)
        ctx.session.flush()
    return VisitPage(
        visit=visit,
        labs=tuple(panel),
        vital_signs=signs,
        adverse_events=tuple(event for event, _ in events),
    )


def _fields(given: object, name: str, fixed: tuple[str, ...]) -> dict[str, Any]:
    """The keyword arguments of one entry of the page, refusing those the page fixes."""
    if not isinstance(given, Mapping):
        raise InputError(f"{name} must be a mapping of fields", field=name)
    taken = [key for key in fixed if key in given]
    if taken:
        raise InputError(f"{name} must not give {taken[0]}: the page sets it", field=name)
    return {str(key): value for key, value in given.items()}


def _distinct(events: Sequence[tuple[AdverseEvent, object]]) -> None:
    seen: set[tuple[str, date]] = set()
    for event, _ in events:
        key = (event.term, event.onset_date)
        if key in seen:
            raise ConflictError(
                f"subject {event.subject_id} has {event.term!r} with onset {event.onset_date} "
                "twice on the page",
                field="adverse_events",
            )
        seen.add(key)
