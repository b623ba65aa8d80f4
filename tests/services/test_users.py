"""Users and sites: passwords (scrypt), roles, site membership, the bootstrap."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from metsor.config import settings
from metsor.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from metsor.services.allocation_seed import create_seed, load_seed
from metsor.services.authentication import authenticate
from metsor.services.context import unit_of_work
from metsor.services.setup import initialize
from metsor.services.sites import add_site, list_sites
from metsor.services.users import add_user, hash_password, verify_password
from metsor.store.models.core import User

from .conftest import seed_source


def test_password_hashes_are_salted_scrypt_and_verify():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("scrypt$16384$8$1$")
    assert first != second
    assert verify_password("correct horse", first)
    assert not verify_password("correct horsf", first)
    assert not verify_password("anything", None)
    assert not verify_password("anything", "md5$abc")


def test_authenticate_accepts_the_right_password_only(trial):
    with unit_of_work(trial, "admin") as ctx:
        add_user(ctx, username="dm", role="data_manager", password="a long password")
    assert authenticate(trial, "dm", "a long password").role == "data_manager"
    for username, password in (("dm", "wrong password"), ("ghost", "a long password")):
        with pytest.raises(PermissionDeniedError, match="unknown user or wrong password"):
            authenticate(trial, username, password)


@pytest.mark.parametrize(
    ("fields", "message", "field"),
    [
        ({"username": "Bad Name", "role": "monitor"}, "username", "username"),
        ({"username": "x1", "role": "chief"}, "role 'chief'", "role"),
        ({"username": "x2", "role": "investigator"}, "needs a site", "site"),
        ({"username": "x3", "role": "monitor", "password": "short"}, "10 characters", "password"),
    ],
)
def test_invalid_users_are_refused_naming_the_field(trial, fields, message, field):
    with pytest.raises(InputError, match=message) as caught, unit_of_work(trial, "admin") as ctx:
        add_user(ctx, **fields)
    assert caught.value.field == field


def test_duplicate_user_unknown_site_and_non_admin_are_refused(trial):
    with pytest.raises(ConflictError, match="already exists"), unit_of_work(trial, "admin") as c:
        add_user(c, username="monitor", role="monitor")
    with pytest.raises(NotFoundError, match="no site 'ZZ'"), unit_of_work(trial, "admin") as c:
        add_user(c, username="newbie", role="coordinator", site="ZZ")
    with (
        pytest.raises(PermissionDeniedError, match="manage users"),
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        add_user(ctx, username="newbie", role="monitor")


def test_sites_have_unique_codes_and_site_staff_see_only_theirs(trial):
    with unit_of_work(trial, "admin") as ctx:
        added = add_site(ctx, name="Sun Yat-sen University Cancer Center")
    assert added.code == "SYUCC"
    with pytest.raises(ConflictError, match="already has"), unit_of_work(trial, "admin") as ctx:
        add_site(ctx, name="Another", code="BJ")
    with pytest.raises(InputError, match="site code"), unit_of_work(trial, "admin") as ctx:
        add_site(ctx, name="Lowercase", code="b")
    with unit_of_work(trial, "inv_bj", readonly=True) as ctx:
        assert [s.code for s in list_sites(ctx)] == ["BJ"]
    with unit_of_work(trial, "monitor", readonly=True) as ctx:
        assert [s.code for s in list_sites(ctx)] == ["BJ", "SYUCC", "TJ"]


def test_initialize_is_idempotent_and_creates_the_protocol_site(database):
    first = initialize(database, seed=seed_source())
    assert first.scheme_created
    assert first.sites_created == ("TJ",)
    assert first.target_enrollment == 82  # Registry record NCT02672488: 82 participants.
    again = initialize(database, seed=seed_source())
    assert not again.scheme_created
    assert again.seed_fingerprint == first.seed_fingerprint
    with unit_of_work(database, "admin", readonly=True) as ctx:
        assert len(ctx.session.scalars(select(User)).all()) == 1


def test_a_new_seed_goes_to_a_private_key_file(tmp_path, monkeypatch):
    monkeypatch.delenv("METSOR_ALLOCATION_SEED", raising=False)
    monkeypatch.setenv("METSOR_ALLOCATION_SEED_FILE", str(tmp_path / "keys" / "seed.key"))
    place = settings().allocation_seed  # as a database opened now would hold it
    created = create_seed(place)
    assert created.created
    assert (tmp_path / "keys" / "seed.key").stat().st_mode & 0o777 == 0o600
    assert load_seed(place).seed == created.seed
    assert not create_seed(place).created
    monkeypatch.setenv("METSOR_ALLOCATION_SEED", "abcd")
    with pytest.raises(InputError, match="at least 16"):
        load_seed(settings().allocation_seed)
