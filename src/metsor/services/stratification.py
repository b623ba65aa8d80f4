"""The protocol's stratification factors as the randomization package uses them.

The factors and where each is read in the screening record are the protocol's
(:attr:`metsor.protocol.Protocol.stratification`); this module turns them into
:class:`metsor.randomization.StratificationFactor` and reads a subject's values from their
stored screening record. A stratum's levels are looked up among the strata the factors
define (:func:`metsor.randomization.all_strata`), never read back by splitting its label.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metsor.errors import ConflictError
from metsor.protocol import Protocol
from metsor.randomization import FactorLevel, StratificationFactor, all_strata, stratum_of

__all__ = ["factors_of", "strata_of", "stratum_levels", "stratum_of_record"]


def factors_of(protocol: Protocol) -> tuple[StratificationFactor, ...]:
    """The protocol's stratification factors, in its order.

    Raises
    ------
    ConflictError
        When the protocol states no stratification factor.
    """
    if not protocol.stratification:
        raise ConflictError(
            f"protocol {protocol.nct_id} states no stratification factor", field="stratification"
        )
    return tuple(
        StratificationFactor(
            name=factor.name,
            kind=factor.kind,
            levels=tuple(FactorLevel(level.label, level.values) for level in factor.levels),
            fields=factor.fields,
        )
        for factor in protocol.stratification
    )


def strata_of(protocol: Protocol) -> tuple[str, ...]:
    """The labels of every stratum of the protocol, the last factor varying fastest."""
    return tuple(stratum.label for stratum in all_strata(factors_of(protocol)))


def stratum_of_record(protocol: Protocol, record: Mapping[str, Any]) -> str:
    """The stratum of a subject from their screening record (InputError naming a field)."""
    values: dict[str, Any] = {}
    for factor in protocol.stratification:
        values.update(factor.values_in(record))
    return stratum_of(values, factors_of(protocol))


def stratum_levels(protocol: Protocol, stratum: str) -> dict[str, str]:
    """Each factor's level label in a stratum, by factor name.

    Raises
    ------
    ConflictError
        When the protocol's strata hold no such label.
    """
    by_label = {s.label: s.levels for s in all_strata(factors_of(protocol))}
    levels = by_label.get(stratum)
    if levels is None:
        raise ConflictError(
            f"stratum {stratum!r} is not a stratum of protocol {protocol.nct_id}", field="stratum"
        )
    return dict(levels)
