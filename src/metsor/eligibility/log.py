"""A screening log: one candidate per row of a CSV table, screened row by row.

Columns are the flattened field paths of a screening record (``age_years``,
``hcc_confirmation.histopathology``, ``labs.hemoglobin.value``, ``labs.hemoglobin.unit``,
``labs.ast.uln``, ``history.hiv``) plus an optional ``screening_id``. An empty cell is unknown;
yes/no cells read ``true``/``false``, ``yes``/``no`` or ``1``/``0``. A row that cannot be read
is reported with its line number in the file and the field at fault, and the other rows are
screened all the same. The summary counts candidates by verdict and by failed criterion, the
figures of the screening box of a CONSORT diagram.

Nothing here reads files: give the text of the log, or its rows.
"""

from __future__ import annotations

import csv
import io
import types
import typing
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from metsor.eligibility.record import ScreeningRecord, parse_record
from metsor.eligibility.rules import EligibilitySettings
from metsor.eligibility.screening import EligibilityResult, screen
from metsor.errors import InputError

if TYPE_CHECKING:
    from metsor.protocol.model import Protocol

__all__ = [
    "ID_COLUMN",
    "LOG_COLUMNS",
    "LoggedRecord",
    "RowError",
    "ScreenedRow",
    "ScreeningLog",
    "ScreeningSummary",
    "parse_log",
    "record_to_row",
    "screen_log",
]

ID_COLUMN = "screening_id"
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


def _leaf_type(annotation: Any) -> Any:
    """The type inside ``X | None``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    return annotation


def _columns(model: type[BaseModel], prefix: str = "") -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        kind = _leaf_type(info.annotation)
        path = f"{prefix}{name}"
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            columns.update(_columns(kind, f"{path}."))
        else:
            columns[path] = kind
    return columns


_COLUMN_TYPES: dict[str, Any] = _columns(ScreeningRecord)
LOG_COLUMNS: tuple[str, ...] = (ID_COLUMN, *_COLUMN_TYPES)
"""Every column a screening log may have, in the order of the record's fields."""


def _cell(column: str, text: str) -> Any:
    kind = _COLUMN_TYPES[column]
    if kind is bool:
        folded = text.casefold()
        if folded in _TRUE or folded in _FALSE:
            return folded in _TRUE
        raise InputError(f"expected true/false, yes/no or 1/0, got {text!r}", field=column)
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise InputError(f"expected a whole number, got {text!r}", field=column) from None
    if kind is float:
        try:
            return float(text)
        except ValueError:
            raise InputError(f"expected a number, got {text!r}", field=column) from None
    if typing.get_origin(kind) is list:  # criterion ids, written separated by ";"
        return [part.strip() for part in text.split(";") if part.strip()]
    return text


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        *parents, leaf = path.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested


@dataclass(frozen=True)
class LoggedRecord:
    """A row of the log read into a record. ``line`` is its line number in the CSV text."""

    line: int
    screening_id: str | None
    record: ScreeningRecord


@dataclass(frozen=True)
class RowError:
    """A row that could not be read: its line, its id if any, the field at fault and why."""

    line: int
    screening_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}"
        if self.screening_id:
            where += f" ({self.screening_id})"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


def _check_header(header: Iterable[str]) -> None:
    seen: set[str] = set()
    for column in header:
        if column not in _COLUMN_TYPES and column != ID_COLUMN:
            raise InputError(f"unknown column '{column}' in the screening log", field=column, row=1)
        if column in seen:
            raise InputError(f"column '{column}' appears twice", field=column, row=1)
        seen.add(column)


def _read_row(line: int, row: Mapping[str, str | None]) -> LoggedRecord:
    flat: dict[str, Any] = {}
    for column, raw in row.items():
        text = (raw or "").strip()
        if column != ID_COLUMN and text:
            flat[column] = _cell(column, text)
    screening_id = (row.get(ID_COLUMN) or "").strip() or None
    return LoggedRecord(line, screening_id, parse_record(_nest(flat)))


