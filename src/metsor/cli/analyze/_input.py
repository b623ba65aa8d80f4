"""The CSV file of ``metsor analyze``: its options, reading it, and checking its columns.

Values are read as text and checked here, so that an error names the column and the CSV line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from metsor.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "GroupOpt",
    "InputOpt",
    "JsonOpt",
    "ParamOpt",
    "ReferenceOpt",
    "number_column",
    "read_csv",
    "text_column",
    "two_arms",
]

InputOpt = Annotated[Path, typer.Option("--input", help="CSV file, one row per patient.")]
GroupOpt = Annotated[str, typer.Option("--group", help="Column with the arm of each patient.")]
ReferenceOpt = Annotated[
    str | None,
    typer.Option("--reference", help="Reference arm (default: first level in sorted order)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")]
ParamOpt = Annotated[
    str | None, typer.Option("--param", help="Keep only rows with this PARAMCD (ADaM files).")
]


def read_csv(path: Path, param: str | None) -> pd.DataFrame:
    """Read the file as text columns; keep one PARAMCD if asked. Row i is CSV line i + 2.

    Raises
    ------
    InputError
        If the file is missing, empty or not CSV; if it holds several parameters and none is
        chosen, or none of the one chosen.
    """
    import pandas as pd

    if not path.is_file():
        raise InputError(f"input file not found: {path}", field="--input")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"input file is empty: {path}", field="--input") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path} as CSV: {exc}", field="--input") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if param is None and "PARAMCD" in frame.columns:
        params = sorted(set(frame["PARAMCD"].str.strip()) - {""})
        if len(params) > 1:
            raise InputError(
                f"the file holds several parameters ({', '.join(params)}); choose one with --param",
                field="--param",
            )
    if param is not None:
        paramcd = text_column(frame, "PARAMCD")
        available = sorted(set(paramcd.str.strip()) - {""})
        frame = frame[paramcd.str.strip() == param]
        if frame.empty:
            raise InputError(
                f"no rows with PARAMCD {param!r}; the file has {', '.join(available) or 'none'}",
                field="--param",
            )
    if frame.empty:
        raise InputError(f"input file has no data rows: {path}", field="--input")
    return frame


def text_column(frame: pd.DataFrame, name: str) -> pd.Series[str]:
    """The stripped values of column ``name``; an error names a missing column or value."""
    if name not in frame.columns:
        raise InputError(
            f"column {name!r} not found; the file has {', '.join(map(str, frame.columns))}",
            field=name,
        )
    values: pd.Series[str] = frame[name].astype(str).str.strip()
    missing = values == ""
    if missing.any():
        line = int(missing.index[int(missing.to_numpy().argmax())]) + 2
        raise InputError(f"missing value in column {name!r} at CSV line {line}", field=name)
    return values


def _parse_float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return float("nan")


def number_column(frame: pd.DataFrame, name: str, *, binary: bool = False) -> list[float]:
    """The values of column ``name`` as numbers >= 0 (or 0/1 if ``binary``).

    An error names the column and the CSV line of the first value that is not one.
    """
    import numpy as np

    text = text_column(frame, name)
    # Python's float() rounds correctly, so a value written with repr() reads back the same
    # double; pandas' fast parser may differ from it in the last bit.
    values = np.array([_parse_float(value) for value in text], dtype=np.float64)
    finite = np.isfinite(values)
    bad = ~finite | (~np.isin(values, (0.0, 1.0)) if binary else values < 0)
    if bad.any():
        position = int(bad.argmax())
        line = int(text.index[position]) + 2
        need = "0 or 1" if binary else "a number >= 0"
        raise InputError(
            f"column {name!r} must be {need}; CSV line {line} has {text.iloc[position]!r}",
            field=name,
        )
    return [float(v) for v in values]


def two_arms(labels: list[str], column: str, reference: str | None) -> tuple[str, str]:
    """The reference and experimental arm among the two levels of ``labels``.

    The reference is ``reference`` if given (it must be a level), else the first level in
    sorted order; an error names ``column`` if it does not hold exactly two levels.
    """
    levels = sorted(set(labels))
    if len(levels) < 2:
        raise InputError(
            f"column {column!r} has only one group ({levels[0]!r}); two arms are needed",
            field=column,
        )
    if len(levels) > 2:
        raise InputError(
            f"column {column!r} has {len(levels)} groups ({', '.join(levels)}); the hazard "
            "ratio and the arm comparison need exactly two",
            field=column,
        )
    if reference is None:
        reference = levels[0]
    elif reference not in levels:
        raise InputError(
            f"--reference {reference!r} is not a level of {column!r} ({', '.join(levels)})",
            field="--reference",
        )
    experimental = levels[1] if reference == levels[0] else levels[0]
    return reference, experimental
