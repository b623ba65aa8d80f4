"""The report's result sections: study patients, efficacy, safety, and the data behind them.

Every efficacy figure is a value of :class:`metsor.analysis.TrialAnalysis` or of
:func:`metsor.analysis.subgroups.subgroup_hazard_ratios`; the counts are those of the trial's
snapshot (:mod:`metsor.services.trial_data`).
"""

from __future__ import annotations

import platform
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from metsor import __version__
from metsor.analysis import TrialAnalysis, drug_exposures, summarise_exposure, treatment_ends
from metsor.analysis.subgroups import SubgroupFactor
from metsor.report.baseline_table import baseline_table
from metsor.report.consort_diagram import consort_figure
from metsor.report.document import Block, Paragraph, Section, Table
from metsor.report.efficacy_tables import response_table, survival_table
from metsor.report.endpoint_rules import endpoint_rules_table
from metsor.report.forest_plot import forest_figure
from metsor.report.km_plot import km_figure
from metsor.report.safety_tables import (
    adverse_event_overview,
    deaths_table,
    events_by_organ_system,
    exposure_table,
    serious_events_table,
    worst_grade_table,
)
from metsor.services.sign_off import LOCK_ORDER, SubjectSignOff
from metsor.services.trial_data import TrialSnapshot

__all__ = ["data_section", "efficacy_section", "patients_section", "safety_section"]

_KM_PARAMS: dict[str, str] = {
    "OS": "Probability of survival",
    "TTP": "Probability free of progression",
    "PFS": "Probability alive and free of progression",
}


def patients_section(snapshot: TrialSnapshot) -> Section:
    """Disposition (the CONSORT flow diagram) and baseline characteristics."""
    scheme = snapshot.scheme
    flow = snapshot.consort
    blocks: list[Block] = [
        consort_figure(
            flow,
            arms=scheme.arms,
            arm_labels=scheme.arm_labels,
            caption="CONSORT 2010 flow diagram at the data cut-off. Criteria named by their "
            "protocol id; a candidate may fail several.",
        )
    ]
    for problem in flow.problems():
        blocks.append(Paragraph(f"CONSORT counts do not add up: {problem}", kind="warning"))
    blocks.append(_disposition(snapshot))
    blocks.append(baseline_table(snapshot.adsl, scheme.arms, scheme.arm_labels))
    return Section("4", "Study patients", tuple(blocks))


def _disposition(snapshot: TrialSnapshot) -> Table:
    """The counts of the CONSORT diagram as a table, per arm."""
    scheme, flow = snapshot.scheme, snapshot.consort
    arms = scheme.arms

    def row(name: str, counts: Mapping[str, int]) -> tuple[str, ...]:
        return (name, *(str(counts.get(a, 0)) for a in arms))

    reasons = sorted({why for arm in arms for why in flow.discontinued[arm]})
    rows = [
        row("Allocated", flow.allocated),
        row("Received the allocated intervention", flow.received),
        row("Did not receive the allocated intervention", flow.not_received),
        row("Discontinued the intervention", {a: sum(flow.discontinued[a].values()) for a in arms}),
        *(
            row(f"    {why}", {a: flow.discontinued[a].get(why, 0) for a in arms})
            for why in reasons
        ),
        row("Died", flow.died),
        row("Withdrew consent or withdrawn", flow.withdrew),
        row("Lost to follow-up", flow.lost_to_follow_up),
        row("In follow-up at the data cut-off", flow.in_follow_up),
        row("Analysed (intention to treat)", flow.analysed),
        row("Excluded from analysis", flow.excluded_from_analysis),
    ]
    excluded = ", ".join(f"{reason} {n}" for reason, n in flow.excluded.items()) or "none"
    return Table(
        caption="Disposition of subjects",
        header=("", *(scheme.label(a) for a in arms)),
        rows=tuple(rows),
        notes=(
            f"Assessed for eligibility {flow.assessed}; excluded {flow.excluded_total} "
            f"({excluded}); randomized {flow.randomized}.",
        ),
    )


