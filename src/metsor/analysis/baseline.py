"""Baseline characteristics by arm and in total, from ADSL, as frozen results.

The study report's baseline table, the registry's ``baselineCharacteristicsModule`` and the
subgroups of the forest plot classify subjects by the same rules, written once here:

| characteristic | ADSL | levels |
|---|---|---|
| age | ``AGE`` | median, minimum, maximum (years) |
| sex | ``SEX`` (``F``/``M`` or ``female``/``male``) | ``Female``, ``Male`` |
| aetiology | ``AETIOL`` | as recorded (HBV, HCV, alcohol …) |
| ECOG performance status | ``ECOG`` | ``0``, ``1–2`` |
| Child-Pugh class | ``CHILDPGH`` (points) | ``A5``, ``A6``, ``B/C (≥ 7)`` |
| BCLC stage | ``BCLC`` | as recorded |
| macrovascular invasion, extrahepatic spread | ``MVI``, ``EHS`` | ``Yes``, ``No`` |
| alpha-fetoprotein | ``AFP`` (ng/mL) | ``≥ 400``, ``< 400`` (:data:`AFP_CUTOFF_NG_ML`) |
| randomization stratum | ``STRATUM`` | as randomized |

A value that is not recorded is counted as such (level ``None``), never as a normal value.

References
----------
AFP ≥ 400 ng/mL: the prognostic cut-off of advanced HCC trials (Zhu AX et al. Ramucirumab
after sorafenib in patients with advanced hepatocellular carcinoma and increased
alpha-fetoprotein concentrations (REACH-2). Lancet Oncol 2019;20:282–296; a stratification
factor of REFLECT, Kudo M et al. Lancet 2018;391:1163–1173). Child-Pugh points 5–6 = class A,
≥ 7 = B or C (Pugh RN et al. Br J Surg 1973;60:646–649).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AFP_CUTOFF_NG_ML",
    "CHARACTERISTICS",
    "SUBGROUP_FACTORS",
    "AgeSummary",
    "BaselineSummary",
    "Characteristic",
    "CharacteristicCounts",
    "afp_class",
    "child_pugh_class",
    "ecog_class",
    "sex",
    "summarise_baseline",
]

Row = Mapping[str, Any]
Classify = Callable[[Row], "str | None"]

#: AFP at or above which a subject is counted as "AFP ≥ 400 ng/mL" (see References).
AFP_CUTOFF_NG_ML = 400.0


def _known(row: Row, column: str) -> Any:
    value = row.get(column)
    return None if value in (None, "") else value


def ecog_class(row: Row) -> str | None:
    """ECOG as ``0`` or ``1–2``."""
    value = _known(row, "ECOG")
    return None if value is None else ("0" if int(value) == 0 else "1–2")


def child_pugh_class(row: Row) -> str | None:
    """Child-Pugh ``A5``, ``A6`` or ``B/C (≥ 7)`` from the points."""
    value = _known(row, "CHILDPGH")
    if value is None:
        return None
    points = int(value)
    return f"A{points}" if points in (5, 6) else "B/C (≥ 7)"


def afp_class(row: Row) -> str | None:
    """``≥ 400`` or ``< 400`` ng/mL."""
    value = _known(row, "AFP")
    return None if value is None else ("≥ 400" if float(value) >= AFP_CUTOFF_NG_ML else "< 400")


def sex(row: Row) -> str | None:
    """``Female`` or ``Male`` from ADaM's ``F``/``M`` or the casebook's ``female``/``male``."""
    value = _known(row, "SEX")
    if value is None:
        return None
    return {"f": "Female", "female": "Female", "m": "Male", "male": "Male"}.get(
        str(value).lower(), str(value)
    )


def _yes_no(column: str) -> Classify:
    def read(row: Row) -> str | None:
        return {"Y": "Yes", "N": "No"}.get(str(_known(row, column)))

    return read


def _as_recorded(column: str) -> Classify:
    def read(row: Row) -> str | None:
        value = _known(row, column)
        return None if value is None else str(value)

    return read


@dataclass(frozen=True)
class Characteristic:
    """A categorical baseline characteristic: its ADSL column, title and classification."""

    column: str
    title: str
    classify: Classify


CHARACTERISTICS: tuple[Characteristic, ...] = (
    Characteristic("SEX", "Sex", sex),
    Characteristic("AETIOL", "Aetiology", _as_recorded("AETIOL")),
    Characteristic("ECOG", "ECOG performance status", ecog_class),
    Characteristic("CHILDPGH", "Child-Pugh class", child_pugh_class),
    Characteristic("BCLC", "BCLC stage", _as_recorded("BCLC")),
    Characteristic("MVI", "Macrovascular invasion", _yes_no("MVI")),
    Characteristic("EHS", "Extrahepatic spread", _yes_no("EHS")),
    Characteristic("AFP", "AFP, ng/mL", afp_class),
    Characteristic("STRATUM", "Randomization stratum", _as_recorded("STRATUM")),
)
"""The categorical characteristics, in the order they are shown."""

SUBGROUP_FACTORS: tuple[tuple[str, str, Classify], ...] = (
    ("ECOG", "ECOG performance status", ecog_class),
    ("MVI", "Macrovascular invasion", _yes_no("MVI")),
    ("EHS", "Extrahepatic spread", _yes_no("EHS")),
    ("AETIOLOGY", "Aetiology", _as_recorded("AETIOL")),
    ("AFP400", "AFP ≥ 400 ng/mL", afp_class),
    ("CHILDPGH", "Child-Pugh A5/A6", child_pugh_class),
)
"""The subgroups of the hazard ratio of death: (code, label, classification of an ADSL row)."""


@dataclass(frozen=True)
class AgeSummary:
    """Age in one group: subjects with an age, median, minimum and maximum (None if none)."""

    n: int
    median: float | None
    minimum: int | None
    maximum: int | None


@dataclass(frozen=True)
class CharacteristicCounts:
    """One characteristic's counts: ``counts[i][j]`` subjects of level ``levels[i]`` in group
    ``j``; the level ``None`` (not recorded) comes last when present."""

    column: str
    title: str
    levels: tuple[str | None, ...]
    counts: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class BaselineSummary:
    """Baseline characteristics per group: each arm in order, then the total (``None``)."""

    groups: tuple[str | None, ...]
    sizes: tuple[int, ...]
    age: tuple[AgeSummary, ...]
    characteristics: tuple[CharacteristicCounts, ...]

    def of(self, column: str) -> CharacteristicCounts:
        """The counts of the characteristic read from ADSL column ``column``."""
        return next(c for c in self.characteristics if c.column == column)


def _age(rows: Sequence[Row]) -> AgeSummary:
    ages = [int(r["AGE"]) for r in rows if _known(r, "AGE") is not None]
    if not ages:
        return AgeSummary(0, None, None, None)
    return AgeSummary(len(ages), float(statistics.median(ages)), min(ages), max(ages))


def summarise_baseline(adsl: Sequence[Row], arms: Sequence[str]) -> BaselineSummary:
    """Summarise ADSL by arm and in total.

    Parameters
    ----------
    adsl
        ADSL rows (``ARMCD`` and the columns of :data:`CHARACTERISTICS`).
    arms
        The arm codes, in the order of the groups.

    Returns
    -------
    BaselineSummary
    """
    groups: tuple[str | None, ...] = (*arms, None)
    members = [[r for r in adsl if r.get("ARMCD") == arm] for arm in arms] + [list(adsl)]
    characteristics = []
    for characteristic in CHARACTERISTICS:
        values = [[characteristic.classify(r) for r in rows] for rows in members]
        known = sorted({v for v in values[-1] if v is not None})
        levels: tuple[str | None, ...] = (
            (*known, None) if any(v is None for v in values[-1]) else tuple(known)
        )
        counts = tuple(tuple(sum(1 for v in vs if v == level) for vs in values) for level in levels)
        characteristics.append(
            CharacteristicCounts(characteristic.column, characteristic.title, levels, counts)
        )
    return BaselineSummary(
        groups=groups,
        sizes=tuple(len(rows) for rows in members),
        age=tuple(_age(rows) for rows in members),
        characteristics=tuple(characteristics),
    )
