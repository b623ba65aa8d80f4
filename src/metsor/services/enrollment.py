"""Registering and screening subjects, and recording their consent.

A candidate is registered with their screening record (:mod:`metsor.eligibility.record`); the
record is screened against the protocol (:func:`metsor.eligibility.screen`) with the eligibility
settings in force (resolved when the database is opened, :attr:`ServiceContext.eligibility`,
the same as ``metsor screen``'s)
and both the record and the result are stored with the rules version and settings
(:func:`metsor.eligibility.rules_version`, e.g. ``1.0+albumin_cutoff=3``). The subject's
status follows the verdict: ``eligible``, ``screen_failed`` (ineligible: registered as a
screen failure) or ``screening_incomplete`` (a criterion could not be judged). A subject not
yet randomized may be screened again with a new record; the latest screening counts.

Consent is recorded once, for an eligible subject, on a date (required: never taken to be
today) not before the latest screening and not in the future; the subject becomes
``consented``.

Dates keep to the protocol (:class:`metsor.protocol.model.EntryWindows`): no screening or
consent before the trial's start (the registry's start date, 2015-12-01 for NCT02672488), and
at randomization the latest screening and the consent no older than their windows (28 days
each by default: the registry states none) — :func:`check_randomization_windows`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from metsor.eligibility import (
    EligibilityResult,
    EligibilitySettings,
    ScreeningRecord,
    parse_record,
    screen,
)
from metsor.errors import ConflictError, InputError, PermissionDeniedError
from metsor.plurals import counted
from metsor.protocol import Protocol, builtin
from metsor.services.access import require, subject_for
from metsor.services.context import ServiceContext
from metsor.services.records import FrozenRecord
from metsor.services.sites import find_site
from metsor.store.models.core import Consent, Screening, Site, Subject

__all__ = [
    "ConsentResult",
    "RegistrationResult",
    "StoredScreening",
    "check_randomization_windows",
    "check_trial_start",
    "latest_screening",
    "record_consent",
    "register_subject",
    "rescreen_subject",
    "trial_protocol",
]

_STATUS_OF_VERDICT = {
    "eligible": "eligible",
    "ineligible": "screen_failed",
    "incomplete": "screening_incomplete",
}
_SCREENABLE = frozenset({"eligible", "screen_failed", "screening_incomplete", "consented"})


@dataclass(frozen=True)
class RegistrationResult:
    """The outcome of registering or re-screening a subject.

    Attributes
    ----------
    subject_id
        The subject's identifier (``TJ-001``).
    verdict
        ``eligible``, ``ineligible`` or ``incomplete``.
    status
        The subject's status afterwards.
    failed, unknown
        Ids of the criteria that failed or could not be judged.
    """

    subject_id: str
    verdict: str
    status: str
    failed: tuple[str, ...]
    unknown: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "subject_id": self.subject_id,
            "verdict": self.verdict,
            "status": self.status,
            "failed": list(self.failed),
            "unknown": list(self.unknown),
        }


@dataclass(frozen=True)
class ConsentResult:
    """A recorded consent."""

    subject_id: str
    consent_date: date
    status: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "subject_id": self.subject_id,
            "consent_date": self.consent_date.isoformat(),
            "status": self.status,
        }


@dataclass(frozen=True)
class StoredScreening(FrozenRecord):
    """A stored screening of a subject: the record as given and the result.

    Attributes
    ----------
    id, subject_id
        The screening and its subject.
    screened_on
        The day of screening.
    verdict
        ``eligible``, ``ineligible`` or ``incomplete``.
    rules_version
        The rules and settings screened with (``1.0+albumin_cutoff=3``).
    record, result
        The screening record as stored (JSON) and the per-criterion result (a copy: changing
        it changes nothing stored).
    screened_at
        When it was stored (UTC).
    """

    id: int
    subject_id: str
    screened_on: date
    verdict: str
    rules_version: str
    record: dict[str, Any]
    result: dict[str, Any]
    screened_at: datetime


def _check_not_future(ctx: ServiceContext, day: date, field: str) -> None:
    if day > ctx.today():
        raise InputError(f"{field} {day.isoformat()} is in the future", field=field)
    check_trial_start(day, field, ctx.protocol)


def trial_protocol() -> Protocol:
    """The protocol of the trial the database runs (the built-in NCT02672488)."""
    return builtin()


def check_trial_start(day: date, field: str, protocol: Protocol | None = None) -> None:
    """InputError naming ``field`` when ``day`` lies before the trial's start.

    Parameters
    ----------
    day
        The date given.
    field
        The field it was given in.
    protocol
        The trial's protocol (default :func:`trial_protocol`).
    """
    protocol = protocol or trial_protocol()
    start = protocol.trial_start
    if start is not None and day < start:
        raise InputError(
            f"{field} {day.isoformat()} is before the start of trial {protocol.nct_id} on "
            f"{start.isoformat()}",
            field=field,
        )


def check_randomization_windows(ctx: ServiceContext, subject_id: str, on: date) -> None:
    """Refuse a randomization on ``on`` when the subject's screening or consent is too old.

    The windows are the protocol's (:attr:`metsor.protocol.model.Protocol.windows`): the
    latest screening and the consent must each lie within so many days before randomization.

    Raises
    ------
    ConflictError
        Naming ``screened_on`` or ``consent_date``, with both dates and the window.
    """
    windows = ctx.protocol.windows
    screening = latest_screening(ctx, subject_id)
    consent = ctx.session.scalars(
        select(Consent.consent_date).where(Consent.subject_id == subject_id)
    ).first()
    checks = (
        ("screening", "screened_on", None if screening is None else screening.screened_on,
         windows.screening_window_days),
        ("consent", "consent_date", consent, windows.consent_window_days),
    )  # fmt: skip
    for what, field, day, window in checks:
        if day is not None and (on - day).days > window:
            raise ConflictError(
                f"the {what} of subject {subject_id} on {day} is {counted((on - day).days, 'day')} "
                f"before randomization on {on}; the protocol's {what} window is "
                f"{counted(window, 'day')}",
                field=field,
            )


def _site_for_registration(ctx: ServiceContext, site: str | None) -> Site:
    if site is None:
        if ctx.actor.site_id is None:
            raise InputError("name the subject's site (--site)", field="site")
        found = ctx.session.get(Site, ctx.actor.site_id)
        assert found is not None
        return found
    found = find_site(ctx.session, site)
    if ctx.actor.site_id is not None and found.id != ctx.actor.site_id:
        raise PermissionDeniedError(
            f"user {ctx.username!r} may register subjects only at their own site", field="site"
        )
    return found


def _screening(
    subject_id: str, parsed: ScreeningRecord, result: EligibilityResult, day: date
) -> Screening:
    return Screening(
        subject_id=subject_id,
        screened_on=day,
        verdict=result.verdict,
        rules_version=result.rules_version,
        record=parsed.model_dump(mode="json", exclude_none=True),
        result=result.to_dict(),
    )


def register_subject(
    ctx: ServiceContext,
    *,
    record: Mapping[str, Any],
    site: str | None = None,
    screened_on: date | None = None,
    settings: EligibilitySettings | None = None,
) -> RegistrationResult:
    """Register a candidate, screen their record, and store both.

    Parameters
    ----------
    ctx
        The service context (investigator, coordinator or admin).
    record
        The screening record as a mapping (validated by
        :func:`metsor.eligibility.record.parse_record`).
    site
        Code or name of the site; default the user's own. Site users may name only theirs.
    screened_on
        Date of screening; default today (UTC). Not in the future.
    settings
        The eligibility settings; default those in force, resolved when the database was
        opened (:attr:`metsor.services.context.ServiceContext.eligibility`).

    Returns
    -------
    RegistrationResult
        The new identifier, the verdict and the status.

    Raises
    ------
    InputError
        When the record is invalid (naming the field), the date lies in the future, or a
        setting in the environment is malformed (naming it).
    PermissionDeniedError
        For a role that may not register, or another site than the user's.
    """
    require(ctx, "register_subject")
    day = screened_on or ctx.today()
    _check_not_future(ctx, day, "screened_on")
    site_row = _site_for_registration(ctx, site)
    parsed = parse_record(record)  # a record that cannot be used takes no identifier
    result = screen(parsed, ctx.protocol, settings=settings or ctx.eligibility)
    # Lock the site row so that two registrations at one site never draw the same number.
    ctx.session.scalars(select(Site).where(Site.id == site_row.id).with_for_update()).one()
    count = ctx.session.scalar(
        select(func.count()).select_from(Subject).where(Subject.site_id == site_row.id)
    )
    subject = Subject(
        subject_id=f"{site_row.code}-{int(count or 0) + 1:03d}",
        site_id=site_row.id,
        status=_STATUS_OF_VERDICT[result.verdict],
    )
    ctx.set_reason("subject registered and screened")
    ctx.session.add(subject)
    ctx.session.flush()
    ctx.session.add(_screening(subject.subject_id, parsed, result, day))
    ctx.session.flush()
    return RegistrationResult(
        subject.subject_id, result.verdict, subject.status, result.failed, result.unknown
    )


def latest_screening(ctx: ServiceContext, subject_id: str) -> StoredScreening | None:
    """The subject's most recent screening, or None."""
    row = ctx.session.scalars(
        select(Screening)
        .where(Screening.subject_id == subject_id)
        .order_by(Screening.screened_on.desc(), Screening.id.desc())
        .limit(1)
    ).first()
    return None if row is None else StoredScreening.of(row)


