"""``metsor login``/``logout`` and the proof every command asks of its user.

Each test starts from ``metsor db init`` with the administrator's password on standard input
and no ``METSOR_PASSWORD`` in the environment, so that a command proves its user either by a
login session or by a password the test gives explicitly.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from metsor.cli.main import app

runner = CliRunner()

PASSWORD = "a long password"
WRONG = "not the password"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``METSOR_HOME``, not yet created; no user or password in the environment."""
    folder = tmp_path / "home"
    monkeypatch.setenv("METSOR_HOME", str(folder))
    monkeypatch.setenv("METSOR_ALLOCATION_SEED", "ab" * 32)
    for name in ("METSOR_USER", "METSOR_PASSWORD", "METSOR_SESSION_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture
def metsor(database_url: str, home: Path) -> Any:
    """``metsor(*args, stdin=..., password=...)`` runs ``metsor ARGS --db URL`` after db init.

    ``password`` is put in ``METSOR_PASSWORD`` for that one command.
    """

    def run(*args: str, stdin: str | None = None, password: str | None = None) -> Any:
        env = {"METSOR_PASSWORD": password} if password is not None else None
        return runner.invoke(app, [*args, "--db", database_url], input=stdin, env=env)

    init = run("db", "init", "--admin-password-stdin", stdin=PASSWORD + "\n")
    assert init.exit_code == 0, init.output
    assert PASSWORD not in init.output
    return run


def _login(metsor: Any, user: str = "admin", password: str = PASSWORD) -> Any:
    return metsor("login", "--user", user, "--password-stdin", stdin=password + "\n")


def _session_files(home: Path) -> list[Path]:
    return sorted((home / "sessions").glob("*.json"))


def test_without_a_password_or_a_session_a_command_says_how_to_log_in(metsor: Any) -> None:
    result = metsor("subjects", "list", "--user", "admin")
    assert result.exit_code == 2
    assert "'admin' has not proved who they are" in result.stderr
    assert "metsor login --user admin" in result.stderr
    assert "METSOR_PASSWORD" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("subjects", "list", "--user", "admin"), id="password-in-environment"),
        pytest.param(("login", "--user", "admin"), id="login-from-environment"),
    ],
)
def test_a_wrong_password_is_refused(metsor: Any, args: tuple[str, ...]) -> None:
    result = metsor(*args, password=WRONG)
    assert result.exit_code == 2
    assert result.stderr == "error: option --user: unknown user or wrong password\n"


def test_login_keeps_a_private_session_that_later_commands_use(metsor: Any, home: Path) -> None:
    result = _login(metsor)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("logged in as admin on ")
    assert PASSWORD not in result.output
    (session_file,) = _session_files(home)
    assert home.stat().st_mode & 0o777 == 0o700
    assert session_file.parent.stat().st_mode & 0o777 == 0o700
    assert session_file.stat().st_mode & 0o777 == 0o600
    saved = json.loads(session_file.read_text())
    assert saved["username"] == "admin"
    assert PASSWORD not in session_file.read_text()
    listed = metsor("subjects", "list")  # no --user: the user logged in
    assert (listed.exit_code, listed.stdout) == (0, "no subjects\n")
    other = metsor("subjects", "list", "--user", "monitor")
    assert other.exit_code == 2
    assert "(logged in there: admin)" in other.stderr


def test_logout_ends_the_session_in_the_database(metsor: Any, home: Path) -> None:
    assert _login(metsor).exit_code == 0
    (session_file,) = _session_files(home)
    kept = session_file.read_text()
    result = metsor("logout")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"logged out admin from {json.loads(kept)['database']}\n"
    assert _session_files(home) == []
    session_file.write_text(kept)  # a copy of the token kept from before the logout
    refused = metsor("subjects", "list")
    assert refused.exit_code == 2
    assert "ended (logout)" in refused.stderr
    assert "metsor login --user admin" in refused.stderr
    assert metsor("logout").stdout.endswith("(the session had already expired or ended)\n")
    assert metsor("logout").stdout.startswith("not logged in on ")


