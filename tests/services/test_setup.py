"""``initialize`` (``metsor db init``) when ``METSOR_HOME`` does not exist yet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from metsor.config import default_database_url, settings
from metsor.errors import InputError
from metsor.services.allocation_seed import SeedSource
from metsor.services.context import Database
from metsor.services.setup import create_home_folder, initialize
from metsor.store.models.core import Site

from .conftest import SEED, seed_source


@pytest.fixture
def new_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``METSOR_HOME`` two folders below any that exists, with no seed in the environment."""
    home = tmp_path / "not" / "yet" / "there"
    monkeypatch.setenv("METSOR_HOME", str(home))
    monkeypatch.delenv("METSOR_ALLOCATION_SEED", raising=False)
    monkeypatch.delenv("METSOR_ALLOCATION_SEED_FILE", raising=False)
    return home


def test_init_creates_the_home_folder_of_the_default_database(new_home: Path) -> None:
    database = Database.open(default_database_url())
    try:
        result = initialize(database)
        with database.sessions() as session:
            assert list(session.scalars(select(Site.code))) == ["TJ"]
    finally:
        database.close()
    assert result.scheme_created
    assert result.generated_admin_password is None  # none asked: the admin has no password
    assert new_home.stat().st_mode & 0o777 == 0o700
    assert (new_home / "metsor.sqlite").is_file()
    assert result.seed_origin == str(new_home / "metsor-allocation.key")
    assert (new_home / "metsor-allocation.key").is_file()


def test_init_names_a_home_it_cannot_create(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("")
    monkeypatch.setenv("METSOR_HOME", str(in_the_way / "home"))
    database = Database.open(default_database_url())
    try:
        with pytest.raises(InputError) as caught:
            initialize(database, seed=seed_source())
    finally:
        database.close()
    assert caught.value.field == "METSOR_HOME"
    assert str(in_the_way / "home") in caught.value.message
    assert "Not a directory" in caught.value.message


def test_only_the_default_database_gets_its_folder_made(
    database_url: str, new_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database named explicitly is opened as named: a missing folder is an error there."""
    monkeypatch.setenv("METSOR_ALLOCATION_SEED", SEED.hex())
    assert create_home_folder(database_url, settings()) is None
    assert not new_home.exists()
    mistyped = tmp_path / "mistyped" / "metsor.sqlite"
    database = Database.open(f"sqlite:///{mistyped}")
    try:
        with pytest.raises(InputError) as caught:
            initialize(database, seed=seed_source())
    finally:
        database.close()
    assert caught.value.field == "database_url"
    assert "cannot migrate the database" in caught.value.message
    assert not mistyped.parent.exists()
    database = Database.open(database_url)
    try:
        assert initialize(database, seed=seed_source()).scheme_created
    finally:
        database.close()
    assert create_home_folder(default_database_url(), settings()) == new_home
    assert new_home.is_dir()


def test_a_generated_admin_password_is_returned_once_and_proves_the_admin(
    database: Database,
) -> None:
    from metsor.services.authentication import authenticate

    first = initialize(database, seed=seed_source(), generate_admin_password=True)
    assert first.generated_admin_password is not None
    assert first.generated_admin_password not in repr(first)
    assert "admin_password" not in first.to_dict()
    assert authenticate(database, "admin", first.generated_admin_password).role == "admin"
    again = initialize(database, seed=seed_source(), generate_admin_password=True)
    assert again.generated_admin_password is None


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        pytest.param({"method": "minimization"}, "method", "method permuted_blocks, not "
                     "minimization", id="method"),
        pytest.param({"length_per_stratum": 30}, "length_per_stratum",
                     "length_per_stratum 82, not 30", id="list-length"),
        pytest.param({"block_sizes": (4, 6)}, "block_sizes", "block sizes [2, 4], not [4, 6]",
                     id="block-sizes"),
        pytest.param({"target_enrollment": 90}, "target_enrollment", "target enrollment 82, "
                     "not 90", id="target"),
        pytest.param({"seed": SeedSource(bytes(32), "other")}, "seed", "fingerprint",
                     id="seed"),
        pytest.param({"admin": "chief"}, "admin", "no administrator 'chief'", id="admin"),
        pytest.param({"admin_password": "a long password"}, "admin_password",
                     "does not change a password", id="admin-password"),
    ],
)  # fmt: skip
def test_initialising_again_refuses_what_differs(
    database: Database, options: dict[str, object], field: str, message: str
) -> None:
    initialize(database, seed=seed_source())
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        initialize(database, **options)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert "nothing changed" in caught.value.message
    assert not initialize(database, seed=seed_source(), method="permuted_blocks").scheme_created
