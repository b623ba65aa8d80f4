"""``initialize`` (``metsor db init``) when ``METSOR_HOME`` does not exist yet."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from metsor.config import default_database_url
from metsor.errors import InputError
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
    assert create_home_folder(database_url) is None
    assert not new_home.exists()
    mistyped = tmp_path / "mistyped" / "metsor.sqlite"
    database = Database.open(f"sqlite:///{mistyped}")
    try:
        with pytest.raises(InputError) as caught:
            initialize(database, seed=seed_source())
    finally:
        database.close()
    assert caught.value.field == "--db"
    assert "cannot migrate the database" in caught.value.message
    assert not mistyped.parent.exists()
    database = Database.open(database_url)
    try:
        assert initialize(database, seed=seed_source()).scheme_created
    finally:
        database.close()
    assert create_home_folder(default_database_url()) == new_home
    assert new_home.is_dir()
