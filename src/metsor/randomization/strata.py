"""Stratification factors and the strata they define.

A stratification factor maps a subject's baseline value (or values) to one of a few levels;
a stratum is one level of every factor, labelled by joining the level labels with ``-`` in
factor order (``"ecog0-mvi_ehs_no"``). The labels are stable: they are stored with every
allocation and name the allocation list a subject is randomized from.

The factors of a trial are its protocol's (:attr:`metsor.protocol.Protocol.stratification`);
nothing here knows any trial's.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from metsor.errors import InputError

__all__ = [
    "FactorLevel",
    "StratificationFactor",
    "Stratum",
    "all_strata",
    "factors_from_settings",
    "stratum_labels",
    "stratum_of",
]

FactorValue = int | bool | str
FactorKind = Literal["int", "bool", "str"]

_TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1"})
_FALSE_WORDS = frozenset({"no", "n", "false", "f", "0"})


@dataclass(frozen=True)
class FactorLevel:
    """One level of a stratification factor.

    Attributes
    ----------
    label
        Stable label of the level, used in stratum labels (letters, digits and ``_``).
    values
        The (normalised) baseline values that fall into this level.
    """

    label: str
    values: tuple[FactorValue, ...]


@dataclass(frozen=True)
class StratificationFactor:
    """A stratification factor: how baseline values map to levels.

    Attributes
    ----------
    name
        Name of the factor. A baseline mapping that holds this key gives the value directly.
    kind
        ``"int"``, ``"bool"`` or ``"str"``: how a baseline value is normalised before it is
        looked up among the levels.
    levels
        The levels, in the order in which strata are listed.
    fields
        The baseline keys the value is derived from when ``name`` itself is absent. With more
        than one field (``kind == "bool"`` only) the value is true when any field is true, so
        ``("macrovascular_invasion", "extrahepatic_spread")`` gives "either present".
    """

    name: str
    kind: FactorKind
    levels: tuple[FactorLevel, ...]
    fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_label(self.name, "factor name")
        if self.kind not in ("int", "bool", "str"):
            raise InputError(
                f"factor {self.name!r}: kind must be 'int', 'bool' or 'str', got {self.kind!r}",
                field="kind",
            )
        if len(self.levels) < 2:
            raise InputError(f"factor {self.name!r} needs at least two levels", field="levels")
        if len(self.fields) > 1 and self.kind != "bool":
            raise InputError(
                f"factor {self.name!r}: several fields can only be combined for kind 'bool'",
                field="fields",
            )
        seen_labels: set[str] = set()
        seen_values: set[FactorValue] = set()
        for level in self.levels:
            _check_label(level.label, f"level label of factor {self.name!r}")
            if level.label in seen_labels:
                raise InputError(
                    f"factor {self.name!r}: level label {level.label!r} is repeated",
                    field="levels",
                )
            seen_labels.add(level.label)
            for raw in level.values:
                value = _normalise(raw, self.kind, self.name)
                if value in seen_values:
                    raise InputError(
                        f"factor {self.name!r}: value {raw!r} falls in more than one level",
                        field="levels",
                    )
                seen_values.add(value)

    @property
    def source_fields(self) -> tuple[str, ...]:
        """The baseline keys the value is derived from (``(name,)`` when none are given)."""
        return self.fields or (self.name,)

    def level_of(self, factors: Mapping[str, Any]) -> str:
        """Return the label of the level a subject's baseline values fall into.

        Parameters
        ----------
        factors
            Baseline values by key.

        Returns
        -------
        str
            The level label.

        Raises
        ------
        InputError
            If the value is missing, cannot be normalised, or falls in no level.
        """
        value = self._value(factors)
        for level in self.levels:
            if any(_normalise(v, self.kind, self.name) == value for v in level.values):
                return level.label
        allowed = ", ".join(repr(v) for level in self.levels for v in level.values)
        raise InputError(
            f"stratification factor {self.name!r}: value {value!r} is in no level "
            f"(allowed: {allowed})",
            field=self.name,
        )

    def _value(self, factors: Mapping[str, Any]) -> FactorValue:
        if self.name in factors and factors[self.name] is not None:
            return _normalise(factors[self.name], self.kind, self.name)
        missing = [f for f in self.source_fields if factors.get(f) is None]
        if missing:
            raise InputError(
                f"stratification factor {self.name!r} is missing: no value for "
                + ", ".join(repr(m) for m in missing),
                field=missing[0],
            )
        values = [_normalise(factors[f], self.kind, f) for f in self.source_fields]
        if len(values) == 1:
            return values[0]
        return any(bool(v) for v in values)


@dataclass(frozen=True)
class Stratum:
    """One stratum: a level of every factor.

    Attributes
    ----------
    label
        The stable label, level labels joined with ``-`` in factor order.
    levels
        ``(factor name, level label)`` pairs in factor order.
    """

    label: str
    levels: tuple[tuple[str, str], ...]


def all_strata(factor_specs: Sequence[StratificationFactor]) -> tuple[Stratum, ...]:
    """List every stratum the factors define, the last factor varying fastest.

    Parameters
    ----------
    factor_specs
        The stratification factors.

    Returns
    -------
    tuple of Stratum
        All combinations of levels.
    """
    _check_specs(factor_specs)
    combos = itertools.product(*(factor.levels for factor in factor_specs))
    return tuple(
        Stratum(
            label="-".join(level.label for level in combo),
            levels=tuple(
                (factor.name, level.label)
                for factor, level in zip(factor_specs, combo, strict=True)
            ),
        )
        for combo in combos
    )


def stratum_labels(factor_specs: Sequence[StratificationFactor]) -> tuple[str, ...]:
    """Return the labels of all strata the factors define, the last factor varying fastest."""
    return tuple(stratum.label for stratum in all_strata(factor_specs))


def stratum_of(
    factors: Mapping[str, Any],
    factor_specs: Sequence[StratificationFactor],
) -> str:
    """Return the label of the stratum a subject belongs to.

    Parameters
    ----------
    factors
        The subject's baseline values, e.g. ``{"ecog": 1, "macrovascular_invasion": True,
        "extrahepatic_spread": False}`` or ``{"ecog": 0, "mvi_ehs": "no"}``.
    factor_specs
        The stratification factors.

    Returns
    -------
    str
        The stratum label, e.g. ``"ecog1_2-mvi_ehs_yes"``.

    Raises
    ------
    InputError
        Naming the missing or unusable factor.
    """
    _check_specs(factor_specs)
    return "-".join(factor.level_of(factors) for factor in factor_specs)


def factors_from_settings(
    settings: Sequence[Mapping[str, Any]],
) -> tuple[StratificationFactor, ...]:
    """Build stratification factors from protocol settings.

    Parameters
    ----------
    settings
        One mapping per factor: ``{"name": "ecog", "kind": "int", "levels": {"ecog0": [0],
        "ecog1_2": [1, 2]}}``, with an optional ``"fields"`` list.

    Returns
    -------
    tuple of StratificationFactor
        The factors in the order given.

    Raises
    ------
    InputError
        Naming the factor (by position) and the key that is missing or wrong.
    """
    factors = []
    for index, spec in enumerate(settings, start=1):
        where = f"stratification factor {index}"
        for key in ("name", "kind", "levels"):
            if key not in spec:
                raise InputError(f"{where}: {key!r} is missing", field=key, row=index)
        levels = spec["levels"]
        if not isinstance(levels, Mapping):
            raise InputError(
                f"{where}: 'levels' must map a level label to its values", field="levels", row=index
            )
        fields = spec.get("fields", ())
        if isinstance(fields, str) or not isinstance(fields, Sequence):
            raise InputError(f"{where}: 'fields' must be a list", field="fields", row=index)
        factors.append(
            StratificationFactor(
                name=str(spec["name"]),
                kind=spec["kind"],
                levels=tuple(
                    FactorLevel(str(label), tuple(_as_sequence(values, where)))
                    for label, values in levels.items()
                ),
                fields=tuple(str(f) for f in fields),
            )
        )
    _check_specs(factors)
    return tuple(factors)


def _as_sequence(values: Any, where: str) -> Sequence[FactorValue]:
    if isinstance(values, str | int | bool):
        return (values,)
    if isinstance(values, Sequence):
        return tuple(values)
    raise InputError(f"{where}: level values must be a list, got {values!r}", field="levels")


def _check_specs(factor_specs: Sequence[StratificationFactor]) -> None:
    if not factor_specs:
        raise InputError("at least one stratification factor is needed", field="factor_specs")
    names = [factor.name for factor in factor_specs]
    if len(set(names)) != len(names):
        raise InputError(f"stratification factors repeat a name: {names}", field="factor_specs")


def _check_label(label: str, what: str) -> None:
    if not isinstance(label, str) or not label or not label.replace("_", "").isalnum():
        raise InputError(f"{what} must be letters, digits and '_', got {label!r}", field="label")


def _normalise(value: Any, kind: FactorKind, field: str) -> FactorValue:
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE_WORDS | _FALSE_WORDS:
            return value.strip().lower() in _TRUE_WORDS
        raise InputError(f"{field} must be yes or no, got {value!r}", field=field)
    if kind == "int":
        if isinstance(value, bool):
            raise InputError(f"{field} must be a whole number, got {value!r}", field=field)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdecimal():
            return int(value.strip())
        raise InputError(f"{field} must be a whole number, got {value!r}", field=field)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise InputError(f"{field} must be a non-empty text, got {value!r}", field=field)