def test_an_expired_session_is_refused(
    metsor: Any, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    monkeypatch.setenv("METSOR_SESSION_MINUTES", "30")
    assert _login(metsor).exit_code == 0
    expiry = datetime.fromisoformat(json.loads(_session_files(home)[0].read_text())["expires_at"])
    assert timedelta(minutes=29) < expiry - datetime.now(UTC) <= timedelta(minutes=30)
    assert metsor("subjects", "list").exit_code == 0
    later = expiry + timedelta(seconds=1)
    monkeypatch.setattr("metsor.services.context.utcnow", lambda: later)
    result = metsor("subjects", "list")
    assert result.exit_code == 2
    assert "the login session of 'admin' expired at" in result.stderr
    assert "metsor login --user admin" in result.stderr


def test_five_wrong_passwords_lock_the_user_out(metsor: Any) -> None:
    for _ in range(4):
        assert metsor("subjects", "list", "--user", "admin", password=WRONG).exit_code == 2
    fifth = _login(metsor, password=WRONG)
    assert fifth.exit_code == 2
    assert "5 failed logins in a row lock the user until" in fifth.stderr
    locked = _login(metsor)
    assert locked.exit_code == 2
    assert "'admin' is locked after 5 failed logins in a row until" in locked.stderr


def test_users_are_managed_and_a_deactivated_user_is_refused(metsor: Any) -> None:
    assert _login(metsor).exit_code == 0
    added = metsor("users", "add", "mon1", "--role", "monitor", "--password-stdin",
                   stdin=PASSWORD + "\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert PASSWORD not in added.output
    generated = metsor("users", "add", "stat1", "--role", "statistician", "--json")
    assert generated.exit_code == 0, generated.output
    stat_password = json.loads(generated.stdout)["password"]
    assert metsor("subjects", "list", "--user", "stat1", password=stat_password).exit_code == 0
    role = metsor("users", "role", "mon1", "coordinator", "--site", "TJ", "--reason", "moved")
    assert (role.exit_code, role.stdout) == (0, "user mon1 is now coordinator, site TJ\n")
    assert metsor("subjects", "list", "--user", "mon1", password=PASSWORD).exit_code == 0
    assert metsor("users", "deactivate", "mon1", "--reason", "left").exit_code == 0
    refused = metsor("subjects", "list", "--user", "mon1", password=PASSWORD)
    assert refused.exit_code == 2
    assert "'mon1' is deactivated" in refused.stderr
    reset = metsor("users", "reset-password", "stat1", "--password-stdin", stdin="new password 1\n")
    assert reset.exit_code == 0, reset.output
    assert metsor("subjects", "list", "--user", "stat1", password=stat_password).exit_code == 2
    assert metsor("subjects", "list", "--user", "stat1", password="new password 1").exit_code == 0
    listed = metsor("users", "list")
    assert listed.stdout.splitlines() == [
        "admin\tadmin\t-\tactive",
        "mon1\tcoordinator\tTJ\tdeactivated",
        "stat1\tstatistician\t-\tactive",
    ]
    not_admin = metsor("users", "list", "--user", "stat1", password="new password 1")
    assert not_admin.exit_code == 2
    assert "may not manage users" in not_admin.stderr


def test_login_asks_for_the_user_and_a_hidden_password(metsor: Any) -> None:
    result = metsor("login", stdin=f"admin\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Username: " in result.output
    assert "Password: " in result.output
    assert PASSWORD not in result.output
    assert "logged in as admin on " in result.output


def test_a_login_on_one_database_does_not_act_on_another(
    metsor: Any, tmp_path: Path, home: Path
) -> None:
    assert _login(metsor).exit_code == 0
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    init = runner.invoke(app, ["db", "init", "--db", other, "--admin-password-stdin"],
                         input=PASSWORD + "\n")  # fmt: skip
    assert init.exit_code == 0, init.output
    result = runner.invoke(app, ["subjects", "list", "--db", other])
    assert result.exit_code == 2
    assert "log in first" in result.stderr
    assert len(_session_files(home)) == 1
