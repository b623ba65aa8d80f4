"""Kaplan–Meier figures as survminer draws them: the curves with their confidence bands and
censoring marks, the medians, the hazard ratio and log-rank p in the panel, and the numbers at
risk in a table under the time axis at the same breaks.

Every figure drawn is a value of :class:`metsor.analysis.SurvivalComparison`; nothing is
estimated here.

References
----------
Kassambara A, Kosinski M, Biecek P. survminer: Drawing Survival Curves using ggplot2
(``ggsurvplot`` with ``risk.table``, ``conf.int``, ``surv.median.line``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure

from metsor import stats
from metsor.analysis import SurvivalComparison
from metsor.report._canvas import ARM_COLOURS, new_figure, to_figure
from metsor.report.document import Figure
from metsor.report.formatting import estimate_ci, p_value

__all__ = ["km_figure", "time_breaks"]


def time_breaks(longest: float) -> list[float]:
    """Breaks of the time axis (months): every 3, 6 or 12 months depending on the span."""
    step = 3.0 if longest <= 24 else 6.0 if longest <= 60 else 12.0
    end = step * max(1, math.ceil(longest / step))
    return [float(x) for x in np.arange(0.0, end + step / 2, step)]


def km_figure(
    comparison: SurvivalComparison,
    *,
    title: str,
    caption: str,
    arm_labels: Mapping[str, str],
    ylabel: str = "Survival probability",
) -> Figure:
    """The Kaplan–Meier figure of one endpoint with its risk table.

    Parameters
    ----------
    comparison
        The endpoint compared between the arms (:func:`metsor.analysis.analyse_adtte`).
    title
        Title of the panel (the endpoint).
    caption
        Caption under the figure.
    arm_labels
        Arm code → label.
    ylabel
        Label of the probability axis.

    Returns
    -------
    Figure
    """
    order = [a for a in (comparison.experimental, comparison.reference) if a in comparison.arms]
    longest = max((float(comparison.arms[a].curve.time.max(initial=0.0)) for a in order), default=0)
    breaks = time_breaks(max(longest, 1.0))
    figure = new_figure(7.4, 6.0)
    grid = figure.add_gridspec(2, 1, height_ratios=[4.2, 1.0], hspace=0.42)
    ax = figure.add_subplot(grid[0])
    table = figure.add_subplot(grid[1], sharex=ax)
    colours = dict(zip((comparison.experimental, comparison.reference), ARM_COLOURS, strict=True))
    for arm in order:
        _curve(ax, comparison.arms[arm].curve, colours[arm], arm_labels.get(arm, arm))
        _median(ax, comparison.arms[arm].median, colours[arm])
    ax.set_xlim(0, breaks[-1])
    ax.set_ylim(0, 1.02)
    ax.set_xticks(breaks)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.25)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper right", frameon=False, fontsize=8.5)
    ax.tick_params(labelbottom=True)
    ax.set_xlabel("Months since randomization")
    _heading(figure, comparison, title, order, colours, arm_labels)
    _risk_table(table, comparison, order, breaks, colours, arm_labels)
    figure.subplots_adjust(left=0.25, right=0.97, top=0.8, bottom=0.06)
    return to_figure(figure, caption)


def _heading(
    figure: MplFigure,
    comparison: SurvivalComparison,
    title: str,
    order: list[str],
    colours: Mapping[str, str],
    arm_labels: Mapping[str, str],
) -> None:
    """Title, hazard ratio and log-rank p, and each arm's median above the panel."""
    figure.text(0.03, 0.975, title, fontsize=11.5, fontweight="bold", va="top")
    figure.text(0.03, 0.935, _statistics(comparison), fontsize=8.8, va="top")
    for line, arm in enumerate(order):
        summary = comparison.arms[arm]
        median = _median_text(summary.median, summary.median_lower, summary.median_upper)
        figure.text(
            0.03, 0.9 - 0.032 * line,
            f"{arm_labels.get(arm, arm)}: median {median} months, "
            f"{summary.events} events among {summary.n}",
            fontsize=8.8, va="top", color=colours[arm],
        )  # fmt: skip


def _curve(ax: Axes, curve: stats.KaplanMeier, colour: str, label: str) -> None:
    x = np.concatenate([[0.0], curve.time])
    y = np.concatenate([[1.0], curve.survival])
    low = np.concatenate([[1.0], np.nan_to_num(curve.lower, nan=0.0)])
    high = np.concatenate([[1.0], np.nan_to_num(curve.upper, nan=1.0)])
    ax.step(x, y, where="post", color=colour, linewidth=1.8, label=f"{label} (n={curve.n})")
    ax.fill_between(x, low, high, step="post", color=colour, alpha=0.13, linewidth=0)
    censored = curve.n_censor > 0
    ax.plot(
        curve.time[censored],
        curve.survival[censored],
        linestyle="none",
        marker="|",
        markersize=7,
        markeredgewidth=1.3,
        color=colour,
    )


def _median(ax: Axes, median: float, colour: str) -> None:
    if not math.isfinite(median):
        return
    ax.plot([0, median], [0.5, 0.5], linestyle="--", color="0.45", linewidth=0.9)
    ax.plot([median, median], [0, 0.5], linestyle="--", color=colour, linewidth=0.9)


def _statistics(comparison: SurvivalComparison) -> str:
    parts = []
    hr = comparison.hazard_ratio
    if hr is not None:
        kind = "Stratified hazard ratio" if hr.stratified else "Hazard ratio"
        parts.append(f"{kind} {estimate_ci(hr.estimate, hr.lower, hr.upper)}")
    else:
        parts.append("Hazard ratio not estimable")
    test = comparison.logrank
    if test is not None:
        kind = " (stratified)" if test.stratified else ""
        parts.append(f"log-rank p = {p_value(test.p_value)}{kind}")
    else:
        parts.append("no log-rank test")
    return " · ".join(parts)


def _median_text(median: float, lower: float, upper: float) -> str:
    return estimate_ci(median, lower, upper, 1, missing="NR")


def _risk_table(
    ax: Axes,
    comparison: SurvivalComparison,
    order: list[str],
    breaks: list[float],
    colours: Mapping[str, str],
    arm_labels: Mapping[str, str],
) -> None:
    rows = list(reversed(order))
    for y, arm in enumerate(rows):
        counts = comparison.arms[arm].curve.at_risk(breaks)  # as the analysis counts them
        for t, n in zip(breaks, counts, strict=True):
            ax.text(t, y, str(n), ha="center", va="center", fontsize=8.5, color=colours[arm])
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([arm_labels.get(a, a) for a in rows], fontsize=8.5)
    for tick, arm in zip(ax.get_yticklabels(), rows, strict=True):
        tick.set_color(colours[arm])
    ax.set_title("Numbers at risk", loc="left", fontsize=9)
    ax.tick_params(axis="both", length=0, labelbottom=False)
    ax.tick_params(axis="y", pad=16)
    for spine in ax.spines.values():
        spine.set_visible(False)
