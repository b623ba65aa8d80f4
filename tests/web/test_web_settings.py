"""The web application takes its settings from its database's opening, not at request time.

The CSRF key and the de-identified IPD's pseudonym key are kept in the home folder of the
settings the database was opened with; a worker process of ``metsor serve`` serves with the
login policy the command resolved. Each test changes the environment after the opening (or
gives the worker another one) and shows that the value of the opening is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI

from metsor.cli.serve import app_from_environment, worker_settings
from metsor.config import LoginPolicy
from metsor.errors import InputError
from metsor.services.allocation_seed import SeedSource
from metsor.services.context import Database, unit_of_work
from metsor.services.setup import initialize
from metsor.web import WebSettings, create_app
from metsor.web.exports.packages import PACKAGES
from metsor.web.settings import CSRF_KEY_FILE, csrf_key

#: A login policy other than the defaults and the environment of the tests.
RESOLVED = LoginPolicy(
    session_lifetime=timedelta(minutes=30), max_failed_logins=3, lockout=timedelta(hours=1)
)


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The home folder of the opening (``METSOR_HOME`` now) and the one set later."""
    opened, later = tmp_path / "opened", tmp_path / "later"
    opened.mkdir()
    monkeypatch.setenv("METSOR_HOME", str(opened))
    return opened, later


@pytest.fixture
def trial_url(database_url: str, homes: tuple[Path, Path]) -> str:
    """An initialised trial, its audit key in the home of the opening."""
    database = Database.open(database_url)
    try:
        initialize(database, seed=SeedSource(bytes(range(32)), "tests"))
    finally:
        database.close()
    return database_url


@contextmanager
def _closing(app: FastAPI) -> Iterator[FastAPI]:
    """The application, its database closed at the end (its lifespan is not run here)."""
    try:
        yield app
    finally:
        app.state.metsor.database.close()


def test_the_csrf_key_is_kept_in_the_home_of_the_opening(
    trial_url: str, homes: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened, later = homes
    with _closing(create_app(WebSettings(database_url=trial_url))) as app:
        monkeypatch.setenv("METSOR_HOME", str(later))
        kept = (opened / CSRF_KEY_FILE).read_text(encoding="ascii").strip()
        assert app.state.metsor.secret == bytes.fromhex(kept)
    assert not later.exists()


def test_a_csrf_key_that_cannot_be_kept_names_the_home_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(InputError, match="cannot read or create the CSRF key") as caught:
        csrf_key(blocker)
    assert caught.value.field == "METSOR_HOME"


def test_the_ipd_pseudonym_key_is_kept_in_the_home_it_is_given(
    trial_url: str, homes: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened, later = homes
    database = Database.open(trial_url)
    monkeypatch.setenv("METSOR_HOME", str(later))
    try:
        with unit_of_work(database, "admin", readonly=True) as ctx:
            PACKAGES["ipd"].write(ctx, tmp_path / "package", None, database.settings.home)
    finally:
        database.close()
    assert (opened / "metsor-ipd.key").is_file()
    assert not later.exists()
    assert not any(path.suffix == ".key" for path in (tmp_path / "package").rglob("*"))


def test_a_worker_serves_with_the_login_policy_serve_resolved(
    trial_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed = worker_settings(trial_url, idle_minutes=20, https=True, login=RESOLVED)
    monkeypatch.setenv("METSOR_SERVE_SETTINGS", handed)
    monkeypatch.setenv("METSOR_SESSION_MINUTES", "90")  # not read again by the worker
    monkeypatch.setenv("METSOR_LOGIN_ATTEMPTS", "7")
    with _closing(app_from_environment()) as app:
        state = app.state.metsor
        assert state.database.login_policy == RESOLVED
        assert (state.settings.idle_timeout, state.settings.https) == (timedelta(minutes=20), True)


def test_the_web_application_takes_the_login_policy_of_the_opening_by_default(
    trial_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METSOR_SESSION_MINUTES", "30")
    with _closing(create_app(WebSettings(database_url=trial_url))) as app:
        assert app.state.metsor.database.login_policy.session_lifetime == timedelta(minutes=30)
