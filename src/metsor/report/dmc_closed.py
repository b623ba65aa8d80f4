"""The closed report to the data monitoring committee: the trial by arm, for the DMC only.

The efficacy look against its boundary (every look so far: events, information, the bound on
the z, p and hazard-ratio scales, the z observed, the decision, conditional power under the
design's and the observed hazard ratio, repeated confidence intervals and p-values), the
boundary plot, the survival table and Kaplan–Meier plots, adverse events by arm and grade and
deaths. Figures and tables are the study report's (:mod:`metsor.report.km_plot`,
:mod:`metsor.report.efficacy_tables`, :mod:`metsor.report.safety_tables`); every number comes
from :class:`metsor.services.interim.InterimMonitoring`.

References
----------
Jennison C, Turnbull BW. Group Sequential Methods with Applications to Clinical Trials.
Chapman & Hall/CRC, 2000. DAMOCLES Study Group, Lancet 2005;365:711–722.
"""

from __future__ import annotations

import math

from metsor.analysis import analyse_trial
from metsor.report._canvas import ARM_COLOURS, new_figure, to_figure
from metsor.report.document import Block, Figure, Paragraph, Section, StudyReport, Table
from metsor.report.efficacy_tables import survival_table
from metsor.report.formatting import p_value
from metsor.report.km_plot import km_figure
from metsor.report.safety_tables import (
    adverse_event_overview,
    deaths_table,
    events_by_organ_system,
    worst_grade_table,
)
from metsor.services.interim import InterimMonitoring

__all__ = ["CLOSED_MARKING", "closed_report", "look_table", "observed_table"]

#: The marking on every page of the closed report.
CLOSED_MARKING = "CLOSED — for the DMC only"

_KM_PARAMS = {"OS": "Overall survival", "PFS": "Progression-free survival"}


def _number(value: float, digits: int = 3) -> str:
    return "–" if not math.isfinite(value) else f"{value:.{digits}f}"


def look_table(monitoring: InterimMonitoring) -> Table:
    """Every look of the plan and its efficacy bound at the observed information."""
    r = monitoring.analysis
    cutoffs = [look.cutoff.isoformat() for look in monitoring.earlier]
    cutoffs.append(monitoring.cutoff.isoformat())
    taken = len(r.events)
    rows = tuple(
        (
            str(k + 1),
            cutoffs[k] if k < taken else "planned",
            f"{r.look_events[k]:.0f}" if k < taken else f"{r.look_events[k]:.1f}",
            f"{rate:.3f}",
            f"{r.critical_z[k]:.3f}",
            p_value(r.nominal_p[k]),
            p_value(r.cumulative_alpha[k]),
            f"{r.hr_efficacy_bound[k]:.3f}",
        )
        for k, rate in enumerate(r.information_rates)
    )
    plan = monitoring.plan
    return Table(
        caption=f"Efficacy boundary at the observed {monitoring.endpoint} events",
        header=(
            "Look",
            "Cut-off",
            "Events",
            "Information",
            "Bound z",
            "Nominal p",
            "α spent",
            "HR at bound",
        ),
        rows=rows,
        notes=(
            f"{plan.sides}-sided α {plan.alpha:g}, {plan.spending} α-spending at the observed "
            f"information (events / {plan.planned_events:g} planned); status {r.status}. "
            "Looks after the last one taken at their planned information.",
        ),
    )


def observed_table(monitoring: InterimMonitoring) -> Table:
    """Per look taken: z, hazard ratio, decision, conditional power, repeated inference."""
    r = monitoring.analysis
    plan = monitoring.plan
    rows = tuple(
        (
            str(k + 1),
            f"{r.z[k]:.3f}",
            f"{r.hr_observed[k]:.3f}",
            r.decision[k],
            _number(r.conditional_power[k]),
            _number(r.conditional_power_observed_hr[k]),
            f"{r.rci_lower[k]:.3f}–{r.rci_upper[k]:.3f}",
            p_value(r.repeated_p_value[k]),
        )
        for k in range(len(r.events))
    )
    return Table(
        caption="Observed at each look: the decision, conditional power and repeated inference",
        header=(
            "Look",
            "z",
            "HR",
            "Decision",
            f"CP (HR {plan.hazard_ratio:g})",
            "CP (HR observed)",
            "Repeated CI for HR",
            "Repeated p",
        ),
        rows=rows,
        notes=(
            "z: log-rank stratified by the randomization strata, > 0 favours the experimental "
            "arm; HR: experimental / control, exp(−z/√I), I the information of the events "
            "(events / 4 at 1:1). CP: conditional power of rejecting at a later look. Earlier "
            "looks as recorded at their cut-off.",
        ),
    )


