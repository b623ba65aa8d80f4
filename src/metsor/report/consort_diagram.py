"""The CONSORT 2010 flow diagram drawn with the trial's counts.

Four stages — enrollment, allocation, follow-up, analysis — with the boxes of the CONSORT
template: assessed for eligibility; excluded, with reasons; randomized; per arm allocated,
received and did not receive the allocated intervention; discontinued the intervention with
reasons, died, withdrew, lost to follow-up, still in follow-up at the cut-off; analysed and
excluded from analysis. The counts are those of :class:`metsor.services.trial_data.ConsortFlow`,
whose sums are checked there.

References
----------
Schulz KF, Altman DG, Moher D. CONSORT 2010 Statement. BMJ 2010;340:c332 (figure: flow
diagram).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

from metsor.report._canvas import new_figure, to_figure
from metsor.report.document import Figure
from metsor.services.trial_data import ConsortFlow

__all__ = ["consort_figure"]

_WIDTH = 7.6
_LINE = 0.152  # inches per line of text
_PAD = 0.1
_FONT = 8.6
_BAND = "#DCE9F5"


def _box_lines(head: str, items: Sequence[str], width: int) -> list[str]:
    lines = textwrap.wrap(head, width)
    for item in items:
        lines.extend(textwrap.wrap(item, width, initial_indent="• ", subsequent_indent="   "))
    return lines


def _reasons(counts: Mapping[str, int]) -> list[str]:
    return [f"{reason} (n={n})" for reason, n in counts.items()]


def consort_figure(
    flow: ConsortFlow, *, arms: Sequence[str], arm_labels: Mapping[str, str], caption: str
) -> Figure:
    """The CONSORT flow diagram of the trial.

    Parameters
    ----------
    flow
        The counts.
    arms
        Arm codes, experimental first.
    arm_labels
        Arm code → label.
    caption
        Caption under the figure.

    Returns
    -------
    Figure
    """
    excluded = []
    for reason, n in flow.excluded.items():
        excluded.append(f"• {reason[:1].upper()}{reason[1:]} (n={n})")
        if reason == "not meeting eligibility criteria":
            excluded.extend(f"     – {c}: {k}" for c, k in flow.failed_by_criterion.items())
    boxes: list[tuple[str, list[str]]] = [
        ("enrol", [f"Assessed for eligibility (n={flow.assessed})"]),
        ("excluded", [f"Excluded (n={flow.excluded_total})", *excluded]),
        ("random", [f"Randomized (n={flow.randomized})"]),
    ]
    per_arm: dict[str, dict[str, list[str]]] = {}
    for arm in arms:
        stopped = flow.discontinued[arm]
        per_arm[arm] = {
            "allocation": _box_lines(
                f"Allocated to {arm_labels.get(arm, arm)} (n={flow.allocated[arm]})",
                [
                    f"Received allocated intervention (n={flow.received[arm]})",
                    f"Did not receive allocated intervention (n={flow.not_received[arm]})",
                ],
                40,
            ),
            "follow": _box_lines(
                f"Discontinued intervention (n={sum(stopped.values())})",
                _reasons(stopped),
                40,
            )
            + _box_lines(
                "Follow-up ended at the data cut-off:",
                [
                    f"Died (n={flow.died[arm]})",
                    f"Withdrew consent or withdrawn (n={flow.withdrew[arm]})",
                    f"Lost to follow-up (n={flow.lost_to_follow_up[arm]})",
                    f"Still in follow-up (n={flow.in_follow_up[arm]})",
                ],
                40,
            ),
            "analysis": _box_lines(
                f"Analysed, intention to treat (n={flow.analysed[arm]})",
                [f"Excluded from analysis (n={flow.excluded_from_analysis[arm]})"],
                40,
            ),
        }
    return _draw(boxes, per_arm, arms, caption)


def _height(lines: Sequence[str]) -> float:
    return len(lines) * _LINE + 2 * _PAD


def _box(ax: Axes, x: float, top: float, width: float, lines: Sequence[str]) -> float:
    """Draw a box with its top edge at ``top``; returns its bottom."""
    height = _height(lines)
    ax.add_patch(
        FancyBboxPatch(
            (x, top - height),
            width,
            height,
            boxstyle="square,pad=0",
            fc="white",
            ec="0.2",
            lw=0.9,
        )
    )
    ax.text(
        x + _PAD,
        top - _PAD,
        "\n".join(lines),
        va="top",
        ha="left",
        fontsize=_FONT,
        linespacing=1.25,
    )
    return top - height


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate(
        "", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "lw": 0.9, "color": "0.2"}
    )


def _draw(
    boxes: list[tuple[str, list[str]]],
    per_arm: dict[str, dict[str, list[str]]],
    arms: Sequence[str],
    caption: str,
) -> Figure:
    gap = 0.32
    column = 3.35
    lefts = [0.45, 0.45 + column + 0.25] if len(arms) > 1 else [2.1]
    stage_heights = {
        stage: max(_height(per_arm[a][stage]) for a in arms)
        for stage in ("allocation", "follow", "analysis")
    }
    top_block = _height(boxes[1][1]) + _height(boxes[2][1]) + gap
    total = 0.15 + max(top_block, _height(boxes[0][1]) + gap + _height(boxes[1][1])) + gap
    total += sum(stage_heights.values()) + 3 * gap + 0.35
    figure = new_figure(_WIDTH, total)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, _WIDTH)
    ax.set_ylim(0, total)
    ax.axis("off")
    y = total - 0.15
    centre = _WIDTH / 2 - 0.9
    enrol = boxes[0][1]
    enrol_w = 2.6
    bottom = _box(ax, centre - enrol_w / 2, y, enrol_w, enrol)
    excluded = boxes[1][1]
    ex_top = bottom - 0.12
    ex_bottom = _box(ax, centre + 0.55, ex_top, _WIDTH - centre - 0.75, excluded)
    mid = (ex_top + ex_bottom) / 2
    _arrow(ax, (centre, mid), (centre + 0.55, mid))
    random_top = min(ex_bottom, bottom) - gap
    ax.plot([centre, centre], [bottom, random_top], color="0.2", lw=0.9)
    random_bottom = _box(ax, centre - enrol_w / 2, random_top, enrol_w, boxes[2][1])
    _band(ax, (y + random_bottom) / 2, "Enrollment")
    y = random_bottom - gap
    centres = [left + column / 2 for left in lefts]
    if len(arms) > 1:
        ax.plot([centres[0], centres[-1]], [y + gap / 2, y + gap / 2], color="0.2", lw=0.9)
        ax.plot([centre, centre], [random_bottom, y + gap / 2], color="0.2", lw=0.9)
    bottoms = dict.fromkeys(arms, y + gap / 2 if len(arms) > 1 else random_bottom)
    for stage, name in (
        ("allocation", "Allocation"),
        ("follow", "Follow-up"),
        ("analysis", "Analysis"),
    ):
        for left, c, arm in zip(lefts, centres, arms, strict=True):
            _arrow(ax, (c, bottoms[arm]), (c, y))
            bottoms[arm] = _box(ax, left, y, column, per_arm[arm][stage])
        _band(ax, y - stage_heights[stage] / 2, name)
        y -= stage_heights[stage] + gap
    return to_figure(figure, caption)


def _band(ax: Axes, y: float, label: str) -> None:
    ax.text(
        0.18,
        y,
        label,
        rotation=90,
        va="center",
        ha="center",
        fontsize=8,
        fontweight="bold",
        bbox={"boxstyle": "round,pad=0.3", "fc": _BAND, "ec": "none"},
    )
