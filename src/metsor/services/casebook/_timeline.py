"""A subject's key dates, and the date-order rules every casebook entry obeys.

- Nothing is dated after the trial's today (:meth:`ServiceContext.today
  <metsor.services.context.ServiceContext.today>`, the database's clock), nor before the
  trial's start (the protocol's, :attr:`metsor.protocol.model.Protocol.trial_start`).
- Nothing is recorded before written consent.
- Once the subject is randomized, what is dated before randomization (the baseline work-up)
  lies within the protocol's baseline window (28 days by default).
- What belongs after randomization (dosing, treatment visits, follow-up tumour assessments,
  death) is not dated before it; what belongs before it (baseline) is not dated after it.
- Nothing but the death record is dated after death, nor after the end of follow-up
  (withdrawal of consent or loss to follow-up).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, TypeVarTuple

from pydantic import BeforeValidator
from sqlalchemy import Executable, Select, bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from metsor.errors import ConflictError, InputError
from metsor.services.access import _SUBJECT as _SUBJECT_OF_USER
from metsor.services.access import subject_for
from metsor.services.context import ServiceContext
from metsor.services.monitoring.guard import PROBE_COLUMNS, keep_probe
from metsor.store.driver import Rows, prepared
from metsor.store.models.casebook import (
    AdverseEvent,
    AnticancerTherapy,
    Death,
    DoseEvent,
    LabResult,
    SurvivalContact,
    TumourAssessment,
    Visit,
    VitalSigns,
    Withdrawal,
)
from metsor.store.models.core import Allocation, Consent, Subject

__all__: list[str] = []


@dataclass(frozen=True)
class Timeline:
    """The dates that bound what may be recorded for one subject.

    ``today`` is the trial's day when the timeline was loaded: no date may lie after it.
    ``trial_start`` and ``baseline_window_days`` are the protocol's (None: no such bound).
    ``status`` is the subject's as read with the timeline (:func:`subject_status` gives it
    as the transaction may have changed it since).
    """

    subject_id: str
    status: str
    consent_on: date | None
    randomized_on: date | None
    arm: str | None
    death_on: date | None
    end_of_follow_up_on: date | None
    today: date
    trial_start: date | None = None
    baseline_window_days: int | None = None
    row: Subject | None = field(default=None, compare=False, repr=False)

    def check(
        self,
        on: date,
        *,
        field: str,
        after_randomization: bool = False,
        until_randomization: bool = False,
        is_death: bool = False,
    ) -> None:
        """Raise an error naming ``field`` if ``on`` breaks the date-order rules.

        Raises
        ------
        InputError
            When ``on`` lies after the trial's today or before the trial's start.
        ConflictError
            When ``on`` is out of order with consent, randomization, death or end of follow-up,
            or lies before randomization by more than the baseline window.
        """
        self._check_trial_bounds(on, field)
        who = f"subject {self.subject_id}"
        if self.consent_on is None:
            raise ConflictError(f"{who} has no recorded consent", field="subject_id")
        if on < self.consent_on:
            raise ConflictError(
                f"{field} {on} is before {who}'s consent on {self.consent_on}", field=field
            )
        window = self.baseline_window_days
        start = self.randomized_on
        if start is not None and window is not None and on < start - timedelta(days=window):
            raise ConflictError(
                f"{field} {on} is more than {window} days before {who}'s randomization on "
                f"{start}: outside the protocol's baseline window",
                field=field,
            )
        if after_randomization or until_randomization:
            start = self.require_randomized(field)
            if after_randomization and on < start:
                raise ConflictError(
                    f"{field} {on} is before {who}'s randomization on {start}", field=field
                )
            if until_randomization and on > start:
                raise ConflictError(
                    f"{field} {on} is after {who}'s randomization on {start}", field=field
                )
        if not is_death:
            if self.death_on is not None and on > self.death_on:
                raise ConflictError(
                    f"{field} {on} is after {who}'s death on {self.death_on}", field=field
                )
            end = self.end_of_follow_up_on
            if end is not None and on > end:
                raise ConflictError(
                    f"{field} {on} is after {who}'s end of follow-up on {end}", field=field
                )

    def _check_trial_bounds(self, on: date, field: str) -> None:
        """InputError when ``on`` lies after the trial's today or before its start."""
        if on > self.today:
            raise InputError(f"{field} {on.isoformat()} is in the future", field=field)
        if self.trial_start is not None and on < self.trial_start:
            raise InputError(
                f"{field} {on.isoformat()} is before the start of the trial on "
                f"{self.trial_start.isoformat()}",
                field=field,
            )

    def require_randomized(self, field: str) -> date:
        """The randomization date, or ConflictError if the subject is not randomized."""
        if self.randomized_on is None:
            raise ConflictError(f"subject {self.subject_id} is not randomized", field=field)
        return self.randomized_on


_CACHE = "metsor_casebook_timelines"

_Ts = TypeVarTuple("_Ts")

