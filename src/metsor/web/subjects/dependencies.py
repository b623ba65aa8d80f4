"""What the subject pages share: today's date for a form and the sites a user may pick."""

from __future__ import annotations

from fastapi import Request

from metsor.services.sites import list_sites
from metsor.web.dependencies import state_of, work
from metsor.web.security import Principal

__all__ = ["site_choices", "today_text"]


def today_text(request: Request) -> str:
    """The trial's today as ``YYYY-MM-DD`` (a form's default date)."""
    return state_of(request).database.clock().date().isoformat()


def site_choices(request: Request, user: Principal) -> list[tuple[str, str]]:
    """``(code, name)`` of the sites a user registering a subject may pick (none for site users)."""
    if user.site_id is not None:
        return []
    with work(request, user, readonly=True) as ctx:
        return [(site.code, site.name) for site in list_sites(ctx)]
