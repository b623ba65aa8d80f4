"""Bad data entry from the command line: exit 2, the field named, no traceback, nothing written.

One trial database (SQLite) is made for the module: a subject TJ-001 screened three days ago,
consented two days ago and randomized today, with one laboratory result; each case runs
against a copy of it and compares the row count of every table before and after (but the
sign-in tables, which every command touches).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, table
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.eligibility.examples import eligible_record

runner = CliRunner()
PASSWORD = "a long password"
TODAY = datetime.now(UTC).date()
#: Tables of proving who acts (each command signs in): not what a refused entry may touch.
SIGN_IN_TABLES = frozenset({"login_sessions", "login_attempts"})


def _env(home: Path, url: str) -> dict[str, str]:
    return {
        "METSOR_HOME": str(home),
        "METSOR_DATABASE_URL": url,
        "METSOR_USER": "admin",
        "METSOR_PASSWORD": PASSWORD,
        "METSOR_ALLOCATION_SEED": "",
    }


def _invoke(env: dict[str, str], *args: str, stdin: str | None = None) -> object:
    return runner.invoke(app, list(args), env=env, input=stdin)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of a trial with TJ-001 randomized today and one lab result (record 1)."""
    home = tmp_path_factory.mktemp("trial")
    url = f"sqlite:///{home / 'metsor.sqlite'}"
    env = _env(home, url)
    record = home / "record.json"
    record.write_text(json.dumps(eligible_record()), encoding="utf-8")
    steps = [
        (("db", "init", "--admin-password-stdin"), PASSWORD),
        (("subjects", "register", str(record), "--site", "TJ",
          "--screened-on", str(TODAY - timedelta(3))), None),
        (("subjects", "consent", "TJ-001", "--date", str(TODAY - timedelta(2))), None),
        (("subjects", "randomize", "TJ-001"), None),
        (("record", "lab", "TJ-001", "--analyte", "ast", "--value", "80", "--unit", "U/L",
          "--uln", "40", "--date", str(TODAY - timedelta(1))), None),
    ]  # fmt: skip
    for args, stdin in steps:
        result = runner.invoke(app, list(args), env=env, input=stdin)
        assert result.exit_code == 0, (args, result.output)
    return home