def rescreen_subject(
    ctx: ServiceContext,
    subject_id: str,
    *,
    record: Mapping[str, Any],
    screened_on: date | None = None,
    settings: EligibilitySettings | None = None,
) -> RegistrationResult:
    """Screen a registered, not yet randomized subject again with a new record.

    A consented subject stays consented when still eligible and becomes a screen failure
    otherwise. The settings are as for :func:`register_subject`.

    Raises
    ------
    ConflictError
        When the subject is randomized (or later) or the date is before the last screening.
    """
    require(ctx, "register_subject")
    subject = subject_for(ctx, subject_id, lock=True)
    if subject.status not in _SCREENABLE:
        raise ConflictError(
            f"subject {subject_id} is {subject.status}; only subjects not yet randomized can "
            "be screened again",
            field="subject_id",
        )
    day = screened_on or ctx.today()
    _check_not_future(ctx, day, "screened_on")
    previous = latest_screening(ctx, subject_id)
    if previous is not None and day < previous.screened_on:
        raise ConflictError(
            f"screening date {day} is before the last screening ({previous.screened_on})",
            field="screened_on",
        )
    parsed = parse_record(record)
    result = screen(parsed, ctx.protocol, settings=settings or ctx.eligibility)
    ctx.set_reason("subject screened again")
    ctx.session.add(_screening(subject_id, parsed, result, day))
    consented = subject.status == "consented"
    if result.verdict == "eligible" and consented:
        status = "consented"
    else:
        status = _STATUS_OF_VERDICT[result.verdict]
    subject.status = status
    ctx.session.flush()
    return RegistrationResult(subject_id, result.verdict, status, result.failed, result.unknown)


