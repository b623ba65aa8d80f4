"""Roles, permissions and site isolation, enforced by every service.

Roles: ``admin``, ``data_manager``, ``investigator``, ``coordinator``, ``monitor``,
``statistician``. A user with a site (investigators and coordinators always have one; a monitor
may) sees and writes only the subjects of that site: another site's subject is reported as not
found, so its existence is not revealed. A user without a site works across all sites.

Services call :func:`require` with an action from :data:`PERMISSIONS` and fetch subjects with
:func:`subject_for` (or filter queries with :func:`visible`).
"""

from __future__ import annotations

from typing import TypeVarTuple

from sqlalchemy import Select, bindparam, select

from metsor.errors import NotFoundError, PermissionDeniedError
from metsor.services.context import ServiceContext
from metsor.store.models.core import ROLES, Subject

__all__ = ["PERMISSIONS", "ROLES", "SITE_ROLES", "require", "subject_for", "visible"]

_ALL = frozenset(ROLES)

#: Roles that always belong to one site.
SITE_ROLES: frozenset[str] = frozenset({"investigator", "coordinator"})

#: Which roles may perform each action.
PERMISSIONS: dict[str, frozenset[str]] = {
    "manage_sites": frozenset({"admin"}),
    "manage_users": frozenset({"admin"}),
    "record_decision": frozenset({"admin"}),
    "register_subject": frozenset({"admin", "investigator", "coordinator"}),
    "record_consent": frozenset({"admin", "investigator", "coordinator"}),
    "randomize": frozenset({"admin", "investigator", "coordinator"}),
    "enter_casebook": frozenset({"admin", "investigator", "coordinator"}),
    "correct_data": frozenset({"admin", "data_manager", "investigator", "coordinator"}),
    "raise_query": frozenset({"admin", "data_manager", "monitor"}),
    "answer_query": frozenset({"admin", "investigator", "coordinator"}),
    "view_subjects": _ALL,
    "view_allocations": _ALL,
    "extract_datasets": frozenset({"admin", "data_manager", "statistician"}),
    "verify_audit": frozenset({"admin", "data_manager", "monitor"}),
    "run_interim": frozenset({"statistician"}),
}

_Ts = TypeVarTuple("_Ts")


def require(ctx: ServiceContext, action: str) -> None:
    """Raise unless the acting user's role may perform ``action``.

    Parameters
    ----------
    ctx
        The service context.
    action
        A key of :data:`PERMISSIONS`.

    Raises
    ------
    PermissionDeniedError
        Naming the user, role and action.
    """
    allowed = PERMISSIONS[action]
    if ctx.actor.role not in allowed:
        raise PermissionDeniedError(
            f"user {ctx.username!r} (role {ctx.actor.role}) may not {action.replace('_', ' ')}; "
            f"allowed roles: {', '.join(sorted(allowed))}",
            field="user",
        )


def visible(ctx: ServiceContext, statement: Select[*_Ts]) -> Select[*_Ts]:
    """Restrict a query over ``subjects`` to the acting user's site, if they have one."""
    if ctx.actor.site_id is None:
        return statement
    return statement.where(Subject.site_id == ctx.actor.site_id)


def _subject_statement(*, lock: bool, of_site: bool) -> Select[Subject]:
    statement = select(Subject).where(Subject.subject_id == bindparam("subject_id"))
    if of_site:  # what :func:`visible` does, for a statement built once
        statement = statement.where(Subject.site_id == bindparam("site_id"))
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return statement


#: The subject statements of :func:`subject_for`, built once: (lock?, of the user's site?).
_SUBJECT = {
    (lock, of_site): _subject_statement(lock=lock, of_site=of_site)
    for lock in (False, True)
    for of_site in (False, True)
}


def subject_for(ctx: ServiceContext, subject_id: str, *, lock: bool = False) -> Subject:
    """The subject ``subject_id``, if the acting user may see it.

    Parameters
    ----------
    ctx
        The service context.
    subject_id
        Identifier such as ``"TJ-001"``.
    lock
        Lock the row (``SELECT … FOR UPDATE`` on PostgreSQL) until the transaction ends.

    Returns
    -------
    Subject
        The subject.

    Raises
    ------
    NotFoundError
        When there is no such subject, or it belongs to another site than the user's.
    """
    site_id = ctx.actor.site_id
    statement = _SUBJECT[(lock, site_id is not None)]
    parameters = {"subject_id": subject_id, "site_id": site_id}
    subject = ctx.session.scalars(statement, parameters).one_or_none()
    if subject is None:
        raise NotFoundError(f"no subject {subject_id!r}", field="subject_id")
    return subject
