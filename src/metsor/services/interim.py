"""Interim monitoring from the live database: the look a data monitoring committee is shown.

:func:`interim_monitoring` reads the trial at a data cut-off
(:func:`metsor.services.trial_data.trial_snapshot`: the endpoint derived by
:mod:`metsor.endpoints`), counts the events of the monitored endpoint and its log-rank z
stratified by the randomization strata (:func:`metsor.analysis.analyse_adtte`; z > 0 favours
the experimental arm) and applies the protocol's monitoring plan
(:class:`metsor.protocol.monitoring.MonitoringPlan`) with :func:`metsor.design.interim.
interim_analysis`, the earlier looks first.

Earlier looks are recorded as audited decisions (the ``decisions`` table, kind
``interim_look``) by :func:`record_interim_look`: the cut-off, the endpoint, the events and
the z the committee was shown. They are taken as recorded, not recomputed from today's
data (data cleaned since would otherwise change a look already acted on). A look counts
for a later cut-off only when its own cut-off is earlier.

Only a statistician may run an interim analysis or record a look (``run_interim``).

The data timeliness of the open report is read here too (:func:`data_timeliness`): scheduled
visits, tumour assessments and follow-up visits overdue at the cut-off (the ``visit_overdue``
edit check) and data queries open at the cut-off.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from metsor.analysis import SurvivalComparison, analyse_adtte
from metsor.design.interim import InterimAnalysis, interim_analysis
from metsor.errors import ConflictError, InputError
from metsor.protocol import Protocol
from metsor.protocol.monitoring import MonitoringPlan
from metsor.services.access import require
from metsor.services.context import ServiceContext
from metsor.services.monitoring.edit_checks import RULES
from metsor.services.trial_data import TrialSnapshot, trial_snapshot
from metsor.store.models.casebook import DataQuery
from metsor.store.models.core import Decision

__all__ = [
    "INTERIM_LOOK",
    "DataTimeliness",
    "InterimLook",
    "InterimMonitoring",
    "data_timeliness",
    "interim_monitoring",
    "record_interim_look",
    "recorded_looks",
]

#: ``kind`` of the decision row recording an interim look.
INTERIM_LOOK = "interim_look"


@dataclass(frozen=True)
class InterimLook:
    """An interim look as recorded: what the committee was shown at a cut-off."""

    cutoff: date
    endpoint: str
    events: int
    z: float
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class DataTimeliness:
    """Overdue forms and open queries at the cut-off, pooled over arms.

    ``overdue`` counts the forms overdue by kind (``tumour_assessment``, ``treatment``,
    ``follow_up``): the next one of a subject alive and not withdrawn at the cut-off whose
    window had ended;
    ``open_queries`` the queries raised by the cut-off and not closed by it, by their status
    then (``open``, or ``answered`` when answered by the cut-off).
    """

    overdue: dict[str, int]
    subjects_overdue: int
    open_queries: int
    open_queries_by_status: dict[str, int]
    oldest_open_query_days: int


@dataclass(frozen=True)
class InterimMonitoring:
    """One interim analysis of the live database.

    Attributes
    ----------
    snapshot
        The trial at the cut-off.
    plan
        The protocol's monitoring plan.
    endpoint
        The ADTTE parameter monitored.
    comparison
        The monitored endpoint compared between the arms (stratified log-rank primary).
    earlier
        The looks recorded before this cut-off, oldest first.
    analysis
        Bounds, decisions, conditional power and repeated inference, the earlier looks
        first and this one last.
    """

    snapshot: TrialSnapshot
    plan: MonitoringPlan
    endpoint: str
    comparison: SurvivalComparison
    earlier: tuple[InterimLook, ...]
    analysis: InterimAnalysis

    @property
    def cutoff(self) -> date:
        """The data cut-off of this look."""
        return self.snapshot.as_of

    @property
    def events(self) -> int:
        """Events of the monitored endpoint at the cut-off."""
        return self.comparison.events

    @property
    def z(self) -> float:
        """Stratified log-rank z at the cut-off (> 0 favours the experimental arm)."""
        assert self.comparison.logrank is not None
        return self.comparison.logrank.z


def interim_monitoring(
    ctx: ServiceContext,
    *,
    cutoff: date,
    endpoint: str | None = None,
    protocol: Protocol | None = None,
) -> InterimMonitoring:
    """The interim analysis of the trial at a data cut-off.

    Parameters
    ----------
    ctx
        A service context of a statistician.
    cutoff
        The data cut-off of the look.
    endpoint
        ADTTE parameter to monitor; the plan's (``OS``) by default.
    protocol
        The trial's protocol; the built-in one by default.

    Returns
    -------
    InterimMonitoring

    Raises
    ------
    PermissionDeniedError
        When the acting user is not a statistician.
    ConflictError
        When the protocol has no monitoring plan.
    InputError
        Naming ``cutoff`` when it lies after today or the trial has no event of the endpoint
        by then, or not after the earlier looks' events; naming ``endpoint`` when the
        ADTTE has no such parameter.
    """
    require(ctx, "run_interim")
    snapshot = trial_snapshot(ctx, cutoff=cutoff, protocol=protocol)
    plan = snapshot.protocol.monitoring
    if plan is None:
        raise ConflictError(
            f"the protocol {snapshot.protocol.nct_id} has no interim monitoring plan",
            field="protocol",
        )
    param = plan.endpoint if endpoint is None else endpoint.strip().upper()
    if not snapshot.adtte:
        raise InputError(f"cutoff {cutoff}: no subject randomized by then", field="cutoff")
    if not any(row.get("PARAMCD") == param for row in snapshot.adtte):
        known = sorted({str(row.get("PARAMCD")) for row in snapshot.adtte})
        raise InputError(
            f"endpoint {param!r}: no such ADTTE parameter at the cut-off "
            f"(known: {', '.join(known)})",
            field="endpoint",
        )
    scheme = snapshot.scheme
    comparison = analyse_adtte(
        snapshot.adtte, param, reference=scheme.reference, experimental=scheme.experimental
    )
    if comparison.logrank is None or comparison.events == 0:
        raise InputError(
            f"cutoff {cutoff}: no {param} event in both arms yet, no log-rank z",
            field="cutoff",
        )
    earlier = tuple(look for look in recorded_looks(ctx, param) if look.cutoff < cutoff)
    if earlier and earlier[-1].events >= comparison.events:
        raise InputError(
            f"cutoff {cutoff}: {comparison.events} {param} events, not more than the "
            f"{earlier[-1].events} of the look at {earlier[-1].cutoff}",
            field="cutoff",
        )
    analysis = interim_analysis(
        plan.looks,
        planned_events=plan.planned_events,
        events=[*(look.events for look in earlier), comparison.events],
        z=[*(look.z for look in earlier), comparison.logrank.z],
        hr_alternative=plan.hazard_ratio,
        alpha=plan.alpha,
        sides=plan.sides,
        spending=plan.spending,
        gamma=plan.gamma,
        beta=plan.beta,
        beta_spending=plan.beta_spending,
        beta_gamma=plan.beta_gamma,
        binding_futility=plan.binding_futility,
        allocation_ratio=plan.allocation_ratio,
        information_epsilon=plan.information_epsilon,
    )
    return InterimMonitoring(snapshot, plan, param, comparison, earlier, analysis)


def recorded_looks(ctx: ServiceContext, endpoint: str) -> tuple[InterimLook, ...]:
    """The interim looks recorded for an endpoint, by cut-off.

    Parameters
    ----------
    ctx
        A service context of a statistician.
    endpoint
        ADTTE parameter (``OS``).

    Returns
    -------
    tuple of InterimLook
    """
    require(ctx, "run_interim")
    looks = []
    for decision in ctx.session.scalars(
        select(Decision).where(Decision.kind == INTERIM_LOOK).order_by(Decision.id)
    ):
        value = decision.value
        if value.get("endpoint") != endpoint:
            continue
        looks.append(
            InterimLook(
                cutoff=date.fromisoformat(str(value["cutoff"])),
                endpoint=endpoint,
                events=int(value["events"]),
                z=float(value["z"]),
                recorded_by=decision.decided_by,
                recorded_at=decision.decided_at,
            )
        )
    return tuple(sorted(looks, key=lambda look: look.cutoff))


def record_interim_look(
    ctx: ServiceContext, monitoring: InterimMonitoring, *, rationale: str
) -> InterimLook:
    """Record this look (audited) so that later looks count it.

    Parameters
    ----------
    ctx
        A writable service context of a statistician.
    monitoring
        The look, as :func:`interim_monitoring` computed it.
    rationale
        Why the look was taken (e.g. the committee's meeting).

    Returns
    -------
    InterimLook

    Raises
    ------
    InputError
        Naming ``rationale`` when it is empty.
    ConflictError
        When a look at this cut-off or a later one is already recorded.
    """
    require(ctx, "run_interim")
    if not rationale.strip():
        raise InputError("recording an interim look needs a rationale", field="rationale")
    endpoint = monitoring.endpoint
    later = [look for look in recorded_looks(ctx, endpoint) if look.cutoff >= monitoring.cutoff]
    if later:
        raise ConflictError(
            f"an interim look at {later[-1].cutoff} is already recorded for {endpoint}",
            field="cutoff",
        )
    ctx.set_reason(rationale.strip())
    decision = Decision(
        kind=INTERIM_LOOK,
        value={
            "cutoff": monitoring.cutoff.isoformat(),
            "endpoint": endpoint,
            "look": len(monitoring.earlier) + 1,
            "events": monitoring.events,
            "z": monitoring.z,
        },
        rationale=rationale.strip(),
        decided_by=ctx.username,
    )
    ctx.session.add(decision)
    ctx.session.flush()
    return InterimLook(
        monitoring.cutoff,
        endpoint,
        monitoring.events,
        monitoring.z,
        decision.decided_by,
        decision.decided_at,
    )


def data_timeliness(ctx: ServiceContext, snapshot: TrialSnapshot) -> DataTimeliness:
    """Overdue forms and open data queries at the snapshot's cut-off.

    Parameters
    ----------
    ctx
        The service context the snapshot was read in.
    snapshot
        The trial at the cut-off.

    Returns
    -------
    DataTimeliness
    """
    require(ctx, "run_interim")
    day = snapshot.as_of
    gone = {d.subject_id for d in snapshot.deaths} | {w.subject_id for w in snapshot.withdrawals}
    overdue: Counter[str] = Counter()
    subjects: set[str] = set()
    for course in snapshot.courses:
        if course.subject_id in gone:
            continue
        for finding in RULES["visit_overdue"](ctx.session, course.subject_id, day):
            overdue[finding.finding.split(":", 1)[0]] += 1
            subjects.add(course.subject_id)
    randomized = {c.subject_id for c in snapshot.courses}
    open_at_cutoff = [
        q
        for q in ctx.session.scalars(select(DataQuery).order_by(DataQuery.id))
        if q.subject_id in randomized
        and q.raised_at.date() <= day
        and (q.closed_at is None or q.closed_at.date() > day)
    ]
    return DataTimeliness(
        overdue=dict(sorted(overdue.items())),
        subjects_overdue=len(subjects),
        open_queries=len(open_at_cutoff),
        open_queries_by_status=dict(
            sorted(Counter(_status_on(q, day) for q in open_at_cutoff).items())
        ),
        oldest_open_query_days=max(
            ((day - q.raised_at.date()).days for q in open_at_cutoff), default=0
        ),
    )


def _status_on(query: DataQuery, day: date) -> str:
    """``answered`` when the query was answered by ``day``, else ``open``."""
    return (
        "answered" if query.answered_at is not None and query.answered_at.date() <= day else "open"
    )
