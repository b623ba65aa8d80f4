"""Closing a virtual trial at its data cut-off: the investigators sign, the data manager locks.

On the cut-off day, after the last page is entered, each site's investigator signs the casebook
of every randomized subject of the site whose follow-up has ended (:func:`follow_up_end`):
who died, who withdrew consent or was lost to follow-up, and who completed follow-up — was
still followed when the cut-off ended it. The investigator signs through the signature service
with their own password (the demo users' passwords are known, :data:`DEMO_PASSWORDS`), once for
the site's series of casebooks (21 CFR Part 11 §11.200(a)(1)(i)), each casebook with its own
digest. The data manager may then lock the study (:func:`lock_study`), the database lock a
final analysis rests on; left open, the database still accepts entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, time

from metsor.insilico.plan import CoursePlan
from metsor.services.context import Database, unit_of_work
from metsor.services.monitoring.locks import change_lock
from metsor.services.monitoring.signatures import sign_casebooks

__all__ = ["CLOSE_OUT_HOURS", "follow_up_end", "lock_study", "sign_ended_casebooks"]

CLOSE_OUT_HOURS: time = time(8, 0, tzinfo=UTC)
"""When the cut-off day's sign-off happens (16:00 in Tianjin), after its pages (10:00); the
lock follows a minute later. A signature dated after the cut-off would not count at it."""


def follow_up_end(plan: CoursePlan, cutoff: date) -> str | None:
    """How a subject's follow-up ended by the cut-off, or None if it had not.

    Parameters
    ----------
    plan
        The subject's course.
    cutoff
        The data cut-off.

    Returns
    -------
    str or None
        ``died``, ``withdrawn`` (consent withdrawn or lost to follow-up) or ``completed``
        (followed up to the cut-off); None for a subject randomized after it.
    """
    if plan.death_on is not None and plan.death_on <= cutoff:
        return "died"
    if plan.withdrawal_kind is not None:
        return "withdrawn"
    return "completed" if plan.randomized_on <= cutoff else None


def _at(database: Database, day: date, minute: int = 0) -> Database:
    moment = datetime.combine(day, CLOSE_OUT_HOURS).replace(minute=minute)
    return replace(database, clock=lambda: moment)


def sign_ended_casebooks(
    database: Database,
    plans: Iterable[CoursePlan],
    cutoff: date,
    *,
    investigators: Mapping[str, str],
    passwords: Mapping[str, str],
) -> dict[str, int]:
    """Have each site's investigator sign the casebooks whose follow-up has ended.

    Parameters
    ----------
    database
        The trial database.
    plans
        The randomized subjects' courses.
    cutoff
        The data cut-off: the day the casebooks are signed.
    investigators
        Site code → the username of its investigator.
    passwords
        Username → password.

    Returns
    -------
    dict
        Site code → casebooks signed.
    """
    by_site: dict[str, list[str]] = {}
    for plan in sorted(plans, key=lambda p: p.subject_id):
        if follow_up_end(plan, cutoff) is not None:
            by_site.setdefault(plan.site, []).append(plan.subject_id)
    signed = {}
    for site, subjects in sorted(by_site.items()):
        investigator = investigators[site]
        sign_casebooks(
            _at(database, cutoff),
            acting_user=investigator,
            user_id=investigator,
            password=passwords[investigator],
            subject_ids=subjects,
            meaning="approve",
            printed_name=f"Investigator of site {site} (virtual)",
        )
        signed[site] = len(subjects)
    return signed


def lock_study(database: Database, cutoff: date, *, data_manager: str) -> None:
    """Have the data manager lock the study on the cut-off day, after the signatures.

    Parameters
    ----------
    database
        The trial database.
    cutoff
        The data cut-off.
    data_manager
        The data manager's username.
    """
    with unit_of_work(_at(database, cutoff, minute=1), data_manager) as ctx:
        change_lock(
            ctx,
            action="lock",
            scope="study",
            target=None,
            reason=f"database lock for the analysis at the data cut-off {cutoff}",
        )
