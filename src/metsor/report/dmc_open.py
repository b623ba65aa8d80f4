"""The open report to the data monitoring committee: the trial pooled over its arms.

What the sponsor's trial team may see while the trial runs, so nothing in it is by arm:
accrual against the plan, baseline characteristics, disposition, data timeliness (overdue
forms and open queries) and adverse events, all pooled. The tables are the study report's
(:mod:`metsor.report.baseline_table`, :mod:`metsor.report.safety_tables`) given one pooled
"arm".

References
----------
DAMOCLES Study Group. A proposed charter for clinical trial data monitoring committees.
Lancet 2005;365:711–722. FDA, Establishment and Operation of Clinical Trial Data Monitoring
Committees (2006), section 6.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from types import MappingProxyType
from typing import Any

from metsor.report._canvas import new_figure, to_figure
from metsor.report.baseline_table import baseline_table
from metsor.report.document import Block, Figure, Paragraph, Section, StudyReport, Table
from metsor.report.formatting import count_percent
from metsor.report.safety_tables import (
    adverse_event_overview,
    events_by_organ_system,
    worst_grade_table,
)
from metsor.services.interim import DataTimeliness, InterimMonitoring
from metsor.services.trial_data import TrialSnapshot

__all__ = ["POOLED", "accrual_against_plan", "open_report"]

#: The one "arm" of the pooled tables.
POOLED = "ALL"
_POOLED_LABELS = {POOLED: "All subjects"}

_DAYS_PER_MONTH = 365.25 / 12


def _pooled(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [MappingProxyType({**row, "ARMCD": POOLED}) for row in rows]


def accrual_against_plan(snapshot: TrialSnapshot) -> tuple[tuple[date, int, float], ...]:
    """Randomized subjects by the end of each month since the trial's start, beside the plan.

    The plan accrues the target enrollment evenly over the design's accrual months from the
    protocol's trial start (the first randomization when the protocol states neither).

    Returns
    -------
    tuple
        ``(month end, randomized by then, planned by then)`` up to the cut-off.
    """
    randomized = sorted(c.randomized_on for c in snapshot.courses)
    protocol = snapshot.protocol
    start = _accrual_start(snapshot)
    months = protocol.assumptions.accrual_months if protocol.assumptions else None
    target = snapshot.scheme.target_enrollment
    rows = []
    k = 1
    while True:
        end = _add_months(start, k)
        day = min(end, snapshot.as_of)
        elapsed = (day - start).days / _DAYS_PER_MONTH
        planned = target if not months else target * min(1.0, elapsed / months)
        rows.append((day, sum(1 for r in randomized if r <= day), planned))
        if end >= snapshot.as_of:
            break
        k += 1
    return tuple(rows)


def _accrual_start(snapshot: TrialSnapshot) -> date:
    """The protocol's trial start, or the first randomization when earlier or not stated."""
    first = min((c.randomized_on for c in snapshot.courses), default=snapshot.as_of)
    start = snapshot.protocol.trial_start or first
    return min(start, first)


def _add_months(start: date, k: int) -> date:
    year, month = divmod(start.month - 1 + k, 12)
    return date(start.year + year, month + 1, min(start.day, 28))


def _accrual_figure(rows: Sequence[tuple[date, int, float]], start: date) -> Figure:
    figure = new_figure(7.0, 3.6)
    ax = figure.add_subplot(1, 1, 1)
    days = [(d - start).days / _DAYS_PER_MONTH for d, _, _ in rows]
    ax.step(days, [n for _, n, _ in rows], where="post", color="#1d2733", label="Randomized")
    ax.plot(days, [p for _, _, p in rows], color="#0072B2", linestyle="--", label="Planned")
    ax.set_xlabel(f"Months since the trial's start ({start.isoformat()})")
    ax.set_ylabel("Subjects randomized")
    ax.grid(alpha=0.25)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper left", frameon=False, fontsize=8.5)
    figure.subplots_adjust(left=0.12, right=0.97, top=0.95, bottom=0.2)
    return to_figure(figure, "Cumulative accrual against the plan, pooled over arms.")


