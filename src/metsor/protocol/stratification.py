"""The protocol's stratification factors and how each is read from the screening record.

A factor names the fields of the screening record it is read from, as dotted paths
(``tumour.macrovascular_invasion``), the kind of value (``int``, ``bool``, ``str``) and its
levels, each with a stable label and the values that fall into it. With several ``bool``
fields the factor is true when any of them is (macroscopic vascular invasion *or* extrahepatic
spread). A stratum is one level of every factor, labelled by the level labels joined with
``-`` in factor order; the randomization package builds the strata from these
(:func:`metsor.randomization.all_strata`), so a stratum's levels are looked up by its label,
never read back by splitting it.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = ["FactorLevel", "StratificationFactor", "read_field", "stratum_levels"]

Label = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]+$")]
FieldPath = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FactorLevel(_Frozen):
    """One level of a factor: its label and the values of the record that fall into it."""

    label: Label
    values: tuple[int | bool | str, ...] = Field(min_length=1)


class StratificationFactor(_Frozen):
    """A stratification factor of the protocol.

    Attributes
    ----------
    name
        The factor's name (``ecog``).
    kind
        ``int``, ``bool`` or ``str``: how the record's value is read.
    fields
        Dotted paths of the screening record the value comes from.
    levels
        The levels in the order strata are listed.
    description
        What the factor is, in words.
    source
        Where the factor is defined (the registry, the publication).
    """

    name: Label
    kind: Literal["int", "bool", "str"]
    fields: tuple[FieldPath, ...] = Field(min_length=1)
    levels: tuple[FactorLevel, ...] = Field(min_length=2)
    description: Annotated[str, StringConstraints(min_length=1)]
    source: Annotated[str, StringConstraints(min_length=1)]

    def values_in(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The values of this factor's fields in a screening record, by field path."""
        return {path: read_field(record, path) for path in self.fields}

    def level_values(self) -> dict[str, tuple[int | bool | str, ...]]:
        """Each level's label mapped to its values."""
        return {level.label: level.values for level in self.levels}


def read_field(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of a (nested) record, or None where the path ends early."""
    value: Any = record
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def stratum_levels(factors: Sequence[StratificationFactor], stratum: str) -> tuple[str, ...] | None:
    """The level label of each factor in a stratum, in factor order.

    The stratum is looked up among the strata the factors define (every combination of one
    level per factor, labels joined with ``-``), never split.

    Parameters
    ----------
    factors
        The protocol's stratification factors, in its order.
    stratum
        A stratum label (``"ecog0-mvi_ehs_yes"``).

    Returns
    -------
    tuple of str or None
        The levels' labels, or None when the factors define no such stratum.
    """
    for combo in itertools.product(*(factor.levels for factor in factors)):
        if "-".join(level.label for level in combo) == stratum:
            return tuple(level.label for level in combo)
    return None
