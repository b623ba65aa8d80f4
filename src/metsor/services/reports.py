"""Read-only views: the subject list, the randomization balance report, audit verification.

:func:`verify_audit` checks the audit trail with what this process holds: the audit key and
the anchor file (:mod:`metsor.services.audit_key`) and, when it is available, the allocation
seed (:mod:`metsor.services.allocation_seed`), and reports which guarantee each check rests on.
:func:`audit_head` is the head of the chain, to publish or escrow (``metsor audit anchor``).

Each respects site isolation: a site user sees only their site's subjects and allocations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select

from metsor.errors import InputError, NotFoundError
from metsor.randomization import balance_summary
from metsor.services.access import require, visible
from metsor.services.allocation_seed import load_seed
from metsor.services.context import ServiceContext
from metsor.services.scheme import count_allocations, current_scheme, enrollment_cap
from metsor.store.audit import ChainHead, Check, VerifyReport, chain_settings, verify
from metsor.store.models.audit import AuditTransaction
from metsor.store.models.core import SUBJECT_STATUSES, Allocation, Consent, Site, Subject

__all__ = [
    "SubjectRow",
    "audit_head",
    "list_subjects",
    "randomization_report",
    "subject_row",
    "verify_audit",
]


@dataclass(frozen=True)
class SubjectRow:
    """One line of the subject list."""

    subject_id: str
    site: str
    status: str
    consent_date: str | None
    arm: str | None
    stratum: str | None
    randomized_at: str | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return asdict(self)


def list_subjects(ctx: ServiceContext, *, status: str | None = None) -> list[SubjectRow]:
    """The subjects the user may see, by identifier, optionally of one status.

    Raises
    ------
    InputError
        When ``status`` is not a subject status (the message lists them).
    """
    if status is not None and status not in SUBJECT_STATUSES:
        raise InputError(
            f"unknown status {status!r}; one of {', '.join(SUBJECT_STATUSES)}", field="status"
        )
    require(ctx, "view_subjects")
    statement = _SUBJECT_ROWS
    if status is not None:
        statement = statement.where(Subject.status == status)
    return [_subject_row(*row) for row in ctx.session.execute(visible(ctx, statement))]


def subject_row(ctx: ServiceContext, subject_id: str) -> SubjectRow:
    """The line of the subject list of one subject the user may see.

    Raises
    ------
    NotFoundError
        When there is no such subject, or it belongs to another site than the user's.
    """
    require(ctx, "view_subjects")
    statement = _SUBJECT_ROWS.where(Subject.subject_id == subject_id)
    found = ctx.session.execute(visible(ctx, statement)).one_or_none()
    if found is None:
        raise NotFoundError(f"no subject {subject_id!r}", field="subject_id")
    return _subject_row(*found)


#: A subject with its site, consent and allocation, in the list's order.
_SUBJECT_ROWS = (
    select(Subject, Site.code, Consent.consent_date, Allocation)
    .join(Site, Site.id == Subject.site_id)
    .outerjoin(Consent, Consent.subject_id == Subject.subject_id)
    .outerjoin(Allocation, Allocation.subject_id == Subject.subject_id)
    .order_by(Site.code, Subject.registered_at, Subject.subject_id)
)


def _subject_row(
    subject: Subject, code: str, consent_date: date | None, allocation: Allocation | None
) -> SubjectRow:
    return SubjectRow(
        subject_id=subject.subject_id,
        site=code,
        status=subject.status,
        consent_date=consent_date.isoformat() if consent_date else None,
        arm=allocation.arm if allocation else None,
        stratum=allocation.stratum if allocation else None,
        randomized_at=allocation.randomized_at.isoformat() if allocation else None,
    )


def randomization_report(ctx: ServiceContext) -> dict[str, Any]:
    """Balance of the allocations by arm, stratum and site, with the scheme's state.

    Returns
    -------
    dict
        ``method``, ``arms``, ``randomized``, ``enrollment_cap``, ``seed_fingerprint`` and
        ``rows`` (:meth:`metsor.randomization.BalanceRow.as_dict` of every group). A site user
        gets the rows of their site only; trial-wide counts are those of the whole trial.
    """
    require(ctx, "view_allocations")
    scheme = current_scheme(ctx.session)
    statement = (
        select(Allocation.arm, Allocation.stratum, Site.code)
        .join(Subject, Subject.subject_id == Allocation.subject_id)
        .join(Site, Site.id == Subject.site_id)
        .order_by(Allocation.enrollment_number)
    )
    allocations = [(a, s, c) for a, s, c in ctx.session.execute(visible(ctx, statement))]
    summary = balance_summary(allocations, arms=scheme.arms, ratio=scheme.ratio)
    return {
        "method": scheme.method,
        "arms": list(summary.arms),
        "randomized": count_allocations(ctx.session),
        "enrollment_cap": enrollment_cap(ctx.session, scheme),
        "seed_fingerprint": scheme.seed_fingerprint,
        "max_stratum_imbalance": summary.max_stratum_imbalance,
        "rows": [row.as_dict() for row in summary.rows],
    }


def _seed_if_held(ctx: ServiceContext) -> bytes | None:
    try:
        return load_seed(ctx.seed_place).seed
    except NotFoundError:
        return None


def verify_audit(ctx: ServiceContext) -> VerifyReport:
    """Verify the audit trail (admin, data manager, monitor).

    The chain is checked with the audit key in force (keyed MACs are recomputed only with
    it), its head against the anchor file, the trail replayed against the data, every actor
    against the users, and every allocation against the concealed list — regenerated from the
    allocation seed when this process holds it — and every valid signature against the
    digest of the rows it signed.

    Returns
    -------
    VerifyReport
        Every check with what it rests on, and every problem found.

    Raises
    ------
    InputError
        When the allocation seed or the anchor file is set but unreadable or malformed.
    """
    require(ctx, "verify_audit")
    settings = chain_settings(ctx.session)
    report = verify(ctx.session, key=settings.key, anchor=ctx.anchor_file, seed=_seed_if_held(ctx))
    from metsor.services.monitoring.signatures import check_signatures

    signed, problems = check_signatures(ctx.session)
    check = Check(
        "signatures", "broken" if problems else "intact", "the digest of the signed rows",
        f"{signed} valid signatures against the rows they signed",
    )  # fmt: skip
    return replace(
        report, problems=report.problems + tuple(problems), checks=(*report.checks, check)
    )


def audit_head(ctx: ServiceContext) -> ChainHead | None:
    """The head of the audit chain as the database holds it (None: the trail is empty).

    Publish or escrow it (``metsor audit anchor``) so that a later rewrite of the trail, even
    with the key and the anchor file, can be shown against it.
    """
    require(ctx, "verify_audit")
    last = ctx.session.scalars(
        select(AuditTransaction).order_by(AuditTransaction.seq.desc()).limit(1)
    ).first()
    if last is None:
        return None
    first = ctx.session.scalar(select(AuditTransaction.mac).where(AuditTransaction.seq == 1))
    return ChainHead(
        chain=str(first),
        transactions=last.seq,
        rows=last.last_row,
        mac=last.mac,
        key_fingerprint=last.key_fingerprint,
        committed_at=last.committed_at,
    )
