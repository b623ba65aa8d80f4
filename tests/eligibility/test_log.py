"""The CSV screening log: row-by-row screening, bad rows with their line numbers, summary."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from metsor.eligibility.log import (
    LOG_COLUMNS,
    parse_log,
    record_to_row,
    screen_log,
)
from metsor.eligibility.record import parse_record
from metsor.errors import InputError
from metsor.protocol import Protocol


def log_text(rows: list[dict[str, Any]], columns: tuple[str, ...] = LOG_COLUMNS) -> str:
    """A screening log of records given as dicts of the record's shape."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for index, row in enumerate(rows, start=1):
        writer.writerow(record_to_row(parse_record(row), f"S-{index}"))
    return out.getvalue()


def test_columns_are_flattened_field_paths() -> None:
    assert LOG_COLUMNS[0] == "screening_id"
    for column in (
        "age_years",
        "hcc_confirmation.histopathology",
        "labs.hemoglobin.value",
        "labs.hemoglobin.unit",
        "labs.ast.uln",
        "history.hiv",
    ):
        assert column in LOG_COLUMNS
    assert "labs.hemoglobin.uln" not in LOG_COLUMNS


def test_row_round_trips(eligible: dict[str, Any]) -> None:
    records, errors = parse_log(log_text([eligible]))
    assert errors == []
    assert records[0].record == parse_record(eligible)
    assert records[0].screening_id == "S-1"
    assert records[0].line == 2


def test_one_bad_row_is_reported_and_the_others_screened(
    eligible: dict[str, Any], protocol: Protocol
) -> None:
    lines = log_text([eligible, eligible, eligible]).splitlines()
    header = lines[0].split(",")
    bad = lines[2].split(",")
    bad[header.index("labs.hemoglobin.unit")] = "mg"
    lines[2] = ",".join(bad)
    log = screen_log("\n".join(lines) + "\n", protocol)
    assert [row.line for row in log.rows] == [2, 4]
    assert len(log.errors) == 1
    error = log.errors[0]
    assert (error.line, error.screening_id, error.field) == (3, "S-2", "labs.hemoglobin.unit")
    assert error.message == "unknown unit 'mg' (accepted: g/dL, g/L, mmol/L)"
    assert str(error) == (
        "line 3 (S-2): labs.hemoglobin.unit: unknown unit 'mg' (accepted: g/dL, g/L, mmol/L)"
    )
    assert log.summary().to_dict() == {
        "screened": 2,
        "unreadable": 1,
        "by_verdict": {"eligible": 2, "ineligible": 0, "incomplete": 0},
        "by_failed_criterion": {},
    }


def test_summary_counts_by_verdict_and_failed_criterion(
    eligible: dict[str, Any], protocol: Protocol
) -> None:
    anaemic = {**eligible, "labs": {**eligible["labs"], "hemoglobin": {"value": 8, "unit": "g/dL"}}}
    anaemic_hiv = {**anaemic, "history": {**eligible["history"], "hiv": True}}
    unknown_age = {key: value for key, value in eligible.items() if key != "age_years"}
    log = screen_log(log_text([eligible, anaemic, anaemic_hiv, unknown_age]), protocol)
    summary = log.summary()
    assert summary.by_verdict == {"eligible": 1, "ineligible": 2, "incomplete": 1}
    assert summary.by_failed_criterion == {"hemoglobin": 2, "hiv": 1}
    assert list(summary.by_failed_criterion) == ["hemoglobin", "hiv"]  # protocol order
    assert [row.result.verdict for row in log.rows] == [
        "eligible",
        "ineligible",
        "ineligible",
        "incomplete",
    ]


@pytest.mark.parametrize(
    ("cell", "value"),
    [("true", True), ("Yes", True), ("1", True), ("false", False), ("NO", False), ("0", False)],
)
def test_yes_no_cells(cell: str, value: bool) -> None:
    records, errors = parse_log(f"history.hiv\n{cell}\n")
    assert errors == []
    assert records[0].record.history is not None
    assert records[0].record.history.hiv is value


