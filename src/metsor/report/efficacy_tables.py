"""Tables of the efficacy analysis: time-to-event endpoints and objective response.

Every figure is a value of :class:`metsor.analysis.TrialAnalysis`; these functions only
write them out.
"""

from __future__ import annotations

from collections.abc import Mapping

from metsor.analysis import ResponseComparison, SurvivalComparison, TrialAnalysis
from metsor.report.document import Table
from metsor.report.formatting import estimate_ci, months, p_value, percent_ci

__all__ = ["response_table", "survival_table"]


def _arm_cell(comparison: SurvivalComparison, arm: str, what: str) -> str:
    summary = comparison.arms.get(arm)
    if summary is None:
        return "no patients"
    if what == "events":
        return f"{summary.events}/{summary.n}"
    if what == "median":
        return estimate_ci(
            summary.median, summary.median_lower, summary.median_upper, 1, missing="NR"
        )
    if what == "rate12":
        for row in summary.survival_at:
            if row.time == 12.0:
                return percent_ci(row.survival, row.lower, row.upper)
        return "–"
    if summary.rmst is None:
        return "–"
    return f"{months(summary.rmst.estimate, 2)} (SE {months(summary.rmst.se, 2)})"


def survival_table(
    analysis: TrialAnalysis, params: tuple[str, ...], labels: Mapping[str, str]
) -> Table:
    """Time-to-event endpoints: events, medians, 12-month rates, RMST, HR and log-rank.

    Parameters
    ----------
    analysis
        The trial's analysis.
    params
        ADTTE parameters to show, in order.
    labels
        Arm code → label.

    Returns
    -------
    Table
    """
    experimental, reference = analysis.experimental, analysis.reference
    header = (
        "Endpoint",
        labels.get(experimental, experimental),
        labels.get(reference, reference),
        "Comparison",
    )
    rows: list[tuple[str, ...]] = []
    heads = set()
    for param in params:
        comparison = analysis.endpoints.get(param)
        if comparison is None:
            continue
        heads.add(len(rows))
        rows.append((f"{analysis.labels.get(param, param)} ({param})", "", "", ""))
        hr, lr = comparison.hazard_ratio, comparison.logrank
        hr_u, lr_u = comparison.hazard_ratio_unstratified, comparison.logrank_unstratified
        diff = comparison.rmst_difference
        cells = {
            "events": "",
            "median": _hr(hr, "HR"),
            "rate12": f"log-rank p {p_value(None if lr is None else lr.p_value)}"
            + (" (stratified)" if lr is not None and lr.stratified else ""),
            "rmst": "–"
            if diff is None
            else f"difference {estimate_ci(diff.difference, diff.lower, diff.upper)}",
        }
        names = {
            "events": "Events/patients",
            "median": "Median, months (95% CI)",
            "rate12": "12-month rate (95% CI)",
            "rmst": "RMST to 12 months, months",
        }
        for what, name in names.items():
            rows.append(
                (
                    f"    {name}",
                    _arm_cell(comparison, experimental, what),
                    _arm_cell(comparison, reference, what),
                    cells[what],
                )
            )
        rows.append(
            (
                "    Unstratified analysis",
                "",
                "",
                f"{_hr(hr_u, 'HR')}; p {p_value(None if lr_u is None else lr_u.p_value)}",
            )
        )
        for warning in comparison.warnings:
            rows.append((f"    Note: {warning}", "", "", ""))
    return Table(
        caption="Time-to-event endpoints",
        header=header,
        rows=tuple(rows),
        notes=(
            "Kaplan–Meier medians with Brookmeyer–Crowley 95% intervals (log-log); hazard ratio "
            f"{labels.get(experimental, experimental)} against {labels.get(reference, reference)}"
            " from the Cox model (Efron ties, Wald interval), stratified by the randomization "
            "strata as the log-rank test; NR: not reached; RMST: restricted mean survival time.",
        ),
        group_rows=frozenset(heads),
    )


def _hr(hr: object, name: str) -> str:
    from metsor.analysis import HazardRatio

    if not isinstance(hr, HazardRatio):
        return f"{name} not estimable"
    return f"{name} {estimate_ci(hr.estimate, hr.lower, hr.upper)}"


def response_table(analysis: TrialAnalysis, labels: Mapping[str, str]) -> Table:
    """Objective response by mRECIST and RECIST 1.1 per arm, difference and Fisher's test."""
    experimental, reference = analysis.experimental, analysis.reference
    header = (
        "Criterion",
        labels.get(experimental, experimental),
        labels.get(reference, reference),
        "Difference (95% CI)",
        "Odds ratio (95% CI)",
        "Fisher p",
    )
    rows = [_response_row(c, experimental, reference) for c in analysis.responses.values()]
    notes = [
        "Best overall response (CR or PR) within 12 months; rates with Clopper–Pearson exact "
        "95% intervals; difference with Newcombe's hybrid score interval; conditional maximum-"
        "likelihood odds ratio and Fisher's exact test."
    ]
    notes.extend(w for c in analysis.responses.values() for w in c.warnings)
    return Table("Objective response rate", header, tuple(rows), tuple(notes))


def _response_row(c: ResponseComparison, experimental: str, reference: str) -> tuple[str, ...]:
    def arm(code: str) -> str:
        found = c.arms.get(code)
        if found is None:
            return "no patients"
        return f"{found.responders}/{found.n}, {percent_ci(found.rate, found.lower, found.upper)}"

    diff, fisher = c.difference, c.fisher
    return (
        c.criterion,
        arm(experimental),
        arm(reference),
        "–"
        if diff is None
        else f"{100 * diff.difference:.1f} ({100 * diff.lower:.1f} to {100 * diff.upper:.1f})",
        "–" if fisher is None else estimate_ci(fisher.odds_ratio, fisher.lower, fisher.upper),
        "–" if fisher is None else p_value(fisher.p_value),
    )