def _boundary_figure(monitoring: InterimMonitoring) -> Figure:
    r = monitoring.analysis
    figure = new_figure(7.0, 3.8)
    ax = figure.add_subplot(1, 1, 1)
    ax.plot(r.look_events, r.critical_z, marker="o", color="#1d2733", label="Efficacy bound")
    two_sided = r.design.sides == 2
    if two_sided:  # reject when |z| ≥ c: the bound for harm mirrors it
        ax.plot(r.look_events, [-c for c in r.critical_z], marker="o", color="#1d2733")
    if any(math.isfinite(a) for a in r.futility_z):
        label = "Futility bound (|z| < a)" if two_sided else "Futility bound"
        ax.plot(r.look_events, r.futility_z, marker="o", color="#777777", label=label)
        if two_sided:
            ax.plot(r.look_events, [-a for a in r.futility_z], marker="o", color="#777777")
    taken = len(r.events)
    ax.plot(r.events, r.z, marker="D", linestyle=":", color=ARM_COLOURS[0], label="Observed z")
    ax.axhline(0.0, color="#999999", linewidth=0.8)
    ax.set_xlabel("Events")
    ax.set_ylabel("z (> 0 favours experimental)")
    ax.set_xlim(0, max(r.look_events) * 1.05)
    ax.grid(alpha=0.25)
    ax.spines[["top", "right"]].set_visible(False)
    if two_sided:  # both sides of z = 0 are in use: the legend goes above
        ax.legend(
            loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False, fontsize=8.5
        )
    else:
        ax.legend(loc="lower right", frameon=False, fontsize=8.5)
    figure.subplots_adjust(left=0.12, right=0.97, top=0.89 if two_sided else 0.95, bottom=0.15)
    return to_figure(
        figure,
        f"The log-rank z at the {taken} look(s) taken against the efficacy bound recomputed "
        "at the observed information.",
    )


def _efficacy(monitoring: InterimMonitoring) -> Section:
    r = monitoring.analysis
    snapshot = monitoring.snapshot
    scheme = snapshot.scheme
    labels = dict(scheme.arm_labels)
    k = len(r.events) - 1
    verdict = (
        f"Look {k + 1} at {snapshot.as_of}: {r.events[k]:.0f} {monitoring.endpoint} events "
        f"(information {r.information_rates[k]:.3f}), z = {r.z[k]:.3f} against the bound "
        f"{r.critical_z[k]:.3f}: {'REJECT H0' if r.decision[k] == 'reject' else 'continue'}."
    )
    blocks: list[Block] = [
        Paragraph(verdict, kind="warning" if r.decision[k] == "reject" else "text"),
        look_table(monitoring),
        observed_table(monitoring),
        _boundary_figure(monitoring),
    ]
    analysis = analyse_trial(
        snapshot.adtte, snapshot.adrs, reference=scheme.reference, experimental=scheme.experimental
    )
    shown = tuple(p for p in ("OS", "PFS", "TTP") if p in analysis.endpoints)
    blocks.append(survival_table(analysis, shown, labels))
    for param, title in _KM_PARAMS.items():
        comparison = analysis.endpoints.get(param)
        if comparison is not None:
            blocks.append(
                km_figure(
                    comparison,
                    title=title,
                    caption=f"Kaplan–Meier estimate by arm at the interim cut-off: {title}.",
                    arm_labels=labels,
                )
            )
    return Section("1", "Efficacy at the interim look", tuple(blocks))


def _safety(monitoring: InterimMonitoring) -> Section:
    snapshot = monitoring.snapshot
    scheme = snapshot.scheme
    arms, labels = scheme.arms, scheme.arm_labels
    received = snapshot.consort.received
    return Section(
        "2",
        "Adverse events by arm and grade; deaths",
        (
            adverse_event_overview(snapshot.adae, snapshot.deaths, arms, labels, received),
            worst_grade_table(snapshot.adae, arms, labels, received),
            events_by_organ_system(snapshot.adae, arms, labels, received),
            deaths_table(snapshot.deaths, arms, labels, snapshot.consort.allocated),
        ),
    )


def closed_report(monitoring: InterimMonitoring) -> StudyReport:
    """The closed report of an interim look, by arm.

    Parameters
    ----------
    monitoring
        The interim analysis.

    Returns
    -------
    StudyReport
        Marked :data:`CLOSED_MARKING` in its title; the HTML adds the marking to every page.
    """
    snapshot = monitoring.snapshot
    protocol = snapshot.protocol
    r = monitoring.analysis
    return StudyReport(
        title=f"{CLOSED_MARKING}: interim report, {protocol.acronym or protocol.nct_id}",
        subtitle=protocol.official_title or protocol.brief_title,
        facts=(
            ("Registry", protocol.nct_id),
            ("Data cut-off", snapshot.as_of.isoformat()),
            ("Interim look", f"{len(r.events)} of {len(r.information_rates)}"),
            (f"{monitoring.endpoint} events", f"{monitoring.events}"),
            ("Decision", r.decision[-1]),
        ),
        sections=(_efficacy(monitoring), _safety(monitoring)),
    )
