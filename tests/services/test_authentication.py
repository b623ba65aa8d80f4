"""Proving who acts: passwords, lock-out, login sessions and their audit rows.

The ``trial`` database runs on a :class:`~tests.services.conftest.Calendar` clock that the
tests move forward to expire sessions and end lock-outs; its login policy is the default
(sessions of 8 hours, 5 wrong passwords in a row lock a user for 15 minutes).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from metsor.config import LoginPolicy, login_policy
from metsor.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from metsor.services.authentication import (
    authenticate,
    check_session,
    end_session,
    open_session,
)
from metsor.services.context import Database, unit_of_work
from metsor.services.users import (
    change_role,
    deactivate_user,
    list_users,
    reset_password,
)
from metsor.store.audit import FieldEntry, field_entries
from metsor.store.models.auth import LoginAttempt, LoginSession

from .conftest import TRIAL_START

PASSWORD = "a long password"
WRONG = "not the password"
POLICY = LoginPolicy()


@pytest.fixture
def trial_with_passwords(trial: Database) -> Database:
    """The ``trial`` database where ``admin``, ``inv_tj`` and ``monitor`` have :data:`PASSWORD`."""
    with unit_of_work(trial, "admin") as ctx:
        for username in ("admin", "inv_tj", "monitor"):
            reset_password(ctx, username, password=PASSWORD)
    return trial


def _advance(database: Database, delta: timedelta) -> None:
    database.clock.now += delta  # type: ignore[attr-defined]


def _audit_rows(database: Database) -> list[FieldEntry]:
    with database.sessions() as session:
        return list(field_entries(session))


def _attempts(database: Database) -> list[tuple[str, str]]:
    with database.sessions() as session:
        rows = session.scalars(select(LoginAttempt).order_by(LoginAttempt.id))
        return [(row.username, row.outcome) for row in rows]


def test_the_right_password_proves_the_user(trial_with_passwords: Database) -> None:
    assert authenticate(trial_with_passwords, "inv_tj", PASSWORD).role == "investigator"
    assert _attempts(trial_with_passwords) == [("inv_tj", "success")]


@pytest.mark.parametrize(
    ("username", "password"),
    [
        pytest.param("inv_tj", WRONG, id="wrong-password"),
        pytest.param("ghost", PASSWORD, id="unknown-user"),
        pytest.param("coord_tj", PASSWORD, id="user-without-password"),
    ],
)
def test_a_wrong_password_or_unknown_user_gets_one_message(
    trial_with_passwords: Database, username: str, password: str
) -> None:
    with pytest.raises(PermissionDeniedError, match=r"user or wrong password$"):
        authenticate(trial_with_passwords, username, password)


def test_a_wrong_password_is_counted_and_audited_never_the_password(
    trial_with_passwords: Database,
) -> None:
    before = len(_audit_rows(trial_with_passwords))
    for username in ("inv_tj", "ghost"):
        with pytest.raises(PermissionDeniedError):
            authenticate(trial_with_passwords, username, WRONG)
    new = _audit_rows(trial_with_passwords)[before:]
    assert [(r.actor, r.table_name, r.field, r.old_value, r.new_value, r.reason) for r in new] == [
        ("inv_tj", "users", "failed_logins", "0", "1", "wrong password")
    ]
    assert _attempts(trial_with_passwords) == [
        ("inv_tj", "wrong_password"),
        ("ghost", "unknown_user"),
    ]
    every_value = " ".join(f"{r.old_value} {r.new_value} {r.reason}" for r in _audit_rows(
        trial_with_passwords
    ))  # fmt: skip
    assert WRONG not in every_value
    assert PASSWORD not in every_value


def test_five_wrong_passwords_lock_the_user_for_fifteen_minutes(
    trial_with_passwords: Database,
) -> None:
    database = trial_with_passwords
    for _ in range(POLICY.max_failed_logins - 1):
        with pytest.raises(PermissionDeniedError, match=r"user or wrong password$"):
            authenticate(database, "inv_tj", WRONG)
    with pytest.raises(PermissionDeniedError, match="5 failed logins in a row lock the user"):
        authenticate(database, "inv_tj", WRONG)
    with pytest.raises(PermissionDeniedError, match="'inv_tj' is locked after 5 failed logins"):
        authenticate(database, "inv_tj", PASSWORD)
    assert authenticate(database, "monitor", PASSWORD).username == "monitor"  # others unaffected
    _advance(database, POLICY.lockout - timedelta(seconds=1))
    with pytest.raises(PermissionDeniedError, match="is locked"):
        authenticate(database, "inv_tj", PASSWORD)
    _advance(database, timedelta(seconds=1))
    assert authenticate(database, "inv_tj", PASSWORD).failed_logins == 0
    locked = [
        r for r in _audit_rows(database) if r.field == "locked_until" and r.action == "update"
    ]
    assert [(r.actor, r.reason) for r in locked] == [
        ("inv_tj", "wrong password: locked out after 5 failed logins"),
        ("inv_tj", "login: failed-login count reset"),
    ]


def test_simultaneous_wrong_passwords_are_each_counted(trial_with_passwords: Database) -> None:
    # The password is checked before the write transaction; the count is taken under the lock.
    database = trial_with_passwords
    start = threading.Barrier(POLICY.max_failed_logins)

    def wrong_login() -> str:
        start.wait()
        try:
            authenticate(database, "inv_tj", WRONG)
        except PermissionDeniedError as refusal:
            return str(refusal)
        return "logged in"

    with ThreadPoolExecutor(POLICY.max_failed_logins) as pool:
        refusals = list(pool.map(lambda _: wrong_login(), range(POLICY.max_failed_logins)))
    assert sum("5 failed logins in a row lock the user" in r for r in refusals) == 1
    assert all("wrong password" in r for r in refusals)
    assert (
        _attempts(database)[-POLICY.max_failed_logins :]
        == [("inv_tj", "wrong_password")] * POLICY.max_failed_logins
    )
    with pytest.raises(PermissionDeniedError, match="'inv_tj' is locked after 5 failed logins"):
        authenticate(database, "inv_tj", PASSWORD)


def test_a_correct_password_resets_the_count(trial_with_passwords: Database) -> None:
    database = trial_with_passwords
    for _ in range(POLICY.max_failed_logins - 1):
        with pytest.raises(PermissionDeniedError):
            authenticate(database, "inv_tj", WRONG)
    authenticate(database, "inv_tj", PASSWORD)
    for _ in range(POLICY.max_failed_logins - 1):
        with pytest.raises(PermissionDeniedError, match=r"user or wrong password$"):
            authenticate(database, "inv_tj", WRONG)


def test_a_session_proves_its_user_until_it_expires(trial_with_passwords: Database) -> None:
    database = trial_with_passwords
    ticket = open_session(database, "inv_tj", PASSWORD)
    assert ticket.expires_at == database.clock() + POLICY.session_lifetime
    assert check_session(database, "inv_tj", ticket.token).username == "inv_tj"
    with pytest.raises(PermissionDeniedError, match="no login session of 'monitor'"):
        check_session(database, "monitor", ticket.token)
    with pytest.raises(PermissionDeniedError, match="no login session of 'inv_tj'"):
        check_session(database, "inv_tj", ticket.token + "x")
    _advance(database, POLICY.session_lifetime)
    with pytest.raises(PermissionDeniedError, match=r"session of 'inv_tj' expired at .*log in"):
        check_session(database, "inv_tj", ticket.token)
    assert end_session(database, ticket.token) is None  # nothing left to end


def test_logout_ends_the_session_in_the_database(trial_with_passwords: Database) -> None:
    database = trial_with_passwords
    ticket = open_session(database, "inv_tj", PASSWORD)
    assert end_session(database, ticket.token) == "inv_tj"
    with pytest.raises(PermissionDeniedError, match=r"ended \(logout\)"):
        check_session(database, "inv_tj", ticket.token)
    with database.sessions() as session:
        stored = session.scalars(select(LoginSession)).one()
    assert stored.token_digest != ticket.token
    assert ticket.token not in " ".join(str(r.new_value) for r in _audit_rows(database))
    rows = [r for r in _audit_rows(database) if r.table_name == "login_sessions"]
    assert {(r.actor, r.reason) for r in rows} == {("inv_tj", "login"), ("inv_tj", "logout")}


def test_a_deactivated_user_cannot_log_in_and_loses_their_sessions(
    trial_with_passwords: Database,
) -> None:
    database = trial_with_passwords
    ticket = open_session(database, "inv_tj", PASSWORD)
    with unit_of_work(database, "admin") as ctx:
        deactivate_user(ctx, "inv_tj", reason="left the site")
    with pytest.raises(PermissionDeniedError, match="'inv_tj' is deactivated"):
        authenticate(database, "inv_tj", PASSWORD)
    with pytest.raises(PermissionDeniedError, match=r"ended \(deactivated\)"):
        check_session(database, "inv_tj", ticket.token)
    deactivated = [r for r in _audit_rows(database) if r.field == "active"][-1]
    assert (deactivated.actor, deactivated.reason) == ("admin", "left the site")


def test_a_password_reset_lifts_the_lock_and_ends_sessions(trial_with_passwords: Database) -> None:
    database = trial_with_passwords
    ticket = open_session(database, "inv_tj", PASSWORD)
    for _ in range(POLICY.max_failed_logins):
        with pytest.raises(PermissionDeniedError):
            authenticate(database, "inv_tj", WRONG)
    with unit_of_work(database, "admin") as ctx:
        reset_password(ctx, "inv_tj", password="another long one", reason="forgotten")
    assert authenticate(database, "inv_tj", "another long one").username == "inv_tj"
    with pytest.raises(PermissionDeniedError, match=r"ended \(password reset\)"):
        check_session(database, "inv_tj", ticket.token)


def test_users_are_listed_and_their_roles_changed(trial_with_passwords: Database) -> None:
    database = trial_with_passwords
    with unit_of_work(database, "admin") as ctx:
        changed = change_role(ctx, "monitor", role="coordinator", site="BJ", reason="moved")
        assert (changed.role, changed.site) == ("coordinator", "BJ")
        users = {summary.username: summary for summary in list_users(ctx)}
    assert set(users) == {"admin", "coord_tj", "inv_bj", "inv_tj", "monitor", "stat"}
    assert (users["inv_tj"].role, users["inv_tj"].site, users["inv_tj"].active) == (
        "investigator",
        "TJ",
        True,
    )
    role_rows = [r for r in _audit_rows(database) if r.field == "role" and r.action == "update"]
    assert [(r.actor, r.old_value, r.new_value, r.reason) for r in role_rows] == [
        ("admin", '"monitor"', '"coordinator"', "moved")
    ]


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        pytest.param(
            lambda ctx: change_role(ctx, "admin", role="monitor"),
            ConflictError,
            "only active administrator",
            id="last-admin-role",
        ),
        pytest.param(
            lambda ctx: deactivate_user(ctx, "admin"),
            ConflictError,
            "cannot deactivate themselves",
            id="self",
        ),
        pytest.param(
            lambda ctx: change_role(ctx, "stat", role="investigator"),
            Exception,
            "needs a site",
            id="site-role-without-site",
        ),
        pytest.param(
            lambda ctx: deactivate_user(ctx, "ghost"),
            NotFoundError,
            "no user 'ghost'",
            id="unknown-user",
        ),
    ],
)
def test_user_changes_that_are_refused(
    trial_with_passwords: Database, change: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message), unit_of_work(trial_with_passwords, "admin") as ctx:
        change(ctx)  # type: ignore[operator]


def test_only_an_administrator_manages_users(trial_with_passwords: Database) -> None:
    with (
        pytest.raises(PermissionDeniedError, match="may not manage users"),
        unit_of_work(trial_with_passwords, "monitor", readonly=True) as ctx,
    ):
        list_users(ctx)


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        pytest.param("METSOR_SESSION_MINUTES", "30", "session_lifetime", timedelta(minutes=30),
                     id="session"),
        pytest.param("METSOR_LOGIN_ATTEMPTS", "3", "max_failed_logins", 3, id="attempts"),
        pytest.param("METSOR_LOCKOUT_MINUTES", " 60 ", "lockout", timedelta(hours=1),
                     id="lockout"),
    ],
)  # fmt: skip
def test_the_login_policy_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str, expected: object
) -> None:
    monkeypatch.setenv(variable, value)
    assert getattr(login_policy(), field) == expected


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        pytest.param("METSOR_SESSION_MINUTES", "0", id="session-zero"),
        pytest.param("METSOR_SESSION_MINUTES", "1e9", id="session-not-whole"),
        pytest.param("METSOR_SESSION_MINUTES", "100000", id="session-above-a-week"),
        pytest.param("METSOR_LOGIN_ATTEMPTS", "-5", id="attempts-negative"),
        pytest.param("METSOR_LOCKOUT_MINUTES", "fifteen", id="lockout-words"),
    ],
)
def test_a_login_setting_out_of_bounds_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InputError, match="must be a whole number from") as caught:
        login_policy()
    assert caught.value.field == variable


def test_the_database_applies_the_policy_it_was_opened_with(database_url: str) -> None:
    from .conftest import Calendar, setup_trial

    short = LoginPolicy(session_lifetime=timedelta(minutes=5), max_failed_logins=2)
    database = Database.open(database_url, clock=Calendar(TRIAL_START), login_policy=short)
    try:
        setup_trial(database)
        with unit_of_work(database, "admin") as ctx:
            reset_password(ctx, "inv_tj", password=PASSWORD)
        ticket = open_session(database, "inv_tj", PASSWORD)
        assert ticket.expires_at == TRIAL_START + timedelta(minutes=5)
        with pytest.raises(PermissionDeniedError):
            authenticate(database, "inv_tj", WRONG)
        with pytest.raises(PermissionDeniedError, match="2 failed logins in a row lock"):
            authenticate(database, "inv_tj", WRONG)
    finally:
        database.close()