def test_empty_cell_is_unknown() -> None:
    records, _ = parse_log("screening_id,age_years,history.hiv\nA,,\n")
    assert records[0].record.age_years is None
    assert records[0].record.history is None


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("history.hiv", "maybe", "expected true/false, yes/no or 1/0, got 'maybe'"),
        ("age_years", "54.5", "expected a whole number, got '54.5'"),
        ("labs.anc.value", "1,500", "expected a number, got '1,500'"),
        ("ecog", "7", "must be ≤ 5, got 7"),
        ("labs.anc.value", "1500", "missing (required when its parent is given)"),
    ],
)
def test_bad_cell_names_column_and_line(column: str, cell: str, message: str) -> None:
    records, errors = parse_log(f'screening_id,{column}\nA,1\nB,"{cell}"\n')
    assert len(records) + len(errors) == 2
    bad = errors[-1]
    assert bad.line == 3
    assert bad.screening_id == "B"
    assert message in bad.message


def test_line_numbers_count_multiline_cells_and_blank_lines() -> None:
    text = 'screening_id,sex\n"A\nsecond line",male\n\nC,f\n'
    records, errors = parse_log(text)
    assert [r.line for r in records] == [2]
    assert [(e.line, e.field) for e in errors] == [(5, "sex")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("age_years,weight_kg\n54,70\n", "unknown column 'weight_kg'"),
        ("age_years,age_years\n54,54\n", "column 'age_years' appears twice"),
        ("age_years,sex\n54\n", "1 cells where the header has 2"),
    ],
)
def test_unreadable_log_is_an_input_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        screen_log(text)


def test_rows_may_be_given_as_mappings(protocol: Protocol) -> None:
    rows = [{"screening_id": "A", "age_years": "17"}, {"screening_id": "B", "age_years": "x"}]
    log = screen_log(rows, protocol)
    assert [(r.line, r.result.failed) for r in log.rows] == [(2, ("age",))]
    assert [(e.line, e.field) for e in log.errors] == [(3, "age_years")]


def test_empty_log_has_an_empty_summary() -> None:
    summary = screen_log(",".join(LOG_COLUMNS) + "\n").summary()
    assert summary.screened == 0
    assert summary.by_verdict == {"eligible": 0, "ineligible": 0, "incomplete": 0}


def test_a_repeated_screening_id_is_refused_on_every_row(
    eligible: dict[str, Any], protocol: Protocol
) -> None:
    lines = log_text([eligible, eligible, eligible]).splitlines()
    lines[3] = lines[3].replace("S-3", "S-1", 1)
    log = screen_log("\n".join(lines) + "\n", protocol)
    assert [row.screening_id for row in log.rows] == ["S-2"]
    assert [(e.line, e.screening_id, e.field) for e in log.errors] == [
        (2, "S-1", "screening_id"),
        (4, "S-1", "screening_id"),
    ]
    assert "repeated on line(s) 4" in log.errors[0].message
    assert log.summary().screened == 1


@pytest.mark.parametrize(
    "cell",
    [
        pytest.param("mg", id="unknown-unit"),
        pytest.param("g/dL", id="implausible-value"),
    ],
)
def test_a_log_whose_every_row_is_unreadable_is_an_input_error(
    eligible: dict[str, Any], protocol: Protocol, cell: str
) -> None:
    lines = log_text([eligible, eligible]).splitlines()
    header = lines[0].split(",")
    for index in (1, 2):
        cells = lines[index].split(",")
        cells[header.index("labs.hemoglobin.unit")] = cell
        cells[header.index("labs.hemoglobin.value")] = "128"
        lines[index] = ",".join(cells)
    with pytest.raises(InputError, match="no row of the screening log could be read") as caught:
        screen_log("\n".join(lines) + "\n", protocol)
    assert caught.value.row == 2
    assert str(caught.value.field).startswith("labs.hemoglobin")
