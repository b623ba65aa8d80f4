"""Table of baseline characteristics by arm and in total, from ADSL.

The counts are :func:`metsor.analysis.baseline.summarise_baseline`'s (the classification of
each characteristic is written there, once, for the report, the registry results section and
the subgroups); this module lays them out: age as median (range), every other characteristic
as counts with percentages of the column, unknown values counted as not recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from metsor.analysis.baseline import AgeSummary, summarise_baseline
from metsor.report.document import Table
from metsor.report.formatting import count_percent

__all__ = ["baseline_table"]

_UNKNOWN = "Not recorded"


def baseline_table(
    adsl: Sequence[Mapping[str, Any]], arms: Sequence[str], arm_labels: Mapping[str, str]
) -> Table:
    """Baseline characteristics by arm and in total.

    Parameters
    ----------
    adsl
        ADSL rows.
    arms
        Arm codes in column order.
    arm_labels
        Arm code → label.

    Returns
    -------
    Table
    """
    summary = summarise_baseline(adsl, arms)
    header = (
        "Characteristic",
        *(f"{arm_labels.get(a, a)} (N={n})" for a, n in zip(arms, summary.sizes, strict=False)),
        f"Total (N={summary.sizes[-1]})",
    )
    rows: list[tuple[str, ...]] = [("Age, years: median (range)", *map(_age, summary.age))]
    heads = set()
    for characteristic in summary.characteristics:
        heads.add(len(rows))
        rows.append((characteristic.title, *("" for _ in summary.groups)))
        for level, counts in zip(characteristic.levels, characteristic.counts, strict=True):
            rows.append(
                (
                    f"    {_UNKNOWN if level is None else level}",
                    *(count_percent(k, n) for k, n in zip(counts, summary.sizes, strict=True)),
                )
            )
    return Table(
        caption="Baseline characteristics (intention-to-treat population)",
        header=header,
        rows=tuple(rows),
        notes=(
            "Counts with the percentage of the column's subjects. Aetiology is recorded at "
            "screening (history.aetiology), and AFP only when a baseline AFP value was "
            "recorded: subjects without them are counted as not recorded.",
        ),
        group_rows=frozenset(heads),
    )


def _age(age: AgeSummary) -> str:
    if age.median is None:
        return "–"
    return f"{age.median:g} ({age.minimum}–{age.maximum})"
