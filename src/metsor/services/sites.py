"""Trial sites: adding them and finding them by code or name.

:func:`add_site` and :func:`list_sites` give frozen records (:class:`SiteRecord`);
:func:`find_site` and :func:`new_site` work on the rows inside another service's transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from metsor.errors import ConflictError, InputError, NotFoundError
from metsor.services.access import require
from metsor.services.context import ServiceContext
from metsor.services.records import FrozenRecord
from metsor.store.models.core import Site

__all__ = ["SiteRecord", "add_site", "find_site", "list_sites", "new_site"]

_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")


@dataclass(frozen=True)
class SiteRecord(FrozenRecord):
    """A stored trial site.

    Attributes
    ----------
    id
        The site's number in the database.
    code
        2–8 capital letters or digits; prefixes its subjects' identifiers (``TJ-001``).
    name
        Its full name.
    created_at
        When it was added (UTC).
    """

    id: int
    code: str
    name: str
    created_at: datetime


def find_site(session: Session, site: str) -> Site:
    """The site whose code or name is ``site`` (case-insensitive).

    Raises
    ------
    NotFoundError
        Naming the site and listing the known codes.
    """
    wanted = site.strip().casefold()
    found = session.scalars(
        select(Site).where(or_(func.lower(Site.code) == wanted, func.lower(Site.name) == wanted))
    ).first()
    if found is None:
        known = ", ".join(session.scalars(select(Site.code).order_by(Site.code)))
        raise NotFoundError(f"no site {site!r} (known: {known or 'none'})", field="site")
    return found


def new_site(session: Session, *, name: str, code: str) -> Site:
    """Add a site in the session's transaction after checking its name and code.

    Parameters
    ----------
    session
        An audited session.
    name
        Full name of the site, unique.
    code
        2–8 capital letters or digits, starting with a letter, unique; prefixes subject ids.

    Returns
    -------
    Site
        The new site, flushed.

    Raises
    ------
    InputError
        When the name is empty or the code malformed.
    ConflictError
        When the name or code is taken.
    """
    name = name.strip()
    code = code.strip().upper()
    if not name:
        raise InputError("site name is empty", field="name")
    if not _CODE.match(code):
        raise InputError(
            f"site code {code!r} must be 2–8 capital letters or digits, starting with a letter",
            field="code",
        )
    clash = session.scalars(
        select(Site).where(
            or_(func.lower(Site.code) == code.lower(), func.lower(Site.name) == name.lower())
        )
    ).first()
    if clash is not None:
        raise ConflictError(
            f"site {clash.code} ({clash.name}) already has this name or code", field="site"
        )
    site = Site(name=name, code=code)
    session.add(site)
    session.flush()
    return site


def add_site(ctx: ServiceContext, *, name: str, code: str | None = None) -> SiteRecord:
    """Add a trial site (admin only).

    Parameters
    ----------
    ctx
        The service context.
    name
        Full name of the site.
    code
        Its code; by default the initials of the name's capitalised words (at most 8).

    Returns
    -------
    SiteRecord
        The new site.
    """
    require(ctx, "manage_sites")
    ctx.set_reason("site added")
    if code is None:
        code = "".join(word[0] for word in name.split() if word[:1].isupper())[:8]
    return SiteRecord.of(new_site(ctx.session, name=name, code=code))


def list_sites(ctx: ServiceContext) -> tuple[SiteRecord, ...]:
    """Every site, by code (a site user sees only their own)."""
    statement = select(Site).order_by(Site.code)
    if ctx.actor.site_id is not None:
        statement = statement.where(Site.id == ctx.actor.site_id)
    return tuple(SiteRecord.of(site) for site in ctx.session.scalars(statement))
