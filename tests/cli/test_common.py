"""The shared plumbing of the command modules: reading files, dates, output, user errors."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
import typer

from metsor.cli._common import (
    abort_on_user_error,
    acting,
    emit,
    parse_date,
    password_from_stdin,
    read_json_file,
    read_json_object,
    read_text_file,
    resolve_username,
)
from metsor.errors import InputError, NotFoundError


def test_a_missing_file_is_not_found_naming_the_argument(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such file") as caught:
        read_json_file(tmp_path / "none.json", "RECORD")
    assert caught.value.field == "RECORD"
    with pytest.raises(NotFoundError, match="no such file"):
        read_text_file(tmp_path, "PATH")  # a folder is not a file


def test_text_drops_a_byte_order_mark_and_rejects_other_encodings(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\n")
    assert read_text_file(path, "PATH") == "a,b\n"
    path.write_bytes(b"a,\xe9\n")
    with pytest.raises(InputError, match=r"is not UTF-8 text") as caught:
        read_text_file(path, "PATH")
    assert str(caught.value).startswith("field 'PATH': ")


def test_invalid_json_is_named_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    path.write_text('{\n  "ecog": 1,\n}', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_json_file(path, "--file")
    assert caught.value.field == "--file"
    assert str(caught.value) == (
        f"field '--file': {path} is not valid JSON: "
        "Expecting property name enclosed in double quotes (line 3, column 1)"
    )


def test_a_json_object_is_required_where_one_is_expected(tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    path.write_text("[1, 2]", encoding="utf-8")
    assert read_json_file(path, "FILE") == [1, 2]
    with pytest.raises(InputError, match=r"must hold one JSON object \(a screening record\)$"):
        read_json_object(path, "RECORD", kind="a screening record")
    with pytest.raises(InputError, match=r"must hold one JSON object$"):
        read_json_object(path, "--file")
    path.write_text('{"ecog": 1}', encoding="utf-8")
    assert read_json_object(path, "RECORD") == {"ecog": 1}


def test_dates_are_iso_and_name_the_option() -> None:
    assert parse_date("2026-01-05", "--date") == date(2026, 1, 5)
    assert parse_date(None, "--date") is None
    with pytest.raises(InputError, match=r"--cutoff must be a date YYYY-MM-DD, got '05/01/2026'"):
        parse_date("05/01/2026", "--cutoff")


def test_emit_prints_sorted_json_or_the_text(capsys: pytest.CaptureFixture[str]) -> None:
    payload = {"b": date(2026, 1, 5), "a": 1}
    emit(True, payload, "text")
    printed = capsys.readouterr().out
    assert json.loads(printed) == {"a": 1, "b": "2026-01-05"}
    assert printed.index('"a"') < printed.index('"b"')
    emit(False, payload, "subject TJ-001")
    assert capsys.readouterr().out == "subject TJ-001\n"


def test_a_user_error_becomes_a_message_and_its_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(typer.Exit) as caught, abort_on_user_error():
        raise NotFoundError("no subject 'TJ-404'", field="subject_id")
    assert caught.value.exit_code == 2
    assert capsys.readouterr().err == "error: field 'subject_id': no subject 'TJ-404'\n"
    with pytest.raises(ValueError, match="not a user error"), abort_on_user_error():
        raise ValueError("not a user error")


def test_acting_needs_a_user_before_opening_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METSOR_HOME", str(tmp_path))
    with (
        pytest.raises(InputError, match="--user or METSOR_USER, or log in first"),
        acting("mysql://nowhere/x", None),
    ):
        pass


@pytest.mark.parametrize(
    ("given", "saved", "expected"),
    [
        pytest.param("zhang", None, "zhang", id="named"),
        pytest.param(None, "zhang", "zhang", id="logged-in"),
        pytest.param("admin", "zhang", "admin", id="named-wins"),
    ],
)
def test_the_acting_user_is_the_one_named_else_the_one_logged_in(
    given: str | None, saved: str | None, expected: str
) -> None:
    assert resolve_username(given, saved) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        pytest.param("Zhang Wei", "'Zhang Wei' is not a username", id="space"),
        pytest.param("z\udce9", "is not a username", id="undecodable-byte"),
        pytest.param("x" * 10_000, "'… is not a username", id="long"),
    ],
)
def test_a_name_that_cannot_be_a_username_is_refused(given: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        resolve_username(given, None)
    assert caught.value.field == "--user"
    assert len(str(caught.value)) < 200


def test_a_password_on_standard_input_is_its_first_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\r\nnext line\n"))
    assert password_from_stdin("--password-stdin") == "a long password"
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(InputError, match="no password on standard input") as caught:
        password_from_stdin("--admin-password-stdin")
    assert caught.value.field == "--admin-password-stdin"