def efficacy_section(
    snapshot: TrialSnapshot,
    analysis: TrialAnalysis | None,
    subgroups: Sequence[SubgroupFactor],
) -> Section:
    """Time-to-event endpoints with their Kaplan–Meier figures, the OS forest plot, response."""
    labels = snapshot.scheme.arm_labels
    if analysis is None:
        return Section(
            "5",
            "Efficacy",
            (
                Paragraph(
                    "No subject was randomized by the data cut-off: no efficacy analysis.",
                    kind="warning",
                ),
            ),
        )
    registered = snapshot.protocol.registered_horizon_months
    twelve = (
        "the registered analysis censors at 12 months (OS12, TTP12, PFS12)"
        if registered == 12
        else "OS12, TTP12 and PFS12 censor at 12 months (not a time frame the registry gives the "
        "primary outcomes)"
    )
    blocks: list[Block] = [
        Paragraph(
            f"Intention-to-treat population. Time-to-event endpoints with full follow-up; "
            f"{twelve}. TTP and PFS follow mRECIST; censoring and response follow the "
            "protocol's endpoint rules below."
        ),
        endpoint_rules_table(
            snapshot.protocol.endpoint_rules, snapshot.adtte, registered_months=registered
        ),
        survival_table(analysis, ("OS", "TTP", "PFS", "OS12", "TTP12", "PFS12"), labels),
    ]
    for param, ylabel in _KM_PARAMS.items():
        comparison = analysis.endpoints.get(param)
        if comparison is None:
            continue
        name = analysis.labels.get(param, param)
        blocks.append(
            km_figure(
                comparison,
                title=name,
                caption=f"Kaplan–Meier estimate: {name}, with 95% confidence bands "
                "(log-log), censoring marks, medians and the numbers at risk.",
                arm_labels=labels,
                ylabel=ylabel,
            )
        )
    blocks.extend(_forest(analysis, subgroups, labels))
    if analysis.responses:
        blocks.append(response_table(analysis, labels))
    return Section("5", "Efficacy", tuple(blocks))


def _forest(
    analysis: TrialAnalysis, subgroups: Sequence[SubgroupFactor], labels: Mapping[str, str]
) -> list[Block]:
    os_ = analysis.endpoints.get("OS")
    if os_ is None or len(os_.arms) < 2:
        return [
            Paragraph(
                "No subgroup analysis: overall survival is not compared between two arms.",
                kind="warning",
            )
        ]
    hr = os_.hazard_ratio_unstratified
    arms = (analysis.experimental, analysis.reference)
    counts = (
        {a: s.n for a, s in os_.arms.items()},
        {a: s.events for a, s in os_.arms.items()},
    )
    blocks: list[Block] = [
        forest_figure(
            subgroups,
            overall=None if hr is None else (hr.estimate, hr.lower, hr.upper),
            counts=counts,
            arms=arms,
            arm_labels=labels,
            caption="Hazard ratio of death by subgroup (unstratified Cox model within each "
            "level, Efron ties, Wald 95% interval); interaction p: likelihood-ratio test of "
            "the arm-by-subgroup term in a Cox model (metsor.analysis.subgroups).",
        )
    ]
    notes = [f"{f.label}: not recorded for any subject." for f in subgroups if not f.levels]
    notes += [f"{w}." for f in subgroups if f.levels for w in f.warnings]
    if notes:
        blocks.append(Paragraph(" ".join(notes), kind="note"))
    return blocks


def safety_section(snapshot: TrialSnapshot) -> Section:
    """Exposure and adverse events by arm; deaths."""
    scheme = snapshot.scheme
    arms, labels = scheme.arms, scheme.arm_labels
    safety_n = snapshot.consort.received
    stops = [(d.subject_id, d.on) for d in snapshot.deaths]
    stops += [(w.subject_id, w.on) for w in snapshot.withdrawals]
    ends = treatment_ends((c.subject_id for c in snapshot.courses), snapshot.as_of, stops)
    exposures = drug_exposures(snapshot.dosing, snapshot.full_daily_mg, ends)
    drugs = sorted({x.drug for x in exposures})
    blocks: list[Block] = [
        Paragraph(
            "Safety population: subjects who received a study drug. Treatment-emergent "
            "adverse events: onset on or after the first dose."
        ),
        exposure_table(summarise_exposure(exposures, arms, drugs), labels),
        adverse_event_overview(snapshot.adae, snapshot.deaths, arms, labels, safety_n),
        events_by_organ_system(snapshot.adae, arms, labels, safety_n),
        worst_grade_table(snapshot.adae, arms, labels, safety_n),
        serious_events_table(snapshot.adae, arms, labels),
        deaths_table(snapshot.deaths, arms, labels, snapshot.consort.allocated),
    ]
    return Section("6", "Safety", tuple(blocks))


