"""The forest plot of the hazard ratio by subgroup, with each factor's interaction p.

One row per level: the patients and events of each arm, the hazard ratio with its interval as
a point and a line on a log axis with a line at 1, and the figures written out; one header row
per factor with the interaction p (likelihood-ratio test, :mod:`metsor.analysis.subgroups`).
"Favours" labels under the axis name the arm each side favours.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from metsor.analysis.subgroups import SubgroupFactor
from metsor.report._canvas import ARM_COLOURS, new_figure, to_figure
from metsor.report.document import Figure
from metsor.report.formatting import estimate_ci, p_value

__all__ = ["forest_figure"]

_ROW = 0.24  # inches per row


def forest_figure(
    factors: Sequence[SubgroupFactor],
    *,
    overall: tuple[float, float, float] | None,
    counts: tuple[Mapping[str, int], Mapping[str, int]],
    arms: tuple[str, str],
    arm_labels: Mapping[str, str],
    caption: str,
) -> Figure:
    """The forest plot.

    Parameters
    ----------
    factors
        The subgroup analysis of each factor (those without any level are left out).
    overall
        The overall hazard ratio ``(estimate, lower, upper)``, or None.
    counts
        ``(n, events)`` per arm of all patients, for the overall row.
    arms
        ``(experimental, reference)`` arm codes.
    arm_labels
        Arm code → label.
    caption
        Caption under the figure.

    Returns
    -------
    Figure
    """
    experimental, reference = arms
    rows: list[tuple[str, str, str, tuple[float, float, float] | None, bool]] = []
    n, events = counts
    rows.append(("All patients", _count(n, events, arms), _hr_text(overall), overall, True))
    for factor in factors:
        if not factor.levels:
            continue
        rows.append(
            (
                f"{factor.label}  (interaction p = {p_value(factor.interaction_p)})",
                "",
                "",
                None,
                True,
            )
        )
        for level in factor.levels:
            hr = (
                None
                if level.hazard_ratio is None or level.lower is None or level.upper is None
                else (level.hazard_ratio, level.lower, level.upper)
            )
            rows.append(
                (f"    {level.level}", _count(level.n, level.events, arms), _hr_text(hr), hr, False)
            )
    height = 1.3 + _ROW * (len(rows) + 1)
    figure = new_figure(7.6, height)
    bottom = 0.8 / height
    top = 1 - 0.5 / height
    span = top - bottom
    labels = figure.add_axes((0.01, bottom, 0.33, span))
    numbers = figure.add_axes((0.34, bottom, 0.17, span))
    plot = figure.add_axes((0.53, bottom, 0.25, span))
    values = figure.add_axes((0.80, bottom, 0.19, span))
    for ax in (labels, numbers, plot, values):
        ax.set_ylim(len(rows) - 0.5, -0.5)
    for ax in (labels, numbers, values):
        ax.set_xlim(0, 1)
        ax.axis("off")
    head = -1.05
    short = f"{arm_labels.get(experimental, experimental)} / {arm_labels.get(reference, reference)}"
    labels.text(0.0, head, "Subgroup", fontsize=8, fontweight="bold", va="center")
    numbers.text(
        1.0,
        head,
        f"n (events)\n{short}",
        fontsize=7,
        fontweight="bold",
        va="center",
        ha="right",
        linespacing=1.15,
    )
    values.text(0.0, head, "HR (95% CI)", fontsize=8, fontweight="bold", va="center")
    bounds = [b for row in rows if row[3] is not None for b in row[3][1:]]
    finite = [b for b in bounds if math.isfinite(b) and b > 0]
    low = min([0.25, *finite]) if finite else 0.25
    high = max([4.0, *finite]) if finite else 4.0
    low, high = max(low, 0.05), min(high, 20.0)
    for y, (label, count, text, hr, bold) in enumerate(rows):
        labels.text(
            0.0,
            y,
            label.strip() if bold else label,
            fontsize=8,
            va="center",
            fontweight="bold" if bold else "normal",
        )
        numbers.text(1.0, y, count, fontsize=7.5, va="center", ha="right")
        values.text(0.0, y, text, fontsize=7.5, va="center")
        if hr is not None:
            estimate, lo, hi = (min(max(v, low), high) for v in hr)
            plot.plot([lo, hi], [y, y], color="0.25", lw=1.1)
            plot.plot(
                [estimate],
                [y],
                marker="D" if y == 0 else "s",
                color=ARM_COLOURS[1],
                markersize=6 if y == 0 else 4.5,
            )
    plot.set_xscale("log")
    plot.set_xlim(low, high)
    plot.axvline(1.0, color="0.3", lw=0.8, linestyle="--")
    ticks = [t for t in (0.1, 0.3, 1.0, 3.0, 10.0) if low <= t <= high]
    plot.set_xticks(ticks)
    plot.set_xticklabels([f"{t:g}" for t in ticks], fontsize=7.5)
    plot.minorticks_off()
    plot.set_yticks([])
    plot.spines[["top", "right", "left"]].set_visible(False)
    plot.set_xlabel("Hazard ratio (log scale)", fontsize=8)
    below = len(rows) + 1.6
    plot.text(
        math.sqrt(low),
        below,
        f"← favours\n{arm_labels.get(experimental, experimental)}",
        ha="center",
        va="top",
        fontsize=7,
        color=ARM_COLOURS[0],
    )
    plot.text(
        math.sqrt(high),
        below,
        f"favours →\n{arm_labels.get(reference, reference)}",
        ha="center",
        va="top",
        fontsize=7,
        color=ARM_COLOURS[1],
    )
    return to_figure(figure, caption)


def _count(n: Mapping[str, int], events: Mapping[str, int], arms: tuple[str, str]) -> str:
    return " / ".join(f"{n.get(a, 0)} ({events.get(a, 0)})" for a in arms)


def _hr_text(hr: tuple[float, float, float] | None) -> str:
    if hr is None:
        return "not estimable"
    return estimate_ci(*hr)