def _accrual_section(snapshot: TrialSnapshot) -> Section:
    rows = accrual_against_plan(snapshot)
    target = snapshot.scheme.target_enrollment
    table = Table(
        caption="Accrual by month against the plan (pooled)",
        header=("By", "Randomized", "Planned", "Randomized / planned"),
        rows=tuple(
            (day.isoformat(), str(n), f"{planned:.1f}", f"{n / planned:.2f}" if planned else "–")
            for day, n, planned in rows
        ),
        notes=(
            f"Plan: {target} subjects accrued evenly over the design's accrual period from the "
            "trial's start.",
        ),
    )
    return Section("1", "Accrual", (_accrual_figure(rows, _accrual_start(snapshot)), table))


def _disposition(snapshot: TrialSnapshot) -> Table:
    flow = snapshot.consort

    def total(counts: Mapping[str, int]) -> str:
        return str(sum(counts.values()))

    rows = (
        ("Randomized", str(flow.randomized)),
        ("Received a study drug", total(flow.received)),
        (
            "Discontinued the study drugs",
            str(sum(sum(d.values()) for d in flow.discontinued.values())),
        ),
        ("Died", total(flow.died)),
        ("Withdrew consent or withdrawn", total(flow.withdrew)),
        ("Lost to follow-up", total(flow.lost_to_follow_up)),
        ("In follow-up at the data cut-off", total(flow.in_follow_up)),
    )
    return Table(
        caption="Disposition of subjects (pooled)",
        header=("", "All subjects"),
        rows=rows,
        notes=(f"Assessed for eligibility {flow.assessed}; not randomized {flow.excluded_total}.",),
    )


def _timeliness(timeliness: DataTimeliness, randomized: int) -> Table:
    rows = [
        (f"Overdue: {kind.replace('_', ' ')}", str(n)) for kind, n in timeliness.overdue.items()
    ]
    rows.insert(
        0, ("Subjects with an overdue form", count_percent(timeliness.subjects_overdue, randomized))
    )
    rows.append(("Open data queries", str(timeliness.open_queries)))
    rows += [(f"    {status}", str(n)) for status, n in timeliness.open_queries_by_status.items()]
    rows.append(("Oldest open query, days", str(timeliness.oldest_open_query_days)))
    return Table(
        caption="Data timeliness at the cut-off (pooled)",
        header=("", "All subjects"),
        rows=tuple(rows),
        notes=(
            "Overdue: the next treatment visit or tumour assessment whose window ended before "
            "the cut-off (edit check visit_overdue), for subjects alive and not withdrawn. "
            "Open queries: raised by the cut-off and not closed by it.",
        ),
    )


def _safety(snapshot: TrialSnapshot) -> Section:
    adae = _pooled(snapshot.adae)
    arms = (POOLED,)
    n = {POOLED: sum(snapshot.consort.received.values())}
    deaths = tuple(replace(d, arm=POOLED) for d in snapshot.deaths)
    blocks: list[Block] = [
        Paragraph(
            "Safety population: subjects who received a study drug, pooled over the arms. "
            "Treatment-emergent adverse events: onset on or after the first dose."
        ),
        adverse_event_overview(adae, deaths, arms, _POOLED_LABELS, n),
        worst_grade_table(adae, arms, _POOLED_LABELS, n),
        events_by_organ_system(adae, arms, _POOLED_LABELS, n),
    ]
    return Section("3", "Adverse events (pooled)", tuple(blocks))


def open_report(monitoring: InterimMonitoring, timeliness: DataTimeliness) -> StudyReport:
    """The open report of an interim look: nothing by arm.

    Parameters
    ----------
    monitoring
        The interim analysis (only its snapshot is used: no efficacy figure is shown).
    timeliness
        Overdue forms and open queries at the cut-off.

    Returns
    -------
    StudyReport
    """
    snapshot = monitoring.snapshot
    protocol = snapshot.protocol
    patients: tuple[Block, ...] = (
        _disposition(snapshot),
        baseline_table(snapshot.adsl, (), {}),
        _timeliness(timeliness, snapshot.consort.randomized),
    )
    return StudyReport(
        title=f"Data monitoring committee, open report: {protocol.acronym or protocol.nct_id}",
        subtitle=protocol.official_title or protocol.brief_title,
        facts=(
            ("Registry", protocol.nct_id),
            ("Data cut-off", snapshot.as_of.isoformat()),
            ("Interim look", str(len(monitoring.earlier) + 1)),
            ("Randomized", str(snapshot.consort.randomized)),
            ("Database", snapshot.lock.description),
        ),
        sections=(
            _accrual_section(snapshot),
            Section("2", "Disposition, baseline and data timeliness", patients),
            _safety(snapshot),
        ),
    )