def sign_off_table(snapshot: TrialSnapshot) -> Table:
    """Per arm: randomized subjects whose casebook stands signed at the cut-off, visits signed,
    signatures voided, and the subjects' lock states when the data were read."""
    scheme = snapshot.scheme
    subjects = {arm: [c.subject_id for c in snapshot.courses if c.arm == arm]
                for arm in scheme.arms}  # fmt: skip

    def count(arm: str, test: Callable[[SubjectSignOff], int]) -> str:
        return str(sum(test(snapshot.sign_off.of(s)) for s in subjects[arm]))

    def states(arm: str) -> str:
        found = Counter(snapshot.sign_off.of(s).lock_state for s in subjects[arm])
        return ", ".join(f"{found[state]} {state}" for state in LOCK_ORDER if found[state]) or "–"

    measures: tuple[tuple[str, Callable[[str], str]], ...] = (
        ("Randomized", lambda arm: str(len(subjects[arm]))),
        ("Casebook signed by the investigator (valid)",
         lambda arm: count(arm, lambda s: s.casebook_signature is not None)),
        ("Visit signatures (valid)", lambda arm: count(arm, lambda s: sum(
            1 for x in s.signatures if not x.of_casebook and x.status == "valid"))),
        ("Signatures voided by a later change, unlock or unfreeze", lambda arm: count(
            arm, lambda s: sum(1 for x in s.signatures if x.status == "voided"))),
        ("Subjects' data: open, frozen, locked", states),
    )  # fmt: skip
    return Table(
        "Electronic signatures and locks",
        ("Item", *(scheme.label(arm) for arm in scheme.arms)),
        tuple((name, *(value(arm) for arm in scheme.arms)) for name, value in measures),
        notes=(
            "Signatures as they stood at the data cut-off (21 CFR Part 11: printed name, date "
            "and time, meaning; linked to the signed records by their SHA-256); lock states "
            "when the data were read: the strictest of the subject's, its site's and the "
            "study's.",
        ),
    )


def data_section(snapshot: TrialSnapshot) -> Section:
    """Data cut-off, database state, the investigators' signatures and the subjects' locks,
    the audit chain's verification and what was read."""
    audit = snapshot.audit
    if audit.verified:
        chain = f"{audit.note}: {audit.counts}" + (
            "" if audit.intact else f"; first problem: {audit.first_problem}"
        )
    else:
        chain = audit.note
    rows = (
        ("Data cut-off", snapshot.cutoff.isoformat() if snapshot.cutoff else "none (all data)"),
        ("Extracted", f"{snapshot.extracted_at:%Y-%m-%d %H:%M} UTC by {snapshot.extracted_by}"),
        ("Database state", snapshot.lock.description),
        ("Audit chain", chain),
        (
            "Analysis datasets",
            f"ADSL {len(snapshot.adsl)}, ADTTE {len(snapshot.adtte)}, "
            f"ADRS {len(snapshot.adrs)}, ADAE {len(snapshot.adae)} rows",
        ),
        ("Software", f"metsor {__version__}, Python {platform.python_version()}"),
    )
    blocks: list[Block] = [
        Table("Data behind this report", ("Item", "Value"), rows),
        sign_off_table(snapshot),
    ]
    if audit.verified and not audit.intact:
        blocks.append(
            Paragraph(
                "The audit chain is broken: the data may have been changed "
                "outside the application.",
                kind="warning",
            )
        )
    return Section("7", "Data cut-off, database state, signatures and audit trail", tuple(blocks))
