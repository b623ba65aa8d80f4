"""Table of baseline characteristics by arm, from ADSL.

Age as median (range); every other characteristic as counts with percentages of the arm,
unknown values counted as such: sex, aetiology (not captured by the casebook: shown as not
recorded), ECOG, Child-Pugh A5/A6, BCLC stage, macrovascular invasion, extrahepatic spread,
AFP ≥ 400 ng/mL and the randomization stratum.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from metsor.report.document import Table
from metsor.report.formatting import count_percent

__all__ = ["AFP_CUTOFF_NG_ML", "afp_class", "baseline_table", "child_pugh_class", "ecog_class"]

#: AFP at or above which a subject is counted as "AFP ≥ 400 ng/mL".
AFP_CUTOFF_NG_ML = 400.0

Row = Mapping[str, Any]
_UNKNOWN = "Not recorded"


def ecog_class(row: Row) -> str | None:
    """ECOG as ``0`` or ``1–2``."""
    value = row.get("ECOG")
    if value in (None, ""):
        return None
    return "0" if int(value) == 0 else "1–2"


def child_pugh_class(row: Row) -> str | None:
    """Child-Pugh ``A5``, ``A6`` or ``B/C (≥ 7)`` from the points."""
    value = row.get("CHILDPGH")
    if value in (None, ""):
        return None
    points = int(value)
    return f"A{points}" if points in (5, 6) else "B/C (≥ 7)"


def afp_class(row: Row) -> str | None:
    """``≥ 400`` or ``< 400`` ng/mL."""
    value = row.get("AFP")
    if value in (None, ""):
        return None
    return "≥ 400" if float(value) >= AFP_CUTOFF_NG_ML else "< 400"


def _yes_no(column: str) -> Callable[[Row], str | None]:
    def read(row: Row) -> str | None:
        value = row.get(column)
        return {"Y": "Yes", "N": "No"}.get(str(value)) if value not in (None, "") else None

    return read


def _plain(column: str) -> Callable[[Row], str | None]:
    def read(row: Row) -> str | None:
        value = row.get(column)
        return None if value in (None, "") else str(value).capitalize()

    return read


def _aetiology(row: Row) -> str | None:
    return None


_CATEGORICAL: tuple[tuple[str, Callable[[Row], str | None]], ...] = (
    ("Sex", _plain("SEX")),
    ("Aetiology", _aetiology),
    ("ECOG performance status", ecog_class),
    ("Child-Pugh class", child_pugh_class),
    ("BCLC stage", _plain("BCLC")),
    ("Macrovascular invasion", _yes_no("MVI")),
    ("Extrahepatic spread", _yes_no("EHS")),
    ("AFP, ng/mL", afp_class),
    ("Randomization stratum", lambda row: row.get("STRATUM") or None),
)


def baseline_table(
    adsl: Sequence[Row], arms: Sequence[str], arm_labels: Mapping[str, str]
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
    groups = [[r for r in adsl if r["ARMCD"] == arm] for arm in arms] + [list(adsl)]
    header = (
        "Characteristic",
        *(f"{arm_labels.get(a, a)} (N={len(g)})" for a, g in zip(arms, groups, strict=False)),
        f"Total (N={len(adsl)})",
    )
    rows: list[tuple[str, ...]] = [("Age, years: median (range)", *map(_age, groups))]
    heads = set()
    for title, read in _CATEGORICAL:
        heads.add(len(rows))
        rows.append((title, *("" for _ in groups)))
        values = [[read(r) for r in g] for g in groups]
        levels = sorted({v for v in values[-1] if v is not None})
        if any(v is None for v in values[-1]):
            levels.append(_UNKNOWN)
        for level in levels:
            rows.append(
                (
                    f"    {level}",
                    *(
                        count_percent(
                            sum(1 for v in vs if (v if v is not None else _UNKNOWN) == level),
                            len(vs),
                        )
                        for vs in values
                    ),
                )
            )
    return Table(
        caption="Baseline characteristics (intention-to-treat population)",
        header=header,
        rows=tuple(rows),
        notes=(
            "Counts with the percentage of the column's subjects. Aetiology is not captured by "
            "the casebook's screening record, and AFP only when a baseline AFP value was "
            "recorded: those subjects are counted as not recorded.",
        ),
        group_rows=frozenset(heads),
    )


def _age(rows: Sequence[Row]) -> str:
    ages = [int(r["AGE"]) for r in rows if r.get("AGE") not in (None, "")]
    if not ages:
        return "–"
    return f"{statistics.median(ages):g} ({min(ages)}–{max(ages)})"
