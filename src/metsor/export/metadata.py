"""What an exported dataset is: its variables (name, label, type, origin, codelist) and rows.

The metadata travel with the rows, so that the checks (:mod:`~metsor.export.checks`), the CSV
and SAS transport files and ``define.xml`` (:mod:`~metsor.export.define_xml`) all describe the
one dataset the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any, Literal

__all__ = [
    "DataKind",
    "Dataset",
    "DatasetSpec",
    "Origin",
    "V",
    "Variable",
    "text_length",
]

DataKind = Literal["text", "integer", "float", "date"]
"""The type of a variable's values: text, integer, float, or a calendar date."""

Origin = Literal["Collected", "Derived", "Assigned", "Protocol", "Predecessor"]
"""Where a variable's values come from (Define-XML 2.1 ``def:Origin`` types)."""


@dataclass(frozen=True)
class Variable:
    """One variable of a dataset.

    Attributes
    ----------
    name, label
        The variable's name (≤ 8 characters) and label (≤ 40).
    kind
        Its values' type. In SDTM, dates are ISO 8601 text (``--DTC``, kind ``text``); in ADaM
        numeric SAS dates (``*DT``, kind ``date``).
    origin
        Define-XML origin type.
    codelist
        The values allowed (empty: any).
    method
        How a derived value is computed (Define-XML ``MethodDef``), or None.
    """

    name: str
    label: str
    kind: DataKind = "text"
    origin: Origin = "Derived"
    codelist: tuple[str, ...] = ()
    method: str | None = None


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset's definition.

    Attributes
    ----------
    name, label
        Dataset name (``DM``, ``ADSL``; the file name, lower case) and label (≤ 40).
    purpose
        ``Tabulation`` (SDTM) or ``Analysis`` (ADaM).
    cls
        The SDTM or ADaM class (``EVENTS``, ``BASIC DATA STRUCTURE`` …).
    structure
        What one row is (``One record per subject``).
    keys
        The key variables, in order.
    variables
        Every variable, in column order.
    """

    name: str
    label: str
    purpose: Literal["Tabulation", "Analysis"]
    cls: str
    structure: str
    keys: tuple[str, ...]
    variables: tuple[Variable, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """The variable names, in order."""
        return tuple(variable.name for variable in self.variables)

    def variable(self, name: str) -> Variable:
        """The variable called ``name`` (KeyError if there is none)."""
        for variable in self.variables:
            if variable.name == name:
                return variable
        raise KeyError(name)


@dataclass(frozen=True)
class Dataset:
    """A dataset's definition and its rows (each a mapping of every variable to its value)."""

    spec: DatasetSpec
    rows: tuple[Mapping[str, Any], ...]

    @classmethod
    def of(
        cls, spec: DatasetSpec, rows: Sequence[Mapping[str, Any]], *, sequence: str | None = None
    ) -> Dataset:
        """Rows in the spec's column order, a missing variable None.

        With ``sequence`` (``AESEQ``), that variable numbers each subject's rows from 1 in
        the order given.
        """
        counters: dict[Any, int] = {}
        built = []
        for row in rows:
            values = {name: row.get(name) for name in spec.columns}
            if sequence is not None:
                key = values.get("USUBJID")
                counters[key] = counters.get(key, 0) + 1
                values[sequence] = counters[key]
            built.append(MappingProxyType(values))
        return cls(spec, tuple(built))

    @property
    def name(self) -> str:
        """The dataset name."""
        return self.spec.name

    def column(self, name: str) -> list[Any]:
        """The values of one variable, row by row."""
        return [row.get(name) for row in self.rows]


def text_length(values: Sequence[Any]) -> int:
    """Length in bytes of the longest text value (at least 1), as a transport file stores it."""
    longest = 1
    for value in values:
        if value is not None and not isinstance(value, date):
            longest = max(longest, len(str(value).encode("utf-8")))
    return longest


def V(  # noqa: N802  (a short constructor, read as a table of variables)
    name: str,
    label: str,
    kind: DataKind = "text",
    origin: Origin = "Collected",
    codelist: tuple[str, ...] = (),
    method: str | None = None,
) -> Variable:
    """A :class:`Variable`, collected unless said otherwise."""
    return Variable(name, label, kind, origin, codelist, method)
