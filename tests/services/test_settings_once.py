"""Every setting read once, in :mod:`metsor.config`, and handed to the services by the database.

Three guarantees: :func:`metsor.config.settings` reads each ``METSOR_*`` variable of the table
in :mod:`metsor.config` at most once and puts it where the table says; a database opened with
a setting keeps it, so that a service sees the value of the opening even after the
environment changes; and no module of :mod:`metsor.services` reads the environment itself
(a scan of their source, shown to catch a read in its own cases).
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import metsor.services
from metsor.config import ALBUMIN_CUTOFF_ENV, REQUIRE_BCLC_C_ENV, Settings, settings
from metsor.eligibility import screen
from metsor.errors import InputError
from metsor.services.context import Database, unit_of_work
from metsor.services.reports import verify_audit
from metsor.services.screening_preview import preview_screening
from metsor.services.setup import initialize
from metsor.store.audit.chain import key_fingerprint

from .conftest import SEED, record_for, seed_source

HOME = Path("/srv/metsor-home")

#: Every variable of the settings table: a value, and where :class:`Settings` holds it.
SETTINGS_TABLE = [
    pytest.param("METSOR_HOME", "/srv/metsor-home", lambda s: s.home, HOME, id="home"),
    pytest.param(
        "METSOR_DATABASE_URL", "sqlite:///trial.sqlite", lambda s: s.database_url,
        "sqlite:///trial.sqlite", id="database-url",
    ),
    pytest.param("METSOR_AUDIT_KEY", "ab" * 32, lambda s: s.audit_key.text, "ab" * 32,
                 id="audit-key"),
    pytest.param("METSOR_AUDIT_KEY_FILE", "/keys/audit.key", lambda s: s.audit_key.file,
                 Path("/keys/audit.key"), id="audit-key-file"),
    pytest.param("METSOR_AUDIT_ANCHOR_FILE", "/anchors/a.anchor",
                 lambda s: s.audit_anchor_file, Path("/anchors/a.anchor"), id="anchor-file"),
    pytest.param("METSOR_ALLOCATION_SEED", "cd" * 32, lambda s: s.allocation_seed.text,
                 "cd" * 32, id="allocation-seed"),
    pytest.param("METSOR_ALLOCATION_SEED_FILE", "/keys/seed.key",
                 lambda s: s.allocation_seed.file, Path("/keys/seed.key"), id="seed-file"),
    pytest.param(REQUIRE_BCLC_C_ENV, "false", lambda s: s.eligibility.require_bclc_c, False,
                 id="require-bclc-c"),
    pytest.param(ALBUMIN_CUTOFF_ENV, "3.0", lambda s: s.eligibility.albumin_cutoff_g_dl, 3.0,
                 id="albumin-cutoff"),
    pytest.param("METSOR_SESSION_MINUTES", "30", lambda s: s.login.session_lifetime,
                 timedelta(minutes=30), id="session-minutes"),
    pytest.param("METSOR_LOGIN_ATTEMPTS", "3", lambda s: s.login.max_failed_logins, 3,
                 id="login-attempts"),
    pytest.param("METSOR_LOCKOUT_MINUTES", "60", lambda s: s.login.lockout, timedelta(hours=1),
                 id="lockout-minutes"),
]  # fmt: skip

#: Variables whose default lies in ``METSOR_HOME``: without them, the file is there.
HOME_DEFAULTS = [
    pytest.param(lambda s: s.audit_key.file, "metsor-audit.key", id="audit-key-file"),
    pytest.param(lambda s: s.audit_anchor_file, "metsor-audit.anchor", id="anchor-file"),
    pytest.param(lambda s: s.allocation_seed.file, "metsor-allocation.key", id="seed-file"),
    pytest.param(lambda s: Path(s.database_url.removeprefix("sqlite:///")), "metsor.sqlite",
                 id="database"),
]  # fmt: skip


class CountingEnviron(Mapping[str, str]):
    """An environment that counts how often each variable is read."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)
        self.reads: Counter[str] = Counter()

    def __getitem__(self, key: str) -> str:
        self.reads[key] += 1
        return self._values[key]

    def get(self, key: str, default: Any = None) -> Any:
        self.reads[key] += 1
        return self._values.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


