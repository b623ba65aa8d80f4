"""Balance of allocations by arm: overall, per stratum, per site, per site and stratum.

Feeds ``metsor randomization report``. The imbalance of a group is the spread of the arm
counts after dividing each by its share of the allocation ratio: for 1:1 it is the difference
in numbers of subjects, for 2:1 with counts 8 and 4 it is 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from metsor.errors import InputError

__all__ = ["BalanceGroup", "BalanceRow", "BalanceSummary", "balance_summary"]

BalanceGroup = Literal["overall", "stratum", "site", "site_stratum"]


@dataclass(frozen=True)
class BalanceRow:
    """Arm counts of one group of subjects.

    Attributes
    ----------
    group
        ``"overall"``, ``"stratum"``, ``"site"`` or ``"site_stratum"``.
    level
        The stratum label, site code, ``"site / stratum"`` or ``"all"``.
    counts
        Subjects per arm, in arm order.
    total
        All subjects of the group.
    imbalance
        Ratio-adjusted range of the counts (max − min of count / ratio share).
    """

    group: BalanceGroup
    level: str
    counts: Mapping[str, int]
    total: int
    imbalance: float

    def as_dict(self) -> dict[str, object]:
        """Return the row as a flat mapping: group, level, one column per arm, total, imbalance."""
        return {
            "group": self.group,
            "level": self.level,
            **dict(self.counts),
            "total": self.total,
            "imbalance": self.imbalance,
        }


@dataclass(frozen=True)
class BalanceSummary:
    """Balance of allocations, overall and by stratum, site, and site within stratum.

    Attributes
    ----------
    arms
        Arm codes, in column order.
    overall
        All subjects.
    by_stratum, by_site, by_site_stratum
        One row per group present, sorted by label.
    """

    arms: tuple[str, ...]
    overall: BalanceRow
    by_stratum: tuple[BalanceRow, ...]
    by_site: tuple[BalanceRow, ...]
    by_site_stratum: tuple[BalanceRow, ...]

    @property
    def rows(self) -> tuple[BalanceRow, ...]:
        """Every row: overall, then strata, sites, and sites within strata."""
        return (self.overall, *self.by_stratum, *self.by_site, *self.by_site_stratum)

    @property
    def max_stratum_imbalance(self) -> float:
        """Largest imbalance within a stratum (0 when there are no subjects)."""
        return max((row.imbalance for row in self.by_stratum), default=0.0)


def balance_summary(
    allocations: Sequence[tuple[str, str, str]],
    *,
    arms: Sequence[str],
    ratio: Sequence[float] | None = None,
) -> BalanceSummary:
    """Summarise allocations by arm, stratum and site.

    Parameters
    ----------
    allocations
        One ``(arm, stratum, site)`` per randomized subject.
    arms
        The arm codes (an arm with no subject still gets a column).
    ratio
        Target ratio, one positive number per arm (default equal).

    Returns
    -------
    BalanceSummary
        Counts and imbalance per group.

    Raises
    ------
    InputError
        Naming the row (1-based) with an unknown arm or an empty stratum or site.
    """
    arms_t = tuple(arms)
    if len(arms_t) < 2 or len(set(arms_t)) != len(arms_t):
        raise InputError(
            f"arms must be at least two distinct codes, got {list(arms_t)}", field="arms"
        )
    shares = tuple(float(r) for r in ratio) if ratio is not None else (1.0,) * len(arms_t)
    if len(shares) != len(arms_t) or any(not s > 0 for s in shares):
        raise InputError(
            f"ratio must hold one positive number per arm, got {list(shares)}", field="ratio"
        )
    groups: dict[tuple[BalanceGroup, str], dict[str, int]] = {}
    overall = dict.fromkeys(arms_t, 0)
    for row, (arm, stratum, site) in enumerate(allocations, start=1):
        if arm not in overall:
            raise InputError(f"arm {arm!r} is not one of {list(arms_t)}", field="arm", row=row)
        for name, value in (("stratum", stratum), ("site", site)):
            if not isinstance(value, str) or not value:
                raise InputError(
                    f"{name} must be a non-empty text, got {value!r}", field=name, row=row
                )
        overall[arm] += 1
        keys: tuple[tuple[BalanceGroup, str], ...] = (
            ("stratum", stratum),
            ("site", site),
            ("site_stratum", f"{site} / {stratum}"),
        )
        for key in keys:
            groups.setdefault(key, dict.fromkeys(arms_t, 0))[arm] += 1

    def rows_of(group: BalanceGroup) -> tuple[BalanceRow, ...]:
        return tuple(
            _row(group, level, counts, shares)
            for (kind, level), counts in sorted(groups.items())
            if kind == group
        )

    return BalanceSummary(
        arms=arms_t,
        overall=_row("overall", "all", overall, shares),
        by_stratum=rows_of("stratum"),
        by_site=rows_of("site"),
        by_site_stratum=rows_of("site_stratum"),
    )


def _row(
    group: BalanceGroup, level: str, counts: dict[str, int], shares: tuple[float, ...]
) -> BalanceRow:
    adjusted = [count / share for count, share in zip(counts.values(), shares, strict=True)]
    return BalanceRow(
        group=group,
        level=level,
        counts=MappingProxyType(dict(counts)),
        total=sum(counts.values()),
        imbalance=max(adjusted) - min(adjusted),
    )
