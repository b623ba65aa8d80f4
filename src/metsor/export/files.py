"""Writing datasets to files: the output folder, CSV, and SAS transport version 5 (XPT).

CSV: a header of the variable names, then one line per row; an unknown value is empty, a date
ISO 8601 (``2016-03-01``), a float as Python writes it back exactly (``repr``).

XPT: written by pyreadstat as version 5 after :func:`metsor.export.checks.check_dataset`; text
variables as character (an unknown value blank), integers and floats as numeric (unknown:
missing), dates as numeric SAS dates (days since 1 January 1960) with the format ``DATE9.``;
the dataset label and every variable label are stored. Read back with
``pandas.read_sas(path, format="xport")`` or ``pyreadstat.read_xport``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from metsor.errors import InputError
from metsor.export.checks import check_dataset, check_file_name
from metsor.export.metadata import Dataset

__all__ = [
    "check_output_folder",
    "output_folder",
    "write_csv",
    "write_dataset",
    "write_rows_csv",
    "write_xpt",
]

_SAS_EPOCH = date(1960, 1, 1)


def check_output_folder(out_dir: Path | str, *, field: str = "out_dir") -> Path:
    """The folder to write into, refused at once when the path is a file (nothing is created).

    Raises
    ------
    InputError
        Naming ``field`` when the path exists and is not a folder.
    """
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{field} {folder} exists and is not a folder", field=field)
    return folder


def output_folder(out_dir: Path | str, *, field: str = "out_dir") -> Path:
    """The folder to write into, created if missing.

    Raises
    ------
    InputError
        Naming ``field`` when the path is a file or the folder cannot be created.
    """
    folder = check_output_folder(out_dir, field=field)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the folder {folder}: {_why(exc)}", field=field) from None
    return folder


def write_rows_csv(
    path: Path,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    *,
    field: str = "out_dir",
) -> Path:
    """Write rows as a CSV file with the given columns.

    Raises
    ------
    InputError
        Naming ``field`` when the file cannot be written, with the reason.
    """
    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns))
            writer.writeheader()
            for row in rows:
                writer.writerow({key: _cell(row.get(key)) for key in columns})
    except OSError as exc:
        raise InputError(f"cannot write {path}: {_why(exc)}", field=field) from None
    return path


def write_csv(dataset: Dataset, folder: Path) -> Path:
    """Write a checked dataset as ``<name>.csv`` (lower case) in ``folder``."""
    check_dataset(dataset)
    path = folder / f"{dataset.name.lower()}.csv"
    check_file_name(dataset, path)
    return write_rows_csv(path, dataset.spec.columns, dataset.rows)


def write_xpt(dataset: Dataset, folder: Path, *, undated: bool = False) -> Path:
    """Write a checked dataset as a SAS transport v5 file ``<name>.xpt`` in ``folder``.

    With ``undated`` the four dates the transport headers record of the file's and the
    member's creation and modification are set to the SAS epoch (``01JAN60:00:00:00``), so
    that the file holds no calendar date (the de-identified IPD package).

    Raises
    ------
    InputError
        As :func:`metsor.export.checks.check_dataset`, or naming ``out_dir`` when the file
        cannot be written.
    """
    import pandas as pd
    import pyreadstat

    check_dataset(dataset)
    path = folder / f"{dataset.name.lower()}.xpt"
    check_file_name(dataset, path)
    spec = dataset.spec
    frame: dict[str, list[Any]] = {}
    formats: dict[str, str] = {}
    for variable in spec.variables:
        values = dataset.column(variable.name)
        if variable.kind == "text":
            frame[variable.name] = ["" if value is None else value for value in values]
        elif variable.kind == "date":
            frame[variable.name] = [
                float("nan") if value is None else float((value - _SAS_EPOCH).days)
                for value in values
            ]
            formats[variable.name] = "DATE9."
        else:
            frame[variable.name] = [
                float("nan") if value is None else float(value) for value in values
            ]
    table = pd.DataFrame(frame, columns=list(spec.columns))
    for variable in spec.variables:
        if variable.kind == "text":
            table[variable.name] = table[variable.name].astype(object)
    try:
        pyreadstat.write_xport(
            table,
            str(path),
            file_label=spec.label,
            column_labels=[variable.label for variable in spec.variables],
            table_name=spec.name,
            file_format_version=5,
            variable_format=formats,
        )
    except OSError as exc:
        raise InputError(f"cannot write {path}: {_why(exc)}", field="out_dir") from None
    if undated:
        _undate(path)
    return path


#: Where a version 5 transport file records a date (record of 80 bytes, start, end): the
#: library header's created and modified, the member header's created and modified (SAS
#: technical note TS-140, "The record layout of a SAS transport file").
_HEADER_DATES = ((1, 64, 80), (2, 0, 16), (5, 64, 80), (6, 0, 16))
_SAS_EPOCH_STAMP = b"01JAN60:00:00:00"
_STAMP = re.compile(rb"\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d")


def _undate(path: Path) -> None:
    """Set the header dates of the transport file ``path`` to the SAS epoch."""
    data = bytearray(path.read_bytes())
    for record, start, end in _HEADER_DATES:
        at = record * 80
        if not _STAMP.fullmatch(bytes(data[at + start : at + end])):
            raise AssertionError(f"{path.name}: no header date in record {record + 1}")
        data[at + start : at + end] = _SAS_EPOCH_STAMP
    path.write_bytes(bytes(data))


def write_dataset(dataset: Dataset, folder: Path) -> tuple[Path, Path]:
    """Write a dataset as CSV and as SAS transport v5; the two paths."""
    return write_csv(dataset, folder), write_xpt(dataset, folder)


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return value