def record_consent(ctx: ServiceContext, subject_id: str, *, consent_date: date) -> ConsentResult:
    """Record the written informed consent of an eligible subject.

    Parameters
    ----------
    ctx
        The service context (investigator, coordinator or admin of the subject's site).
    subject_id
        The subject.
    consent_date
        Date the consent form was signed; required (never taken to be today).

    Returns
    -------
    ConsentResult
        The consent recorded.

    Raises
    ------
    ConflictError
        When the subject is not eligible, already consented, or the date is before screening.
    InputError
        When the date is missing, lies in the future or before the trial's start.
    """
    require(ctx, "record_consent")
    if not isinstance(consent_date, date):
        raise InputError(
            f"the date the consent form was signed is required, got {consent_date!r}",
            field="consent_date",
        )
    subject = subject_for(ctx, subject_id, lock=True)
    day = consent_date
    _check_not_future(ctx, day, "consent_date")
    if ctx.session.scalars(select(Consent).where(Consent.subject_id == subject_id)).first():
        raise ConflictError(f"subject {subject_id} has already consented", field="subject_id")
    if subject.status != "eligible":
        raise ConflictError(
            f"subject {subject_id} is {subject.status.replace('_', ' ')}; consent is recorded "
            "for eligible subjects only",
            field="subject_id",
        )
    screening = latest_screening(ctx, subject_id)
    assert screening is not None
    if day < screening.screened_on:
        raise ConflictError(
            f"consent date {day} is before the screening date {screening.screened_on}",
            field="consent_date",
        )
    ctx.set_reason("informed consent recorded")
    ctx.session.add(Consent(subject_id=subject_id, consent_date=day))
    subject.status = "consented"
    ctx.session.flush()
    return ConsentResult(subject_id, day, subject.status)
