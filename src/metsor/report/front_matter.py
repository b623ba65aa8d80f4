"""The report's first sections: synopsis, the protocol with its review, the design and power.

The protocol's findings and the power of the registered size under the protocol's design
assumptions are read through :func:`metsor.services.protocol_review.review_with_power`; this
module only lays them out.
"""

from __future__ import annotations

from metsor.analysis import TrialAnalysis
from metsor.protocol import Protocol
from metsor.report.document import Paragraph, Section, Table
from metsor.report.formatting import estimate_ci, months, p_value
from metsor.services.protocol_review import ProtocolReview
from metsor.services.trial_data import TrialSnapshot

__all__ = ["design_section", "protocol_section", "synopsis_section"]


def synopsis_section(
    snapshot: TrialSnapshot, analysis: TrialAnalysis | None, warnings: list[str]
) -> Section:
    """Synopsis: the trial, the cut-off, who was randomized, and the primary result."""
    p = snapshot.protocol
    scheme = snapshot.scheme
    flow = snapshot.consort
    labels = scheme.arm_labels
    blocks: list[Paragraph | Table] = [
        Paragraph(
            f"{p.official_title or p.brief_title} ({p.nct_id}"
            f"{', ' + p.acronym if p.acronym else ''}); sponsor {p.sponsor.lead}; "
            f"{', '.join(x.replace('PHASE', 'phase ') for x in p.phases) or 'phase not stated'}; "
            f"{(p.design.allocation or 'allocation not stated').lower()}, {_masking(p)}, "
            f"{len(p.arms)} arms; target enrollment {p.design.target_enrollment}."
        ),
        Paragraph(
            f"Data cut-off {snapshot.as_of.isoformat()}"
            f"{'' if snapshot.cutoff else ' (no cut-off given: every record up to today)'}. "
            f"Candidates assessed for eligibility: {flow.assessed}; randomized: "
            f"{flow.randomized} ("
            + ", ".join(f"{flow.allocated[a]} to {labels.get(a, a)}" for a in scheme.arms)
            + ")."
        ),
    ]
    if analysis is not None and "OS" in analysis.endpoints:
        os_ = analysis.endpoints["OS"]
        medians = "; ".join(
            f"{labels.get(a, a)} {_median_words(os_.arms[a].median)} "
            f"({os_.arms[a].events} deaths of {os_.arms[a].n})"
            for a in scheme.arms
            if a in os_.arms
        )
        hr = os_.hazard_ratio
        result = (
            "hazard ratio not estimable"
            if hr is None
            else f"hazard ratio {estimate_ci(hr.estimate, hr.lower, hr.upper)}"
        )
        lr = os_.logrank
        blocks.append(
            Paragraph(
                f"Primary endpoint, overall survival: median {medians}; stratified {result}; "
                f"log-rank p = {p_value(None if lr is None else lr.p_value)}."
            )
        )
    for warning in warnings:
        blocks.append(Paragraph(warning, kind="warning"))
    return Section("1", "Synopsis", tuple(blocks))


def _median_words(median: float) -> str:
    shown = months(median)
    return "not reached" if shown == "NR" else f"{shown} months"


def _masking(protocol: Protocol) -> str:
    masking = (protocol.design.masking or "").upper()
    if masking in ("", "NONE"):
        return "open label"
    return f"{masking.lower()}-masked"


def protocol_section(protocol: Protocol, review: ProtocolReview) -> Section:
    """The protocol as run: arms, interventions, outcomes, corrections and review findings."""
    arms = Table(
        "Arms and interventions",
        ("Arm", "Type", "Interventions"),
        tuple(
            (
                a.label,
                a.type.replace("_", " ").lower(),
                ", ".join(f"{name} {_dose(protocol, name)}" for name in a.intervention_names),
            )
            for a in protocol.arms
        ),
    )
    outcomes = Table(
        "Registered outcomes",
        ("Outcome", "Type", "Time frame"),
        tuple((o.measure, o.type, o.time_frame or "–") for o in protocol.outcomes),
    )
    corrections = Table(
        "Corrections made to the registry record",
        ("Field", "Registered", "Corrected", "Reason"),
        tuple((c.field, c.registered, c.corrected, c.reason) for c in protocol.corrections),
    )
    findings = review.findings
    review_table = Table(
        "Findings of the protocol review",
        ("Severity", "Finding", "Where", "What"),
        tuple((f.severity, f.code, f.field, f.message) for f in findings),
        notes=("Each finding rests on a source given by `metsor protocol review`.",),
    )
    blocks: list[Paragraph | Table] = [arms, outcomes]
    if protocol.corrections:
        blocks.append(corrections)
    blocks.append(review_table if findings else Paragraph("The protocol review found nothing."))
    return Section("2", "Protocol and its review", tuple(blocks))


def _dose(protocol: Protocol, name: str) -> str:
    dose = protocol.intervention(name).dose
    if dose is None:
        return ""
    return f"{dose.quantity:g} {dose.unit} {dose.frequency}"


def design_section(snapshot: TrialSnapshot, review: ProtocolReview) -> Section:
    """The design assumptions with their sources, the power, and the randomization scheme."""
    protocol = snapshot.protocol
    scheme = snapshot.scheme
    blocks: list[Paragraph | Table] = []
    a = protocol.assumptions
    if a is None:
        blocks.append(Paragraph("The protocol states no design assumptions: power not known."))
    else:
        values = {
            "median_os_control_months": f"{a.median_os_control_months:g} months",
            "median_os_experimental_months": f"{a.median_os_experimental_months:g} months",
            "alpha": f"{a.alpha:g}",
            "sides": str(a.sides),
            "accrual_months": f"{a.accrual_months:g} months",
            "follow_up_months": f"{a.follow_up_months:g} months",
            "dropout_per_year": f"{a.dropout_per_year:g}",
        }
        blocks.append(
            Table(
                "Design assumptions",
                ("Assumption", "Value", "Source"),
                tuple(
                    (name.replace("_", " "), value, a.sources.get(name, "–"))
                    for name, value in values.items()
                ),
            )
        )
        power = review.power
    if a is not None and power is not None:
        blocks.append(
            Paragraph(
                f"With {power.n} patients the log-rank test has power "
                f"{power.power:.3f} to detect hazard ratio {power.hazard_ratio:.3f} "
                f"({a.sides}-sided α {a.alpha:g}), with {power.expected_events:.1f} deaths "
                f"expected at month {a.analysis_month:g} (Schoenfeld; as rpact "
                "getPowerSurvival)."
            )
        )
    ratio = ":".join(str(r) for r in scheme.ratio)
    blocks.append(
        Table(
            "Randomization",
            ("Item", "Value"),
            (
                ("Method", scheme.method.replace("_", " ")),
                ("Arms (ratio)", f"{', '.join(scheme.label(x) for x in scheme.arms)} ({ratio})"),
                ("Strata", ", ".join(scheme.strata)),
                (
                    "Target enrollment / cap",
                    f"{scheme.target_enrollment} / {scheme.enrollment_cap}",
                ),
                ("Allocation seed fingerprint (SHA-256)", scheme.seed_fingerprint),
            ),
        )
    )
    return Section("3", "Design and power", tuple(blocks))
