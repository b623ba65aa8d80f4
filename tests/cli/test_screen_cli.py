"""``metsor screen``: one record (.json), a screening log (.csv), the schema, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.eligibility import screen
from metsor.eligibility.examples import eligible_record

# The example record with the laboratory values a site may report in SI units.
RECORD: dict[str, Any] = eligible_record()
RECORD["labs"].update(
    {
        "hemoglobin": {"value": 128, "unit": "g/L"},
        "anc": {"value": 3.1, "unit": "10^9/L"},
        "platelets": {"value": 120, "unit": "10^9/L"},
        "total_bilirubin": {"value": 14, "unit": "umol/L"},
        "albumin": {"value": 39, "unit": "g/L"},
    }
)

LOG = (
    "screening_id,age_years,labs.hemoglobin.value,labs.hemoglobin.unit,history.hiv\n"
    "S-1,54,12.1,g/dL,no\n"
    "S-2,61,8.5,mg,no\n"
    "S-3,47,8.5,g/dL,yes\n"
)

runner = CliRunner()


def write_json(tmp_path: Path, data: object, name: str = "record.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def metsor(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed entry point (errors become exit code 2 there)."""
    code = "from metsor.cli.main import run; run()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )


def test_screen_one_record_prints_criteria_and_verdict(tmp_path: Path) -> None:
    result = runner.invoke(app, ["screen", str(write_json(tmp_path, RECORD))])
    assert result.exit_code == 0, result.output
    assert "Eligibility for NCT02672488" in result.output
    assert "hemoglobin" in result.output
    assert "coagulation" in result.output
    assert "Derived: Child-Pugh 5 (class A)" in result.output
    assert "BCLC C (2022)" in result.output
    assert "Verdict: eligible" in result.output


def test_screen_json_prints_the_result(tmp_path: Path) -> None:
    record = {
        **RECORD,
        "labs": {**RECORD["labs"], "total_bilirubin": {"value": 2.3, "unit": "mg/dL"}},
    }
    result = runner.invoke(app, ["screen", str(write_json(tmp_path, record)), "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed == screen(record).to_dict()
    assert printed["verdict"] == "ineligible"
    bilirubin = next(c for c in printed["criteria"] if c["id"] == "total_bilirubin")
    assert bilirubin["reason"] == "total bilirubin 2.3 mg/dL ≥ 2 mg/dL"


def test_screen_a_log_prints_counts_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    result = runner.invoke(app, ["screen", str(path)])
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert "Screening log log.csv: 2 candidates screened, 1 rows unreadable" in lines
    assert "  eligible         0   0.0%" in lines
    assert "  ineligible       1  50.0%" in lines
    assert "  incomplete       1  50.0%" in lines
    assert any(line.split() == ["hemoglobin", "1"] for line in lines)
    assert any(line.split() == ["hiv", "1"] for line in lines)
    assert (
        "  line 3 (S-2): labs.hemoglobin.unit: unknown unit 'mg' (accepted: g/dL, g/L, mmol/L)"
        in lines
    )


def test_screen_a_log_as_json(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    result = runner.invoke(app, ["screen", str(path), "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["summary"]["by_verdict"] == {"eligible": 0, "ineligible": 1, "incomplete": 1}
    assert printed["summary"]["by_failed_criterion"] == {"hemoglobin": 1, "hiv": 1}
    assert [(r["line"], r["screening_id"], r["verdict"]) for r in printed["rows"]] == [
        (2, "S-1", "incomplete"),
        (4, "S-3", "ineligible"),
    ]
    assert printed["errors"] == [
        {
            "line": 3,
            "screening_id": "S-2",
            "field": "labs.hemoglobin.unit",
            "message": "unknown unit 'mg' (accepted: g/dL, g/L, mmol/L)",
        }
    ]


def test_schema() -> None:
    result = runner.invoke(app, ["screen", "--schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    assert "labs" in schema["properties"]
    assert schema["additionalProperties"] is False


def test_example_is_a_record_file_that_screens_eligible(tmp_path: Path) -> None:
    result = runner.invoke(app, ["screen", "--example"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed == eligible_record()
    path = tmp_path / "candidate.json"
    path.write_text(result.output, encoding="utf-8")
    screened = runner.invoke(app, ["screen", str(path), "--json"])
    assert screened.exit_code == 0, screened.output
    verdict = json.loads(screened.output)
    assert verdict["verdict"] == "eligible"
    assert verdict == screen(eligible_record()).to_dict()


def test_age_rule_option(tmp_path: Path) -> None:
    """Criterion "Age > 18 years old" against the structured "18 Years and older"."""
    path = write_json(tmp_path, {**RECORD, "age_years": 18})
    default = runner.invoke(app, ["screen", str(path), "--json"])
    structured = runner.invoke(app, ["screen", str(path), "--json", "--age-rule", "structured"])
    assert json.loads(default.output)["verdict"] == "ineligible"
    assert json.loads(structured.output)["verdict"] == "eligible"


def test_bad_record_names_the_field_and_exits_2(tmp_path: Path) -> None:
    bad = {**RECORD, "labs": {"hemoglobin": {"value": 8.5, "unit": "mg"}}}
    completed = metsor("screen", str(write_json(tmp_path, bad)))
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.strip() == (
        "error: field 'labs.hemoglobin.unit': unknown unit 'mg' (accepted: g/dL, g/L, mmol/L)"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("missing.json", None, "no such file", id="missing-file"),
        pytest.param("record.json", "{not json", "is not valid JSON", id="bad-json"),
        pytest.param("record.json", "[1, 2]", "must hold one JSON object", id="json-array"),
        pytest.param(
            "log.csv", "age_years,weight_kg\n54,70\n", "unknown column 'weight_kg'", id="bad-log"
        ),
        pytest.param("record.txt", "{}", "expected a .json record or a .csv log", id="extension"),
    ],
)
def test_unusable_input_exits_2(
    tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    completed = metsor("screen", str(path))
    assert completed.returncode == 2
    assert message in completed.stderr


def test_no_path_is_an_input_error() -> None:
    result = runner.invoke(app, ["screen"])
    assert result.exit_code == 2
    assert "give a record (.json) or a screening log (.csv)" in result.stderr
    assert "Traceback" not in result.output
