"""Read-only views of the web application: the enrollment dashboard and one subject's page.

:func:`enrollment_overview` counts the randomized subjects by site and arm against the target
(the enrollment cap in force); :func:`subject_overview` gathers what a subject's page shows —
status, site, latest screening and its result, consent, allocation. Both respect site
isolation: a site user counts and sees only their own site's subjects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from metsor.services.access import require, subject_for, visible
from metsor.services.context import ServiceContext
from metsor.services.scheme import current_scheme, enrollment_cap
from metsor.store.models.core import Allocation, Consent, Screening, Site, Subject

__all__ = [
    "EnrollmentOverview",
    "SiteEnrollment",
    "SubjectOverview",
    "acting_site",
    "enrollment_overview",
    "subject_overview",
]


def acting_site(ctx: ServiceContext) -> str | None:
    """Code of the acting user's site, or None for a user of every site."""
    if ctx.actor.site_id is None:
        return None
    site = ctx.session.get(Site, ctx.actor.site_id)
    return site.code if site is not None else None


@dataclass(frozen=True)
class SiteEnrollment:
    """Randomized subjects of one site, by arm, and those screened."""

    site: str
    name: str
    screened: int
    by_arm: dict[str, int] = field(default_factory=dict)

    @property
    def randomized(self) -> int:
        """Subjects randomized at the site."""
        return sum(self.by_arm.values())


@dataclass(frozen=True)
class EnrollmentOverview:
    """Enrollment against the target, by site and arm.

    Attributes
    ----------
    arms
        The trial's arms, in the scheme's order.
    target
        The enrollment cap in force (the protocol's target unless raised).
    randomized
        Subjects randomized among those the user may see.
    sites
        One row per site the user may see.
    """

    arms: tuple[str, ...]
    target: int
    randomized: int
    sites: tuple[SiteEnrollment, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "arms": list(self.arms),
            "target": self.target,
            "randomized": self.randomized,
            "sites": [
                {"site": s.site, "name": s.name, "screened": s.screened, "by_arm": s.by_arm}
                for s in self.sites
            ],
        }


def enrollment_overview(ctx: ServiceContext) -> EnrollmentOverview:
    """Randomized subjects by site and arm against the target (any role may read it)."""
    require(ctx, "view_allocations")
    scheme = current_scheme(ctx.session)
    arms = tuple(scheme.arms)
    sites = ctx.session.execute(select(Site.id, Site.code, Site.name).order_by(Site.code)).all()
    if ctx.actor.site_id is not None:
        sites = [row for row in sites if row[0] == ctx.actor.site_id]
    screened = dict(
        ctx.session.execute(
            visible(ctx, select(Subject.site_id, func.count()).group_by(Subject.site_id))
        ).all()
    )
    counts: dict[tuple[int, str], int] = {}
    statement = (
        select(Subject.site_id, Allocation.arm, func.count())
        .join(Subject, Subject.subject_id == Allocation.subject_id)
        .group_by(Subject.site_id, Allocation.arm)
    )
    for site_id, arm, count in ctx.session.execute(visible(ctx, statement)):
        counts[(site_id, arm)] = count
    rows = tuple(
        SiteEnrollment(
            site=code,
            name=name,
            screened=int(screened.get(site_id, 0)),
            by_arm={arm: counts.get((site_id, arm), 0) for arm in arms},
        )
        for site_id, code, name in sites
    )
    return EnrollmentOverview(
        arms=arms,
        target=enrollment_cap(ctx.session, scheme),
        randomized=sum(row.randomized for row in rows),
        sites=rows,
    )


@dataclass(frozen=True)
class SubjectOverview:
    """What a subject's page shows.

    Attributes
    ----------
    subject_id, site, status
        Who, where, and where they stand.
    screened_on, verdict
        The latest screening's day and verdict (None before any).
    record, result
        The latest screening record as given and its result (criteria and derived stages).
    consent_date
        ISO date of the consent, if recorded.
    allocation
        The allocation (arm, stratum, list position, enrollment number, time), if randomized.
    """

    subject_id: str
    site: str
    status: str
    screened_on: str | None
    verdict: str | None
    record: dict[str, Any] | None
    result: dict[str, Any] | None
    consent_date: str | None
    allocation: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "subject_id": self.subject_id,
            "site": self.site,
            "status": self.status,
            "screened_on": self.screened_on,
            "verdict": self.verdict,
            "record": self.record,
            "result": self.result,
            "consent_date": self.consent_date,
            "allocation": self.allocation,
        }


def subject_overview(ctx: ServiceContext, subject_id: str) -> SubjectOverview:
    """The subject ``subject_id`` as its page shows it.

    Raises
    ------
    NotFoundError
        When there is no such subject or it belongs to another site than the user's.
    """
    require(ctx, "view_subjects")
    subject = subject_for(ctx, subject_id)
    site = ctx.session.get(Site, subject.site_id)
    screening = ctx.session.scalars(
        select(Screening)
        .where(Screening.subject_id == subject_id)
        .order_by(Screening.id.desc())
        .limit(1)
    ).first()
    consent = ctx.session.scalars(select(Consent).where(Consent.subject_id == subject_id)).first()
    allocation = ctx.session.scalars(
        select(Allocation).where(Allocation.subject_id == subject_id)
    ).first()
    return SubjectOverview(
        subject_id=subject.subject_id,
        site=site.code if site is not None else "",
        status=subject.status,
        screened_on=screening.screened_on.isoformat() if screening else None,
        verdict=screening.verdict if screening else None,
        record=dict(screening.record) if screening else None,
        result=dict(screening.result) if screening else None,
        consent_date=consent.consent_date.isoformat() if consent else None,
        allocation=None
        if allocation is None
        else {
            "arm": allocation.arm,
            "stratum": allocation.stratum,
            "list_position": allocation.list_position,
            "enrollment_number": allocation.enrollment_number,
            "method": allocation.method,
            "randomized_at": allocation.randomized_at.isoformat(),
            "randomized_by": allocation.randomized_by,
        },
    )
