"""The first signature of a web login session needs the user ID (21 CFR 11.200(a)(1)(i)), even
when the investigator signed from the command line meanwhile: what counts is a signature made
in that login session, kept by a cookie only the server can make and good for that session
only. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from metsor.services.casebook import correct_value, record_lab
from metsor.services.context import unit_of_work
from metsor.services.randomize import randomize_subject

from .conftest import METSOR, ON_BOTH_DATABASES, USERS, WebServer, consented_subjects, csrf_of

pytestmark = ON_BOTH_DATABASES

Login = Callable[[str], httpx.Client]

PASSWORD = USERS["inv_tj"][2]
USER_ID_FIELD = 'id="sign-user_id"'


def _signable_subject(server: WebServer) -> tuple[str, int]:
    """A randomized subject with a laboratory value today: (subject, lab id)."""
    (subject_id,) = consented_subjects(server, 1)
    database = server.database()
    try:
        with unit_of_work(database, "coord_tj") as ctx:
            randomize_subject(ctx, subject_id)
        with unit_of_work(database, "coord_tj") as ctx:
            lab = record_lab(ctx, subject_id=subject_id, analyte="albumin", value=38,
                             unit="g/L", collected_on=datetime.now(UTC).date())  # fmt: skip
    finally:
        database.close()
    return subject_id, lab.id


def _correct(server: WebServer, lab_id: int) -> None:
    """Correct the laboratory value (which voids the signatures of it)."""
    database = server.database()
    try:
        with unit_of_work(database, "coord_tj") as ctx:
            correct_value(ctx, table="lab_results", record_id=lab_id, field="value", value=36,
                          reason="source document says 36")  # fmt: skip
    finally:
        database.close()


def _sign_on_the_command_line(server: WebServer, subject_id: str) -> None:
    """``metsor sign`` by inv_tj, both components given, proved by ``METSOR_PASSWORD``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("METSOR_")}
    env.update(METSOR_HOME=str(server.home), METSOR_PASSWORD=PASSWORD)
    done = subprocess.run(
        [METSOR, "sign", subject_id, "--db", server.database_url, "--user", "inv_tj",
         "--user-id", "inv_tj", "--password-stdin", "--name", "Dr Tian Jin"],
        input=PASSWORD.encode(), env=env, capture_output=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()


def _sign(client: httpx.Client, page: str, **fields: str) -> httpx.Response:
    token = csrf_of(client.get(page).text)
    data = {"password": PASSWORD, "meaning": "approve", "printed_name": "Dr Tian Jin"}
    return client.post(page, data={**data, **fields, "csrf_token": token})


def test_a_signature_from_the_command_line_does_not_count_for_the_web_session(
    web_server: WebServer, login: Login
) -> None:
    subject_id, lab = _signable_subject(web_server)
    page = f"/subjects/{subject_id}/signoff"
    investigator = login("inv_tj")
    assert USER_ID_FIELD in investigator.get(page).text
    _sign_on_the_command_line(web_server, subject_id)
    form = investigator.get(page).text
    assert "Dr Tian Jin" in form  # the command line's signature is shown
    assert USER_ID_FIELD in form  # and the web session's first signature still needs both
    assert "your first signature since you logged in" in form
    refused = _sign(investigator, page, meaning="review")
    assert refused.status_code == 422
    assert 'id="error-user_id"' in refused.text
    assert _sign(investigator, page, meaning="review", user_id="inv_tj").status_code == 303
    later = investigator.get(page).text
    assert USER_ID_FIELD not in later
    assert "You have already signed in this session" in later
    _correct(web_server, lab)
    assert _sign(investigator, page).status_code == 303  # the password only


@pytest.mark.parametrize(
    "proof",
    [
        pytest.param("another-session", id="the-proof-of-another-login-session"),
        pytest.param("csrf", id="the-csrf-token-of-this-session"),
        pytest.param("made-up", id="a-made-up-value"),
    ],
)
def test_a_proof_of_signing_the_server_did_not_give_this_session_is_refused(
    web_server: WebServer, login: Login, proof: str
) -> None:
    subject_id, _ = _signable_subject(web_server)
    page = f"/subjects/{subject_id}/signoff"
    earlier = login("inv_tj")
    assert _sign(earlier, page, user_id="inv_tj").status_code == 303
    given = earlier.cookies["metsor_signed"]
    investigator = login("inv_tj")
    value = {
        "another-session": given,
        "csrf": csrf_of(investigator.get(page).text),
        "made-up": "0" * len(given),
    }[proof]
    investigator.cookies.set("metsor_signed", value)
    assert USER_ID_FIELD in investigator.get(page).text
    refused = _sign(investigator, page)
    assert refused.status_code == 422
    assert 'id="error-user_id"' in refused.text