@pytest.mark.parametrize(("variable", "value", "where", "expected"), SETTINGS_TABLE)
def test_each_variable_is_read_once_into_its_setting(
    variable: str, value: str, where: Callable[[Settings], Any], expected: Any
) -> None:
    environ = CountingEnviron({variable: value})
    resolved = settings(environ=environ)
    assert where(resolved) == expected
    assert environ.reads[variable] == 1
    assert max(environ.reads.values()) == 1, environ.reads


@pytest.mark.parametrize(("where", "name"), HOME_DEFAULTS)
def test_the_files_default_to_the_home_folder(where: Callable[[Settings], Path], name: str) -> None:
    assert where(settings(environ={"METSOR_HOME": str(HOME)})) == HOME / name


def test_a_flag_wins_over_the_environment() -> None:
    environ = CountingEnviron({"METSOR_DATABASE_URL": "sqlite:///other.sqlite"})
    assert (
        settings("sqlite:///flag.sqlite", environ=environ).database_url == "sqlite:///flag.sqlite"
    )


def _opened_with(
    url: str, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, later: str
) -> Database:
    """The database opened with ``variable=value``, the environment then set to ``later``."""
    monkeypatch.setenv(variable, value)
    database = Database.open(url)
    monkeypatch.setenv(variable, later)
    return database


#: A setting each service reads from its context: the value the database is opened with,
#: another set after, what the service sees (as text) and must see; ``{tmp}`` is the test's
#: temporary folder.
REACHING_THE_SERVICES = [
    pytest.param("METSOR_ALLOCATION_SEED", SEED.hex(), "ef" * 32,
                 lambda ctx: ctx.seed_place.text, SEED.hex(), id="allocation-seed"),
    pytest.param("METSOR_ALLOCATION_SEED_FILE", "{tmp}/opened.key", "{tmp}/later.key",
                 lambda ctx: ctx.seed_place.file, "{tmp}/opened.key", id="seed-file"),
    pytest.param("METSOR_AUDIT_ANCHOR_FILE", "{tmp}/opened.anchor", "{tmp}/later.anchor",
                 lambda ctx: ctx.anchor_file, "{tmp}/opened.anchor", id="anchor-file"),
    pytest.param(ALBUMIN_CUTOFF_ENV, "3.0", "2.8",
                 lambda ctx: ctx.eligibility.albumin_cutoff_g_dl, "3.0", id="albumin-cutoff"),
    pytest.param(REQUIRE_BCLC_C_ENV, "false", "true",
                 lambda ctx: ctx.eligibility.require_bclc_c, "False", id="require-bclc-c"),
]  # fmt: skip


@pytest.mark.parametrize(("variable", "value", "later", "seen", "expected"),
                         REACHING_THE_SERVICES)  # fmt: skip
def test_a_service_sees_the_setting_its_database_was_opened_with(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    variable: str,
    value: str,
    later: str,
    seen: Callable[[Any], Any],
    expected: str,
) -> None:
    tmp = str(tmp_path)
    database = _opened_with(
        database_url, monkeypatch, variable, value.format(tmp=tmp), later.format(tmp=tmp)
    )
    try:
        initialize(database, seed=seed_source())
        with unit_of_work(database, "admin", readonly=True) as ctx:
            assert str(seen(ctx)) == expected.format(tmp=tmp)
    finally:
        database.close()


