"""Recording a visit's page: the visit with its laboratory panel, vital signs and adverse events.

A coordinator saves a visit's form as one unit. :func:`record_visit_page` checks, grades and
audits each of its records exactly as the single-record services do (it calls their checks:
:func:`~.visits.enter_visit`, :func:`~.labs.enter_lab_panel`,
:func:`~.vital_signs.enter_vital_signs`, :func:`~.adverse_events.enter_adverse_event`) and
writes them at once, one INSERT statement a table
(:func:`metsor.store.audit.hooks.insert_records`; the adverse events' per-drug rows after the
events, whose identifiers they need). The records of a page are of different kinds, so no
check of one reads another; two adverse events of a page with the same term and onset are
refused here.

What the page is given is checked first, whole, by :class:`VisitPageInput` — made of the
single-record services' own input models — so that a fault names its place in the page
(``vital_signs.ecog``, ``labs.2.unit``, ``adverse_events.0.grade``); what it stored comes back
as a :class:`VisitPage` of their frozen records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import field_validator

from metsor.errors import ConflictError, MetsorError
from metsor.services.access import require
from metsor.services.casebook._boundary import FrozenRecord, checked
from metsor.services.casebook.adverse_events import (
    AdverseEventInput,
    AdverseEventRecord,
    enter_adverse_event,
    insert_drug_rows,
)
from metsor.services.casebook.labs import LabRecord, Panel, enter_lab_panel
from metsor.services.casebook.visits import VisitInput, VisitRecord, enter_visit
from metsor.services.casebook.vital_signs import (
    VitalSignsRecord,
    VitalSignsValues,
    enter_vital_signs,
)
from metsor.services.context import ServiceContext
from metsor.store.audit.hooks import insert_records
from metsor.store.base import AuditedMixin
from metsor.store.models.casebook import AdverseEvent

__all__ = ["VisitPage", "VisitPageInput", "record_visit_page"]


class VisitPageInput(VisitInput):
    """A visit's page as given: the visit, and what was collected at it (each part as its
    own service checks it; the laboratory values and vital signs take the visit's day)."""

    labs: Panel | None = None
    vital_signs: VitalSignsValues | None = None
    adverse_events: tuple[AdverseEventInput, ...] = ()

    @field_validator("vital_signs", mode="before")
    @classmethod
    def _vital_signs_of_the_day(cls, given: object) -> object:
        return _not_setting(given, ("subject_id", "measured_on"))

    @field_validator("adverse_events", mode="before")
    @classmethod
    def _events_of_the_subject(cls, given: object) -> object:
        if isinstance(given, Sequence) and not isinstance(given, str):
            for event in given:
                _not_setting(event, ("subject_id",))
        return given


def _not_setting(given: object, fixed: tuple[str, ...]) -> object:
    """Refuse an entry of the page that gives what the page sets (the subject, the day)."""
    if isinstance(given, Mapping):
        taken = [key for key in fixed if key in given]
        if taken:
            raise ValueError(f"must not give {taken[0]}: the page sets it")
    return given


@dataclass(frozen=True)
class VisitPage(FrozenRecord):
    """What a visit's page stored, as frozen records."""

    visit: VisitRecord
    labs: tuple[LabRecord, ...]
    vital_signs: VitalSignsRecord | None
    adverse_events: tuple[AdverseEventRecord, ...]

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
    """Record a visit with what was collected at it, at once.

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
        As each single-record service, naming the field within the page
        (``vital_signs.systolic_mmhg``, ``labs.0.value``, ``adverse_events.1.grade``); also
        vital signs or an adverse event that is not a mapping, or that names the subject or
        the day (an unknown field).
    ConflictError
        As each single-record service; also the same adverse event (term and onset) twice on
        the page.
    """
    require(ctx, "enter_casebook")
    given = checked(
        VisitPageInput,
        {
            "visit_type": visit_type,
            "actual_date": actual_date,
            "number": number,
            "labs": labs,
            "vital_signs": vital_signs,
            "adverse_events": () if adverse_events is None else adverse_events,
        },
    )
    visit = enter_visit(ctx, subject_id, given)
    on = visit.actual_date
    with ctx.session.no_autoflush:
        panel = [] if given.labs is None else enter_lab_panel(ctx, subject_id, on, given.labs)
        signs = (
            None
            if given.vital_signs is None
            else enter_vital_signs(ctx, subject_id, on, given.vital_signs)
        )
        events = []
        for index, reported in enumerate(given.adverse_events):
            with _placed(f"adverse_events.{index}."):
                events.append(enter_adverse_event(ctx, subject_id, reported))
    _distinct(events)
    written: list[AuditedMixin] = [visit, *panel, *(event for event, _ in events)]
    insert_records(ctx.session, written if signs is None else [*written, signs])
    insert_drug_rows(ctx, events)
    return VisitPage(
        visit=VisitRecord.of(visit),
        labs=tuple(LabRecord.of(result) for result in panel),
        vital_signs=None if signs is None else VitalSignsRecord.of(signs),
        adverse_events=tuple(AdverseEventRecord.of_event(*entered) for entered in events),
    )


@contextmanager
def _placed(prefix: str) -> Iterator[None]:
    """A part's refusal by its own service's rules (a grade the term does not have, a date
    out of order) names its field within the page, as the page's input model does
    (``adverse_events.1.grade``)."""
    try:
        yield
    except MetsorError as exc:
        if exc.field is None or exc.field.startswith(prefix):
            raise
        raise type(exc)(
            exc.message, field=f"{prefix}{exc.field}", row=exc.row, names=exc.names
        ) from None


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
