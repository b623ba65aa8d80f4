"""The corpus of bad inputs: every command refuses each one the same way.

Each case of ``tests/cli/bad_inputs/*.yaml`` runs the ``metsor`` command in-process, through
its root group as the installed command does (the one error path of :mod:`metsor.cli.main`),
with its output captured by Typer's test runner, on its own copy of one initialised SQLite
trial (made once for the module), as a user who gives their password, and must end with:

- exit code 2 and no traceback (an unexpected exception fails the case, with its traceback);
- every pattern of ``expect`` found in the output (case-insensitive regular expressions: the
  argument, option, field or file at fault), and no pattern of ``unexpected`` (the name a
  service gives a parameter that the command calls by another option);
- an output of readable length (:data:`LONGEST_OUTPUT` characters at most);
- nothing written: the row count of every table, the files of ``METSOR_HOME`` (keys, anchor)
  and of the working folder unchanged — except the one record of the user's proof of identity
  (``login_attempts``), made before the command runs, and, for a case marked ``audited``, the
  rows that the refusal itself records (a wrong password counts toward lock-out and is
  audited).

A case is a mapping: ``name`` (the test id), ``args``, optional ``user`` (``METSOR_USER``,
default ``inv``), ``env`` (variables set; ``null`` unsets one), ``stdin``, ``files`` (name →
text, or a JSON value written as JSON; ``{eligible: {...}}`` is the example screening record
with the fields given replaced, nested mappings merged; ``{registry: {dotted.path: value}}``
is the registry record of NCT02672488 with values replaced; ``{encoding: latin-1, text: ...}``
is text in another encoding), ``expect``, ``unexpected``, ``audited``, ``issue`` (where the
case comes from) and ``xfail`` (why a case is still refused wrongly: it runs as a strict
expected failure).
Placeholders in arguments, texts and environment values:
``{today}``, ``{yesterday}``, ``{days_ago_N}``, ``{control}`` and ``{combination}`` (randomized
subjects of each arm; the latter with an eGFR of 40), ``{consented}`` (consented, not
randomized), ``{screened}`` (registered only), ``{lab}`` (a laboratory result of
``{control}``), ``{query}`` (an open query raised by ``monitor1``), ``{big}`` (100,000
characters), ``{mega}`` (1,000,000 characters) and ``{deep}`` (lists nested 100,000 deep).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import sqlite3
import sys
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.eligibility.examples import eligible_record

CORPUS = Path(__file__).parent / "bad_inputs"
REGISTRY_RECORD = Path(__file__).parents[1] / "protocol" / "fixtures" / "NCT02672488.ctgov.json"
"""The ClinicalTrials.gov API v2 record of NCT02672488, which registry cases alter."""
PASSWORD = "correct horse battery staple"
USERS = (
    ("inv", "investigator", "TJ"),
    ("coord", "coordinator", "TJ"),
    ("monitor1", "monitor", None),
    ("monitor2", "monitor", None),
    ("stat", "statistician", None),
    ("dm", "data_manager", None),
)
LONGEST_OUTPUT = 2_000
"""Most characters a refusal may print (the usage lines of a Click error included)."""

_COMPANIONS = ("-wal", "-shm", "-journal")
_LOGINS = "login_attempts"
"""Every command proves who acts before it runs, and that proof is recorded: one row."""
_CASE_KEYS = {
    "name", "args", "user", "env", "stdin", "files", "expect", "unexpected", "audited", "issue",
    "xfail",
}  # fmt: skip

runner = CliRunner()


@dataclass(frozen=True)
class Outcome:
    """How one command ended: its exit code, what it printed, an exception that escaped."""

    exit_code: int
    output: str
    stdout: str
    exception: BaseException | None


@pytest.fixture(scope="module")
def command() -> Any:
    """The ``metsor`` command, built once (Typer's runner builds it again for each call)."""
    return typer.main.get_command(app)


def _run(
    command: Any, args: list[str], *, stdin: str | None, env: dict[str, str | None]
) -> Outcome:
    """Run ``metsor ARGS`` in-process as the installed command runs it, output captured."""
    with runner.isolation(input=stdin, env=env) as (out, _, mixed):
        code, exception = 0, None
        try:
            command.main(args=args, prog_name="metsor")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception as exc:  # the case fails and shows it
            code, exception = 1, exc
        sys.stdout.flush()
        sys.stderr.flush()
        output = mixed.getvalue().decode("utf-8", "replace")
        stdout = out.getvalue().decode("utf-8", "replace")
    return Outcome(code, output, stdout, exception)


@dataclass(frozen=True)
class Case:
    """One bad input and what its refusal must name."""

    name: str
    args: tuple[str, ...]
    expect: tuple[str, ...]
    issue: str
    user: str = "inv"
    env: dict[str, str | None] = field(default_factory=dict)
    stdin: str | None = None
    files: dict[str, Any] = field(default_factory=dict)
    audited: bool = False
    xfail: str | None = None
    unexpected: tuple[str, ...] = ()


def _load_corpus() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(CORPUS.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
            unknown = set(entry) - _CASE_KEYS
            assert not unknown, f"{path.name}: case {entry.get('name')}: unknown keys {unknown}"
            assert entry.get("expect"), f"{path.name}: case {entry['name']} expects nothing"
            cases.append(
                Case(
                    name=entry["name"],
                    args=tuple(str(a) for a in entry["args"]),
                    expect=tuple(entry["expect"]),
                    issue=str(entry["issue"]),
                    user=entry.get("user", "inv"),
                    env=dict(entry.get("env") or {}),
                    stdin=entry.get("stdin"),
                    files=dict(entry.get("files") or {}),
                    audited=bool(entry.get("audited", False)),
                    xfail=entry.get("xfail"),
                    unexpected=tuple(entry.get("unexpected") or ()),
                )
            )
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


CASES = _load_corpus()


@dataclass(frozen=True)
class Trial:
    """The initialised trial every case starts from: its home folder and placeholders."""

    home: Path
    values: dict[str, str]


def _cleared_environment() -> dict[str, str | None]:
    """Every ``METSOR_*`` variable of the outer environment, unset."""
    return {key: None for key in os.environ if key.startswith("METSOR_")}


@dataclass(frozen=True)
class _Metsor:
    """``metsor ARGS`` on one trial's home folder, as a user, which must succeed."""

    command: Any
    home: Path

    def __call__(self, *args: str, user: str | None = "inv", stdin: str | None = None) -> Any:
        env = {"METSOR_HOME": str(self.home), "METSOR_USER": user, "METSOR_PASSWORD": PASSWORD}
        result = _run(self.command, list(args), stdin=stdin, env={**_cleared_environment(), **env})
        assert result.exit_code == 0, (args, result.output, result.exception)
        return json.loads(result.stdout) if "--json" in args else None


def _enroll(metsor: _Metsor, record: Path, *, consent: bool, randomize: bool) -> str:
    """Register a subject screened 5 days ago, consented 4 days ago if ``consent``."""
    today = datetime.now(UTC).date()
    screened_on, consented_on = str(today - timedelta(5)), str(today - timedelta(4))
    registered = metsor("subjects", "register", str(record), "--json", "--screened-on", screened_on)
    subject = str(registered["subject_id"])
    if consent:
        metsor("subjects", "consent", subject, "--date", consented_on)
    if randomize:
        metsor("subjects", "randomize", subject)
    return subject


@pytest.fixture(scope="module")
def trial(tmp_path_factory: pytest.TempPathFactory, command: Any) -> Trial:
    """One trial, initialised once: users of every role, subjects in each state."""
    home = tmp_path_factory.mktemp("corpus-trial") / "home"
    metsor = _Metsor(command, home)
    metsor("db", "init", "--admin-password-stdin", user=None, stdin=PASSWORD + "\n")
    for username, role, site in USERS:
        where = ["--site", site] if site else []
        metsor("users", "add", username, "--role", role, "--password-stdin", *where,
               user="admin", stdin=PASSWORD + "\n")  # fmt: skip
    record = home.parent / "eligible.json"
    record.write_text(json.dumps(eligible_record()), encoding="utf-8")
    arms: dict[str, str] = {}
    while len(arms) < 2:  # randomize until each arm has a subject (a block holds both arms)
        subject = _enroll(metsor, record, consent=True, randomize=True)
        listed = metsor("subjects", "list", "--json")["subjects"]
        arms.setdefault(next(s["arm"] for s in listed if s["subject_id"] == subject), subject)
    consented = _enroll(metsor, record, consent=True, randomize=False)
    screened = _enroll(metsor, record, consent=False, randomize=False)
    today = str(datetime.now(UTC).date())
    control, combination = arms["sorafenib"], arms["sorafenib_metformin"]
    lab = metsor("record", "lab", control, "--analyte", "ast", "--value", "80", "--unit", "U/L",
                 "--uln", "40", "--date", today, "--json")  # fmt: skip
    query = metsor("queries", "raise", "lab_results", str(lab["id"]), "value",
                   "--question", "AST 80 U/L: repeat?", "--json", user="monitor1")  # fmt: skip
    metsor("record", "visit", control, "--type", "treatment", "--date", today)
    # Creatinine 1.95 mg/dL at 54 years, male: eGFR 40.1 mL/min/1.73 m² (CKD-EPI 2021), where
    # the metformin label allows a start only with a stated override.
    metsor("record", "lab", combination, "--analyte", "creatinine", "--value", "1.95",
           "--unit", "mg/dL", "--date", today)  # fmt: skip
    values = {
        "today": today,
        "yesterday": str(datetime.now(UTC).date() - timedelta(1)),
        "control": control,
        "combination": combination,
        "consented": consented,
        "screened": screened,
        "lab": str(lab["id"]),
        "query": str(query["id"]),
        "big": "x" * 100_000,
        "mega": "x" * 1_000_000,
        "deep": "[" * 100_000 + "]" * 100_000,
    }
    return Trial(home=home, values=values)


def _fill(text: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key.startswith("days_ago_"):
            return str(datetime.now(UTC).date() - timedelta(int(key.removeprefix("days_ago_"))))
        return values[key]

    return re.sub(r"\{(today|yesterday|days_ago_\d+|control|combination|consented|screened"
                  r"|lab|query|big|mega|deep)\}", replace, text)  # fmt: skip


def _merged(base: Any, changes: Any) -> Any:
    if isinstance(base, dict) and isinstance(changes, dict):
        merged = dict(base)
        for key, value in changes.items():
            merged[key] = _merged(base.get(key), value) if key in base else value
        return merged
    return changes


def _registry_record(changes: dict[str, Any]) -> dict[str, Any]:
    """The registry record of NCT02672488 with the values at the dotted paths replaced."""
    record: dict[str, Any] = json.loads(REGISTRY_RECORD.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = record
        for key in parents:
            node = node[key]
        node[last] = value
    return record


def _filled_json(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _fill(value, values)
    if isinstance(value, list):
        return [_filled_json(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _filled_json(v, values) for k, v in value.items()}
    return value


def _write_files(case: Case, folder: Path, values: dict[str, str]) -> None:
    for name, content in case.files.items():
        path = folder / name
        if isinstance(content, str):
            path.write_text(_fill(content, values), encoding="utf-8")
            continue
        if isinstance(content, dict) and set(content) == {"encoding", "text"}:
            path.write_bytes(_fill(content["text"], values).encode(content["encoding"]))
            continue
        if isinstance(content, dict) and set(content) == {"registry"}:
            content = _registry_record(content["registry"])
        if isinstance(content, dict) and set(content) == {"eligible"}:
            content = _merged(copy.deepcopy(eligible_record()), content["eligible"])
        path.write_text(json.dumps(_filled_json(content, values)), encoding="utf-8")


def _state(home: Path, work: Path) -> dict[str, Any]:
    """Row counts of every table and the files of the two folders (contents of non-databases)."""
    database = home / "metsor.sqlite"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]  # fmt: skip
        counts = {
            t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables
        }
    connection.close()
    files = {}
    for folder in (home, work):
        for path in sorted(folder.rglob("*")):
            if path.name.endswith(_COMPANIONS) or path == database:
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
            files[str(path.relative_to(folder.parent))] = digest
    return {"rows": counts, "files": files}


def _proof_of_identity_apart(state: dict[str, Any]) -> dict[str, Any]:
    """The state without the record of the user's proof of identity, made before the command."""
    return {
        "rows": {t: n for t, n in state["rows"].items() if t != _LOGINS},
        "files": state["files"],
    }


def _audited_only(state: dict[str, Any]) -> dict[str, Any]:
    """The state without what an audited refusal may record: audit rows, log-in attempts."""
    kept = {"users", _LOGINS, "sessions"}
    return {
        "rows": {
            t: n for t, n in state["rows"].items() if t not in kept and not t.startswith("audit")
        },
        "files": {p: d for p, d in state["files"].items() if "anchor" not in p},
    }


def _param(case: Case) -> Any:
    """The case as a test parameter; a case still refused wrongly is a visible, strict xfail."""
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_a_bad_input_is_refused_naming_it_and_writes_nothing(
    case: Case, trial: Trial, command: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 2 naming the input at fault, no traceback, a readable output, nothing written."""
    home = tmp_path / "home"
    shutil.copytree(trial.home, home)
    work = tmp_path / "work"
    work.mkdir()
    _write_files(case, work, trial.values)
    monkeypatch.chdir(work)
    env: dict[str, str | None] = {
        **_cleared_environment(),
        "METSOR_HOME": str(home),
        "METSOR_USER": case.user,
        "METSOR_PASSWORD": PASSWORD,
    }
    env.update({k: None if v is None else _fill(str(v), trial.values) for k, v in case.env.items()})
    args = [_fill(arg, trial.values) for arg in case.args]
    stdin = None if case.stdin is None else _fill(case.stdin, trial.values)
    before = _state(home, work)

    result = _run(command, args, stdin=stdin, env=env)

    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"{case.name}: unexpected exception (issue {case.issue}):\n{trace}")
    output = result.output
    assert result.exit_code == 2, (
        f"{case.name} (issue {case.issue}): exit {result.exit_code}\n{output}"
    )
    assert "Traceback" not in output
    for pattern in case.expect:
        assert re.search(pattern, output, re.IGNORECASE), (
            f"{case.name}: the message does not name {pattern!r}:\n{output}"
        )
    for pattern in case.unexpected:
        assert not re.search(pattern, output, re.IGNORECASE), (
            f"{case.name}: the message names {pattern!r}, not the command's option:\n{output}"
        )
    assert len(output) <= LONGEST_OUTPUT, f"{case.name}: {len(output)} characters printed"
    after = _state(home, work)
    kept = _audited_only if case.audited else _proof_of_identity_apart
    changed = {
        name: (before["rows"].get(name), count)
        for name, count in kept(after)["rows"].items()
        if count != kept(before)["rows"].get(name)
    }
    proofs = after["rows"].get(_LOGINS, 0) - before["rows"].get(_LOGINS, 0)
    assert proofs <= 1, f"{case.name}: {proofs} log-in attempts recorded for one command"
    assert changed == {}, f"{case.name}: rows written (table: before, after)\n{output}"
    assert kept(after)["files"] == kept(before)["files"], f"{case.name}: files written"