def test_the_login_policy_is_the_one_of_the_opening(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = _opened_with(database_url, monkeypatch, "METSOR_SESSION_MINUTES", "30", "90")
    try:
        assert database.login_policy.session_lifetime == timedelta(minutes=30)
    finally:
        database.close()


def test_db_init_writes_the_key_and_seed_where_the_opening_said(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The home, the audit key file and the seed file of the opening, not those set after."""
    opened, later = tmp_path / "opened", tmp_path / "later"
    monkeypatch.delenv("METSOR_ALLOCATION_SEED", raising=False)
    monkeypatch.setenv("METSOR_HOME", str(opened))
    database = Database.open(database_url)
    monkeypatch.setenv("METSOR_HOME", str(later))
    monkeypatch.setenv("METSOR_AUDIT_KEY_FILE", str(later / "audit.key"))
    try:
        result = initialize(database)
    finally:
        database.close()
    assert result.audit_key_origin == str(opened / "metsor-audit.key")
    assert result.seed_origin == str(opened / "metsor-allocation.key")
    assert (opened / "metsor-audit.key").is_file()
    assert not later.exists()


def test_the_chain_is_keyed_with_the_key_of_the_opening(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened, later = bytes(range(32)), bytes(range(1, 33))
    database = _opened_with(
        database_url, monkeypatch, "METSOR_AUDIT_KEY", opened.hex(), later.hex()
    )
    try:
        result = initialize(database, seed=seed_source())
    finally:
        database.close()
    assert result.audit_key_origin == "environment"
    assert result.audit_key_fingerprint == key_fingerprint(opened)


@pytest.mark.parametrize(
    ("variable", "text"),
    [
        pytest.param(REQUIRE_BCLC_C_ENV, "maybe", id="require-bclc-c"),
        pytest.param(ALBUMIN_CUTOFF_ENV, "low", id="albumin-cutoff"),
    ],
)
def test_a_malformed_eligibility_setting_is_refused_where_it_is_used(
    variable: str, text: str
) -> None:
    resolved = settings(environ={variable: text})  # reading the settings is not refused
    with pytest.raises(InputError, match=variable) as caught:
        screen(record_for(), settings=resolved.eligibility)
    assert caught.value.field == variable
    assert repr(text) in caught.value.message
    assert resolved.login.max_failed_logins == 5  # the other settings read as given
    assert "RefusedEligibilitySettings" in repr(resolved.eligibility)


def test_only_the_refused_eligibility_setting_is_refused() -> None:
    resolved = settings(environ={REQUIRE_BCLC_C_ENV: "maybe", ALBUMIN_CUTOFF_ENV: "3.0"})
    assert resolved.eligibility.albumin_cutoff_g_dl == 3.0
    with pytest.raises(InputError, match=REQUIRE_BCLC_C_ENV):
        _ = resolved.eligibility.require_bclc_c


# The scan: no module of metsor.services reads the environment.

#: What reads or changes the process environment.
_ENVIRONMENT_NAMES = frozenset({"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"})


def environment_reads(source: str) -> list[int]:
    """The lines of ``source`` that touch the process environment (``os.environ``, ``getenv``)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            names = {node.attr}
        elif isinstance(node, ast.Name):
            names = {node.id}
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            names = {alias.name for alias in node.names}
        else:
            continue
        if names & _ENVIRONMENT_NAMES:
            lines.append(node.lineno)
    return lines


def _service_modules() -> list[Path]:
    folder = Path(metsor.services.__file__).parent
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("import os\nseed = os.environ.get('METSOR_ALLOCATION_SEED')\n", id="get"),
        pytest.param("import os\nhome = os.environ['METSOR_HOME']\n", id="item"),
        pytest.param("import os\nkey = os.getenv('METSOR_AUDIT_KEY')\n", id="getenv"),
        pytest.param("from os import environ\nhome = environ['METSOR_HOME']\n", id="from-os"),
        pytest.param("import os as system\nurl = system.environ.get('X')\n", id="aliased"),
    ],
)
def test_the_scan_catches_an_environment_read(source: str) -> None:
    assert 2 in environment_reads(source)  # the line that reads


def test_the_scan_passes_the_environment_word_in_text() -> None:
    source = '"""Read from the environment once."""\norigin = "environment"\n'
    assert environment_reads(source) == []


def test_no_service_reads_the_environment() -> None:
    modules = _service_modules()
    assert len(modules) > 20  # the package was found
    found = {
        str(path.relative_to(path.parents[1])): lines
        for path in modules
        if (lines := environment_reads(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_web_screening_page_is_refused_a_malformed_setting_and_the_verification_is_not(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live checklist (the web answers its InputError 422) screens; verifying does not."""
    monkeypatch.setenv(REQUIRE_BCLC_C_ENV, "maybe")
    database = Database.open(database_url)  # opening is not refused
    try:
        initialize(database, seed=seed_source())
        with pytest.raises(InputError, match="'maybe'") as caught:
            preview_screening(database, record_for())
        with unit_of_work(database, "admin", readonly=True) as ctx:
            assert verify_audit(ctx).checks  # runs whatever the setting says
    finally:
        database.close()
    assert caught.value.field == REQUIRE_BCLC_C_ENV