#: The dates of a subject's timeline, with what the monitoring guard reads of the subject
#: before its first write (whether it is locked, signed, verified or queried).
_DATE_COLUMNS = (
    Consent.consent_date,
    Allocation.randomized_at,
    Allocation.arm,
    Death.death_date,
    Withdrawal.withdrawn_on,
    *PROBE_COLUMNS,
)


def _joined_dates(statement: Select[*_Ts]) -> Select[*_Ts]:
    """``statement``, a read of one subject, joined to what :data:`_DATE_COLUMNS` read."""
    return (
        statement.outerjoin(Consent, Consent.subject_id == Subject.subject_id)
        .outerjoin(Allocation, Allocation.subject_id == Subject.subject_id)
        .outerjoin(Death, Death.subject_id == Subject.subject_id)
        .outerjoin(Withdrawal, Withdrawal.subject_id == Subject.subject_id)
    )


#: The dates alone, read after the subject's row is locked, in one statement built once.
_TIMELINE_DATES = _joined_dates(select(*_DATE_COLUMNS).select_from(Subject)).where(
    Subject.subject_id == bindparam("subject_id")
)

#: On SQLite, the subject as :func:`~metsor.services.access.subject_for` locks it (of the
#: user's site or not) with its dates, in one statement built once: there the transaction
#: holds the database's write lock from its ``BEGIN IMMEDIATE``, so a read in the statement
#: that loads the subject sees all that was committed before it.
_SUBJECT_WITH_DATES = {
    of_site: _joined_dates(
        _SUBJECT_OF_USER[(True, of_site)].with_only_columns(Subject.status, *_DATE_COLUMNS)
    )
    for of_site in (False, True)
}