@pytest.fixture
def trial(made: Path, tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A fresh copy of the module's trial: its environment and folder."""
    home = tmp_path / "home"
    shutil.copytree(made, home)
    return _env(home, f"sqlite:///{home / 'metsor.sqlite'}"), home


def _counts(home: Path) -> dict[str, int]:
    engine = create_engine(f"sqlite:///{home / 'metsor.sqlite'}")
    try:
        with engine.connect() as connection:
            names = set(inspect(connection).get_table_names()) - SIGN_IN_TABLES
            return {
                name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in names
            }
    finally:
        engine.dispose()


def _write(name: str, text: str) -> Callable[[Path], str]:
    def make(home: Path) -> str:
        path = home / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return make


def _lesions(diameter: object, viable: object = 40) -> str:
    return json.dumps(
        {
            "assessed_on": str(TODAY - timedelta(1)),
            "lesions": [
                {"lesion_id": "T1", "organ": "liver", "kind": "target", "diameter_mm": diameter,
                 "viable_diameter_mm": viable, "enhancing": True}
            ],
        }
    )  # fmt: skip


_AE = ("record", "ae", "TJ-001", "--term", "Diarrhea", "--grade", "2", "--onset", str(TODAY))
_LAB = ("record", "lab", "TJ-001", "--uln", "40", "--date", str(TODAY))
_HUGE = "99999999999999999999"
_LOG_HEADER = "screening_id,age_years,labs.hemoglobin.value,labs.hemoglobin.unit\n"

CASES = [
    pytest.param(
        (*_AE, "--related", "sorafenib=definite", "--related", "sorafenib=not_related"),
        None, "--related", "given twice for sorafenib", id="related-repeated",
    ),
    pytest.param(
        (*_AE, "--action", "sorafenib=dose_reduced", "--action", "sorafenib=drug_withdrawn"),
        None, "--action", "given twice", id="action-repeated",
    ),
    pytest.param(
        ("record", "ae", "TJ-001", "--file", "{file}"),
        _write("ae.json", '{"term": "Diarrhea", "grade": 2, "grade": 3}'),
        "--file", "key 'grade' appears twice", id="json-key-repeated",
    ),
    pytest.param(
        ("record", "ae", "TJ-001", "--file", "{file}"),
        _write("ae.json", '{"term": "Diarrhea", "grade": 2, "onset_date": "2026-01-01",'
               ' "severity": "bad"}'),
        "severity", "unknown key(s) 'severity'", id="ae-file-unknown-key",
    ),
    pytest.param(
        ("record", "tumour", "TJ-001", "--file", "{file}"),
        _write("scan.json", '{"assessed_on": "2026-01-01", "lesions": [], "size": 3}'),
        "size", "unknown key(s) 'size'", id="tumour-file-unknown-key",
    ),
    pytest.param(
        ("record", "tumour", "TJ-001", "--file", "{file}"),
        _write("scan.json", _lesions(1e308)), "diameter_mm", "0–400 mm", id="lesion-1e308-mm",
    ),
    pytest.param(
        ("record", "tumour", "TJ-001", "--file", "{file}"),
        _write("scan.json", _lesions(30, 35)), "viable_diameter_mm",
        "larger than the lesion's diameter_mm 30 mm", id="viable-above-whole",
    ),
    pytest.param(
        (*_LAB, "--analyte", "hemoglobin", "--value", "128", "--unit", "g/dL"),
        None, "value", "1–25 g/dL", id="haemoglobin-128-g-dl",
    ),
    pytest.param(
        (*_LAB, "--analyte", "albumin", "--value", "39", "--unit", "g/dL"),
        None, "value", "0.5–7 g/dL", id="albumin-39-g-dl",
    ),
    pytest.param(
        (*_LAB, "--analyte", "platelets", "--value", "120000000", "--unit", "/uL"),
        None, "value", "0–5,000,000 /uL", id="platelets-1.2e8",
    ),
    pytest.param(
        (*_LAB, "--analyte", "ast", "--value", "1e308", "--unit", "U/L"),
        None, "value", "0–100,000 U/L", id="ast-1e308",
    ),
    pytest.param(
        (*_LAB, "--analyte", "creatinine", "--value", "0", "--unit", "mg/dL"),
        None, "value", "0.1–40 mg/dL", id="creatinine-zero",
    ),
    pytest.param(
        ("record", "vitals", "TJ-001", "--date", str(TODAY), "--sbp", "400", "--dbp", "80"),
        None, "--sbp", "50–300 mm Hg", id="systolic-400",
    ),
    pytest.param(
        ("record", "lab", "TJ-001", "--analyte", "ast", "--value", "50", "--unit", "U/L",
         "--uln", "40", "--date", "0001-01-03"),
        None, "--date", "before the start of the trial", id="lab-in-year-1",
    ),
    pytest.param(
        ("correct", "lab_results", "1", "value", "nan", "--reason", "x"),
        None, "value", "finite number", id="correct-value-nan",
    ),
    pytest.param(
        ("correct", "lab_results", _HUGE, "value", "1", "--reason", "x"),
        None, "RECORD_ID", "[1, 9223372036854775807]", id="correct-id-beyond-64-bits",
    ),
    pytest.param(
        ("correct", "dose_events", "1", "egfr_override", "nephrologist agrees", "--reason", "x"),
        None, "field", "correctable fields", id="correct-egfr-override",
    ),
    pytest.param(
        ("queries", "answer", _HUGE, "--answer", "x"),
        None, "QUERY_ID", "[1, 9223372036854775807]", id="query-id-beyond-64-bits",
    ),
    pytest.param(
        ("queries", "raise", "lab_results", _HUGE, "value", "--question", "x"),
        None, "RECORD_ID", "[1, 9223372036854775807]", id="raise-id-beyond-64-bits",
    ),
    pytest.param(
        ("record", "visit", "TJ-001", "--type", "treatment", "--date", str(TODAY),
         "--number", _HUGE),
        None, "number", "must be ≤ 1000", id="visit-number-beyond-64-bits",
    ),
    pytest.param(
        ("record", "visit", "TJ-001", "--type", "treatment", "--date", str(TODAY),
         "--number", "1000"),
        None, "number", "cannot have been due yet", id="visit-number-far-beyond-the-schedule",
    ),
    pytest.param(
        ("subjects", "list", "--status", "bogus"),
        None, "--status", "randomized", id="subjects-status-unknown",
    ),
    pytest.param(
        ("subjects", "consent", "TJ-001"),
        None, "--date", "give the day the consent form was signed", id="consent-without-date",
    ),
    pytest.param(
        ("subjects", "register", "{file}", "--site", "TJ", "--screened-on", "0001-01-01"),
        _write("candidate.json", json.dumps(eligible_record())),
        "--screened-on", "before the start of trial NCT02672488", id="screened-in-year-1",
    ),
    pytest.param(
        ("subjects", "register", "{file}", "--site", "TJ"),
        _write("candidate.json", json.dumps(
            eligible_record(labs={**eligible_record()["labs"],
                                  "hemoglobin": {"value": 128, "unit": "g/dL"}}))),
        "labs.hemoglobin", "1–25 g/dL", id="register-haemoglobin-128-g-dl",
    ),
    pytest.param(
        ("screen", "{file}"),
        _write("log.csv", _LOG_HEADER + "S-1,54,128,g/dL\nS-2,60,12,mg\n"),
        "labs.hemoglobin", "no row of the screening log could be read", id="log-all-unreadable",
    ),
    pytest.param(
        ("screen", "{file}"),
        _write("candidate.json", '{"age_years": 54, "age_years": 17}'),
        "PATH", "key 'age_years' appears twice", id="screen-json-key-repeated",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("args", "file", "field", "message"), CASES)
def test_bad_entry_exits_2_naming_the_option_and_writes_nothing(
    trial: tuple[dict[str, str], Path],
    args: tuple[str, ...],
    file: Callable[[Path], str] | None,
    field: str,
    message: str,
) -> None:
    env, home = trial
    path = file(home) if file is not None else ""
    before = _counts(home)
    result = runner.invoke(app, [a.replace("{file}", path) for a in args], env=env)
    output = result.output
    assert result.exit_code == 2, output
    assert field in result.stderr, result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in output
    assert _counts(home) == before


def test_a_repeated_screening_id_is_reported_not_counted_twice(
    trial: tuple[dict[str, str], Path],
) -> None:
    env, home = trial
    log = home / "log.csv"
    log.write_text(_LOG_HEADER + "S-1,54,12,g/dL\nS-2,60,12,g/dL\nS-1,61,13,g/dL\n", "utf-8")
    result = runner.invoke(app, ["screen", str(log), "--json"], env=env)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["summary"]["screened"] == 1
    assert [(e["line"], e["field"]) for e in payload["errors"]] == [
        (2, "screening_id"),
        (4, "screening_id"),
    ]


def test_protocol_import_refuses_a_day_off_the_calendar_and_writes_no_file(
    tmp_path: Path,
) -> None:
    record = json.loads(
        (Path(__file__).parents[1] / "protocol" / "fixtures" / "NCT02672488.ctgov.json").read_text(
            encoding="utf-8"
        )
    )
    record["protocolSection"]["statusModule"]["startDateStruct"]["date"] = "2016-02-30"
    source, out = tmp_path / "record.json", tmp_path / "protocol.json"
    source.write_text(json.dumps(record), encoding="utf-8")
    result = runner.invoke(app, ["protocol", "import", str(source), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "protocolSection.statusModule.startDateStruct.date" in result.stderr
    assert "not a date of the calendar" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()