def _rows_of(
    source: str | Iterable[Mapping[str, str | None]],
) -> Iterable[tuple[int, Mapping[str, str | None]]]:
    """(line, row) pairs; a text is parsed as CSV with a header line."""
    if not isinstance(source, str):
        return ((index + 2, row) for index, row in enumerate(source))
    reader = csv.reader(io.StringIO(source, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise InputError("the screening log is empty: no header line", row=1) from None
    _check_header(header)
    pairs: list[tuple[int, Mapping[str, str | None]]] = []
    start = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(cells) != len(header):
                    raise InputError(
                        f"{len(cells)} cells where the header has {len(header)}", row=start
                    )
                pairs.append((start, dict(zip(header, cells, strict=True))))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"not a readable CSV table: {exc}", row=start) from None
    return pairs


def parse_log(
    source: str | Iterable[Mapping[str, str | None]],
) -> tuple[list[LoggedRecord], list[RowError]]:
    """Read a screening log into records, keeping the rows that cannot be read apart.

    Parameters
    ----------
    source
        The CSV text (header line first), or rows as mappings column → cell (the first row
        then counts as line 2, after a header).

    Returns
    -------
    records, errors
        The rows read, and the rows that could not be, each with its line number.

    Raises
    ------
    InputError
        If the log as a whole cannot be read: no header, an unknown or repeated column, or a
        malformed CSV line.

    Notes
    -----
    Rows that share a ``screening_id`` are all reported as errors, none screened.
    """
    records: list[LoggedRecord] = []
    errors: list[RowError] = []
    for line, row in _rows_of(source):
        if not isinstance(source, str):
            _check_header(row)
        try:
            records.append(_read_row(line, row))
        except InputError as exc:
            screening_id = (row.get(ID_COLUMN) or "").strip() or None
            errors.append(RowError(line, screening_id, exc.field, exc.message))
    return _without_repeated_ids(records, errors)


def _without_repeated_ids(
    records: list[LoggedRecord], errors: list[RowError]
) -> tuple[list[LoggedRecord], list[RowError]]:
    """Every row whose screening id appears on another row, moved to the errors.

    A candidate is counted once: when two rows give the same id, neither is taken for the
    other, and both are reported.
    """
    lines: dict[str, list[int]] = {}
    for line, screening_id in [(r.line, r.screening_id) for r in records] + [
        (e.line, e.screening_id) for e in errors
    ]:
        if screening_id is not None:
            lines.setdefault(screening_id, []).append(line)
    repeated = {key: sorted(found) for key, found in lines.items() if len(found) > 1}
    if not repeated:
        return records, errors
    kept: list[LoggedRecord] = []
    for record in records:
        found = repeated.get(record.screening_id or "")
        if found is None:
            kept.append(record)
            continue
        others = ", ".join(str(line) for line in found if line != record.line)
        errors.append(
            RowError(
                record.line,
                record.screening_id,
                ID_COLUMN,
                f"screening_id {record.screening_id!r} is repeated on line(s) {others}; "
                "a candidate is screened once",
            )
        )
    errors.sort(key=lambda error: error.line)
    return kept, errors


@dataclass(frozen=True)
class ScreenedRow:
    """A screened row of the log."""

    line: int
    screening_id: str | None
    result: EligibilityResult


@dataclass(frozen=True)
class ScreeningSummary:
    """Counts of a screened log.

    Attributes
    ----------
    screened
        Rows screened (readable rows).
    unreadable
        Rows that could not be read.
    by_verdict
        Candidates per verdict: eligible, ineligible, incomplete (all three keys present).
    by_failed_criterion
        Candidates failing each criterion, in protocol order, criteria failed by none left out.
        A candidate failing several criteria counts under each.
    """

    screened: int
    unreadable: int
    by_verdict: Mapping[str, int]
    by_failed_criterion: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready data."""
        return {
            "screened": self.screened,
            "unreadable": self.unreadable,
            "by_verdict": dict(self.by_verdict),
            "by_failed_criterion": dict(self.by_failed_criterion),
        }


@dataclass(frozen=True)
class ScreeningLog:
    """A screened log: the rows screened and the rows that could not be read."""

    rows: tuple[ScreenedRow, ...]
    errors: tuple[RowError, ...]

    def summary(self) -> ScreeningSummary:
        """Counts by verdict and by failed criterion (protocol order)."""
        verdicts = Counter(row.result.verdict for row in self.rows)
        failed = Counter(cid for row in self.rows for cid in row.result.failed)
        order = [c.id for c in self.rows[0].result.criteria] if self.rows else []
        return ScreeningSummary(
            screened=len(self.rows),
            unreadable=len(self.errors),
            by_verdict={v: verdicts[v] for v in ("eligible", "ineligible", "incomplete")},
            by_failed_criterion={cid: failed[cid] for cid in order if failed[cid]},
        )


def screen_log(
    source: str | Iterable[Mapping[str, str | None]],
    protocol: Protocol | None = None,
    *,
    settings: EligibilitySettings | None = None,
) -> ScreeningLog:
    """Screen every row of a screening log.

    Parameters
    ----------
    source
        The CSV text, or rows as mappings (see :func:`parse_log`).
    protocol
        The protocol whose criteria apply; the built-in NCT02672488 when None.
    settings
        Choices the registry leaves open; defaults if None.

    Returns
    -------
    ScreeningLog
        One result per readable row and one error per unreadable row.

    Raises
    ------
    InputError
        If the log as a whole cannot be read (see :func:`parse_log`), or none of its rows can.
    """
    records, errors = parse_log(source)
    if errors and not records:
        first = errors[0]
        raise InputError(
            f"no row of the screening log could be read ({len(errors)} unreadable); first: {first}",
            field=first.field,
            row=first.line,
        )
    if protocol is None and records:
        from metsor.protocol import builtin

        protocol = builtin("NCT02672488")
    rows = tuple(
        ScreenedRow(r.line, r.screening_id, screen(r.record, protocol, settings=settings))
        for r in records
    )
    return ScreeningLog(rows=rows, errors=tuple(errors))


def _number_cell(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def record_to_row(record: ScreeningRecord, screening_id: str | None = None) -> dict[str, str]:
    """Write a record as a row of a screening log (the inverse of reading one).

    Parameters
    ----------
    record
        The record.
    screening_id
        The row's screening id, if any.

    Returns
    -------
    dict
        Column → cell for every column of :data:`LOG_COLUMNS`; unknown values are empty.
    """
    flat: dict[str, str] = {column: "" for column in LOG_COLUMNS}
    flat[ID_COLUMN] = screening_id or ""

    def walk(data: Mapping[str, Any], prefix: str) -> None:
        for key, value in data.items():
            path = f"{prefix}{key}"
            if isinstance(value, Mapping):
                walk(value, f"{path}.")
            elif isinstance(value, bool):
                flat[path] = "true" if value else "false"
            elif isinstance(value, list):
                flat[path] = ";".join(str(item) for item in value)
            elif value is not None:
                flat[path] = _number_cell(value) if isinstance(value, float) else str(value)

    walk(record.model_dump(exclude_none=True), "")
    return flat