def read_rows(ctx: ServiceContext, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
    """The rows of a Core ``statement`` built once, run on the transaction's connection.

    Pending changes are flushed first, as a session query would, unless the caller holds
    autoflush off (``with ctx.session.no_autoflush``); going past the ORM's per-query
    machinery, and on SQLite past SQLAlchemy's execution (:class:`metsor.store.driver.Prepared`,
    compiled once per statement), is what makes the casebook's many small reads cheap.
    """
    return session_rows(ctx.session, statement, parameters)


def session_rows(session: Session, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
    """:func:`read_rows` for code that holds a session rather than a service context."""
    if session.autoflush:
        session.flush()
    return prepared(statement).rows(session.connection(), parameters)


def load_timeline(ctx: ServiceContext, subject_id: str) -> Timeline:
    """The subject's timeline; locks the subject row until the transaction ends.

    Within one transaction the timeline is read once per subject and kept on the session;
    a death or a withdrawal recorded meanwhile keeps it up to date (:func:`keep_timeline`).

    Raises
    ------
    NotFoundError
        When the subject does not exist or belongs to another site than the user's.
    """
    cache: dict[str, Timeline] = ctx.session.info.setdefault(_CACHE, {})
    cached = cache.get(subject_id)
    if cached is not None:
        return cached
    subject, row = _subject_and_dates(ctx, subject_id)
    keep_probe(ctx.session, subject_id, row.locked, row.signed, row.marked, row.queried)
    protocol = ctx.protocol
    timeline = Timeline(
        subject_id=subject_id,
        status=row.status if subject is None else subject.status,
        consent_on=row.consent_date,
        randomized_on=None if row.randomized_at is None else row.randomized_at.date(),
        arm=row.arm,
        death_on=row.death_date,
        end_of_follow_up_on=row.withdrawn_on,
        today=ctx.today(),
        trial_start=protocol.trial_start,
        baseline_window_days=protocol.windows.baseline_window_days,
        row=subject,
    )
    cache[subject_id] = timeline
    return timeline


def _subject_and_dates(ctx: ServiceContext, subject_id: str) -> tuple[Subject | None, Any]:
    """The subject's row, locked (None on SQLite), and the row of its :data:`_DATE_COLUMNS`.

    On PostgreSQL the dates are read after the lock is held, in a statement of their own, so
    that they see what the lock's last holder committed (a death, a signature); on SQLite,
    in the statement that finds the subject, as plain columns with its status (see
    :data:`_SUBJECT_WITH_DATES`): the subject's row itself is loaded only by an entry that
    changes its status (:func:`subject_row`).
    """
    session = ctx.session
    if session.get_bind().dialect.name != "sqlite":
        subject = subject_for(ctx, subject_id, lock=True)
        return subject, read_rows(ctx, _TIMELINE_DATES, {"subject_id": subject_id}).one()
    site_id = ctx.actor.site_id
    statement = _SUBJECT_WITH_DATES[site_id is not None]
    row = read_rows(ctx, statement, {"subject_id": subject_id, "site_id": site_id}).one_or_none()
    if row is None:  # not there, or of another site: as subject_for says it
        subject_for(ctx, subject_id, lock=True)
        raise AssertionError(f"subject {subject_id!r} found by subject_for alone")
    return None, row


def subject_status(ctx: ServiceContext, timeline: Timeline) -> str:
    """The subject's status now: as the transaction set it on the subject's row, else as read
    with the timeline."""
    loaded = ctx.session.identity_map.get(identity_key(Subject, timeline.subject_id))
    return timeline.status if loaded is None else str(loaded.status)


def subject_row(ctx: ServiceContext, timeline: Timeline) -> Subject:
    """The subject of a timeline as a stored row, for an entry that changes its status (the
    row :func:`load_timeline` locked; on SQLite read now, the write lock held, and kept with
    the transaction's timeline)."""
    kept: Timeline = ctx.session.info.get(_CACHE, {}).get(timeline.subject_id, timeline)
    if kept.row is not None:
        return kept.row
    subject = ctx.session.get(Subject, timeline.subject_id)
    if subject is None:  # load_timeline found it in this transaction
        raise AssertionError(f"subject {timeline.subject_id!r} vanished")
    keep_timeline(ctx, replace(kept, row=subject))
    return subject


def keep_timeline(ctx: ServiceContext, timeline: Timeline) -> None:
    """Keep ``timeline`` as its subject's for the rest of the transaction, in place of the
    one :func:`load_timeline` read (a death or a withdrawal just recorded changes it)."""
    ctx.session.info.setdefault(_CACHE, {})[timeline.subject_id] = timeline


#: What each date of :data:`_LAST_DATES` is.
_DATED: tuple[tuple[Any, Any, str], ...] = (
    (Visit.actual_date, Visit.subject_id, "a visit"),
    (DoseEvent.event_date, DoseEvent.subject_id, "a dosing event"),
    (LabResult.collected_on, LabResult.subject_id, "a laboratory result"),
    (VitalSigns.measured_on, VitalSigns.subject_id, "vital signs"),
    (AdverseEvent.onset_date, AdverseEvent.subject_id, "an adverse event onset"),
    (AdverseEvent.resolution_date, AdverseEvent.subject_id, "an adverse event resolution"),
    (TumourAssessment.assessed_on, TumourAssessment.subject_id, "a tumour assessment"),
    (AnticancerTherapy.started_on, AnticancerTherapy.subject_id, "an anticancer therapy start"),
    (AnticancerTherapy.ended_on, AnticancerTherapy.subject_id, "an anticancer therapy end"),
)

#: The latest date of each kind of clinical record of a subject, and of a survival contact
#: that found them alive (a contact that finds the subject dead never blocks the death
#: record), in one statement built once.
_LAST_DATES = select(
    *(
        select(func.max(column)).where(owner == bindparam("subject_id")).scalar_subquery()
        for column, owner, _ in _DATED
    ),
    select(func.max(SurvivalContact.contact_on))
    .where(SurvivalContact.subject_id == bindparam("subject_id"), SurvivalContact.status == "alive")
    .scalar_subquery(),
)


def last_data_on(session: Session, subject_id: str) -> tuple[date, str] | None:
    """The latest date of any clinical record of the subject, with what it is."""
    row = session_rows(session, _LAST_DATES, {"subject_id": subject_id}).one()
    what = [described for _, _, described in _DATED] + ["a survival contact (alive)"]
    candidates = [
        (latest, kind) for latest, kind in zip(row, what, strict=True) if latest is not None
    ]
    return max(candidates) if candidates else None


def check_nothing_after(session: Session, subject_id: str, on: date, *, field: str) -> None:
    """ConflictError if a clinical record of the subject is dated after ``on``."""
    latest = last_data_on(session, subject_id)
    if latest is not None and latest[0] > on:
        raise ConflictError(
            f"{field} {on} is before {latest[1]} recorded on {latest[0]} for subject {subject_id}",
            field=field,
        )


def text(value: object, field: str, *, max_length: int = 2000) -> str:
    """A non-empty text; InputError naming the field otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{field} must be a non-empty text", field=field)
    stripped = value.strip()
    if len(stripped) > max_length:
        raise InputError(f"{field} is longer than {max_length} characters", field=field)
    return stripped


def words(max_length: int = 2000, *, optional: bool = False) -> BeforeValidator:
    """An input model's check that a value is a text of words, stripped, at most
    ``max_length`` characters; blank is refused, or read as None when ``optional``.

    Examples
    --------
    >>> from typing import Annotated
    >>> Reason = Annotated[str, words()]
    >>> Detail = Annotated[str | None, words(optional=True)]
    """

    def check(value: object) -> object:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise ValueError(f"must be a text, got {type(value).__name__} {value!r}")
        stripped = value.strip()
        if not stripped:
            if optional:
                return None
            raise ValueError("must be a non-empty text")
        if len(stripped) > max_length:
            raise ValueError(f"is longer than {max_length} characters")
        return stripped

    return BeforeValidator(check)


def blank_as_none(value: object) -> object:
    """None for an empty text (an optional day left blank), the value otherwise."""
    return None if isinstance(value, str) and not value.strip() else value


def choice(value: object, field: str, options: tuple[str, ...]) -> str:
    """One of ``options``; InputError naming the field and the options otherwise."""
    if not isinstance(value, str) or value not in options:
        raise InputError(f"{field} must be one of {', '.join(options)}; got {value!r}", field=field)
    return value
