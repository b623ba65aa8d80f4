"""The rules of SAS transport version 5, checked before anything is written.

The XPT writers do not all check them (pyreadstat refuses a long name but cuts a long label
silently, and checks neither the 200-byte nor the ASCII rule), so every dataset passes here
first, and a breach names the dataset, variable and row:

1. A dataset or variable name is 1–8 characters: letters, digits and underscores, a letter
   first (upper case, as CDISC names are).
2. A dataset or variable label is at most 40 characters of printable ASCII.
3. Every row holds exactly the dataset's variables.
4. A value has its variable's type (text, integer, float, date); a float is finite.
5. A text value is at most 200 bytes of printable ASCII.
6. A value of a variable with a codelist is one of the codelist's values.
7. A dataset's file is named after it (``dm.xpt`` holds ``DM``): :func:`check_file_name`.

References
----------
SAS Institute, TS-140: The record layout of a data set in SAS transport (XPORT) format (version
5). FDA Study Data Technical Conformance Guide (2023), section 3.3 (SAS transport v5; names,
labels, lengths; ASCII).
"""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path
from typing import Any

from metsor.errors import InputError
from metsor.export.metadata import Dataset, DatasetSpec, Variable

__all__ = [
    "MAX_LABEL",
    "MAX_NAME",
    "MAX_TEXT_BYTES",
    "check_dataset",
    "check_file_name",
    "check_spec",
]

MAX_NAME = 8
MAX_LABEL = 40
MAX_TEXT_BYTES = 200

_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_PRINTABLE_ASCII = re.compile(r"^[\x20-\x7e]*$")


def check_spec(spec: DatasetSpec) -> None:
    """Check a dataset's name, label and variables' names and labels (rules 1 and 2).

    Raises
    ------
    InputError
        Naming the dataset or variable at fault.
    """
    _check_name(spec.name, f"dataset name {spec.name!r}", spec.name)
    _check_label(spec.label, f"the label of dataset {spec.name}", spec.name)
    seen: set[str] = set()
    for variable in spec.variables:
        where = f"dataset {spec.name}: variable name {variable.name!r}"
        _check_name(variable.name, where, variable.name)
        if variable.name in seen:
            raise InputError(f"{where} appears twice", field=variable.name)
        seen.add(variable.name)
        _check_label(
            variable.label, f"dataset {spec.name}: the label of {variable.name}", variable.name
        )


def check_dataset(dataset: Dataset) -> None:
    """Check a dataset against every rule of SAS transport v5 before it is written.

    Parameters
    ----------
    dataset
        The dataset.

    Raises
    ------
    InputError
        Naming the dataset, the variable (``field``) and the row at fault.
    """
    spec = dataset.spec
    check_spec(spec)
    expected = set(spec.columns)
    for index, row in enumerate(dataset.rows, start=1):
        if set(row) != expected:
            extra = sorted(set(row) - expected)
            missing = sorted(expected - set(row))
            name = (extra or missing)[0]
            raise InputError(
                f"dataset {spec.name} row {index}: variable {name} is "
                f"{'not defined' if extra else 'missing'}",
                field=name,
                row=index,
            )
        for variable in spec.variables:
            _check_value(spec.name, variable, row[variable.name], index)


def check_file_name(dataset: Dataset | DatasetSpec, path: Path) -> None:
    """Check that a dataset's file is named after it (rule 7).

    Raises
    ------
    InputError
        When the file name (without extension, case ignored) differs from the dataset name.
    """
    name = dataset.name
    if path.stem.upper() != name.upper():
        raise InputError(
            f"dataset {name} must be written to a file named {name.lower()}{path.suffix}, "
            f"not {path.name}",
            field=name,
        )


def _check_name(name: str, where: str, field: str) -> None:
    if not name or len(name) > MAX_NAME:
        raise InputError(
            f"{where} has {len(name)} characters; SAS transport v5 allows 1 to {MAX_NAME}",
            field=field,
        )
    if not _NAME.match(name):
        raise InputError(
            f"{where} must be upper-case letters, digits and underscores, a letter first",
            field=field,
        )


def _check_label(label: str, where: str, field: str) -> None:
    if len(label) > MAX_LABEL:
        raise InputError(
            f"{where} has {len(label)} characters; SAS transport v5 allows {MAX_LABEL}: {label!r}",
            field=field,
        )
    if not _PRINTABLE_ASCII.match(label):
        raise InputError(f"{where} must be printable ASCII: {label!r}", field=field)


def _check_value(dataset: str, variable: Variable, value: Any, row: int) -> None:
    if value is None:
        return
    where = f"dataset {dataset} row {row}: {variable.name}"
    kind = variable.kind
    if kind == "text":
        if not isinstance(value, str):
            raise InputError(f"{where} must be text, not {value!r}", field=variable.name, row=row)
        size = len(value.encode("utf-8"))
        if size > MAX_TEXT_BYTES:
            raise InputError(
                f"{where} has {size} bytes; SAS transport v5 allows {MAX_TEXT_BYTES}",
                field=variable.name,
                row=row,
            )
        if not _PRINTABLE_ASCII.match(value):
            raise InputError(
                f"{where} must be printable ASCII: {value[:60]!r}", field=variable.name, row=row
            )
    elif kind == "date":
        if not isinstance(value, date):
            raise InputError(f"{where} must be a date, not {value!r}", field=variable.name, row=row)
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(
                f"{where} must be an integer, not {value!r}", field=variable.name, row=row
            )
    elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(
            f"{where} must be a finite number, not {value!r}", field=variable.name, row=row
        )
    if variable.codelist and str(value) not in variable.codelist:
        raise InputError(
            f"{where} is {value!r}, not one of {', '.join(variable.codelist)}",
            field=variable.name,
            row=row,
        )
