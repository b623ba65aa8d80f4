"""The web's audit history and audit download when an audit row cannot be read.

A trial of its own (an audit row is overwritten with SQL behind the application's back, then
put back), served on SQLite and on PostgreSQL: the history page says which row cannot be read
and that ``metsor audit verify`` reports it (409, no server error), the JSON API answers the
same in its detail, a download refused before it starts answers 409, and a download that meets
the row on the way ends with an ``export stopped`` line naming it.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select, update

from metsor.services.casebook import record_lab
from metsor.services.context import unit_of_work
from metsor.services.randomize import randomize_subject
from metsor.store.models.core import AuditLog
from metsor.web.monitoring.audit_csv import STOPPED

from .conftest import WebServer, api_token, browser_login, consented_subjects, serving


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def web_server(request: pytest.FixtureRequest) -> Iterator[WebServer]:
    """A server of this module's own: its trail is spoiled by the tests."""
    with serving(request, "audit-unreadable") as server:
        yield server


@pytest.fixture(scope="module")
def lab_id(web_server: WebServer) -> int:
    """A laboratory value of a randomized subject of site TJ."""
    (subject_id,) = consented_subjects(web_server, 1)
    database = web_server.database()
    try:
        with unit_of_work(database, "coord_tj") as ctx:
            randomize_subject(ctx, subject_id)
        with unit_of_work(database, "coord_tj") as ctx:
            lab = record_lab(ctx, subject_id=subject_id, analyte="albumin", value=38,
                             unit="g/L", collected_on=datetime.now(UTC).date())  # fmt: skip
    finally:
        database.close()
    return lab.id


@pytest.fixture
def spoil(web_server: WebServer) -> Iterator[Callable[[int | None], int]]:
    """``spoil(lab_id)`` overwrites the changes of that value's audit row (``spoil(None)``: of
    the first audit row) and returns the row; every row spoiled is put back after the test."""
    database = web_server.database()
    kept: dict[int, str | None] = {}

    def overwrite(record_id: int | None) -> int:
        with database.engine.begin() as conn:
            statement = select(func.min(AuditLog.seq))
            if record_id is not None:
                statement = select(func.max(AuditLog.seq)).where(
                    AuditLog.table_name == "lab_results", AuditLog.record_id == str(record_id)
                )
            seq: int = conn.execute(statement).scalar_one()
            kept[seq] = conn.execute(
                select(AuditLog.changes).where(AuditLog.seq == seq)
            ).scalar_one()
            conn.execute(update(AuditLog).where(AuditLog.seq == seq).values(changes='[["'))
        return seq

    try:
        yield overwrite
    finally:
        with database.engine.begin() as conn:
            for seq, changes in kept.items():
                conn.execute(update(AuditLog).where(AuditLog.seq == seq).values(changes=changes))
        database.close()


@pytest.fixture
def manager(web_server: WebServer) -> Iterator[httpx.Client]:
    """The data manager, logged in through the form."""
    with httpx.Client(base_url=web_server.url, timeout=30) as client:
        yield browser_login(web_server, "datamgr", client=client)


def _named(seq: int) -> str:
    return f"audit row {seq} cannot be read (its changes: "


def test_the_history_page_says_which_row_cannot_be_read_and_what_reports_it(
    web_server, lab_id, spoil, manager
):
    seq = spoil(lab_id)
    page = manager.get(
        "/history", params={"table": "lab_results", "record_id": lab_id, "field": "value"}
    )
    assert page.status_code == 409, page.text
    shown = html.unescape(page.text)
    assert _named(seq) in shown
    assert "`metsor audit verify` reports it" in shown
    answer = httpx.get(
        f"{web_server.url}/api/v1/history",
        params={"table": "lab_results", "record_id": lab_id, "field": "value"},
        headers=api_token(web_server, "monitor"),
        timeout=30,
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["detail"].startswith(_named(seq))
    assert "Traceback" not in web_server.log.read_text(errors="replace")


def test_the_history_page_reads_again_once_the_row_is_back(web_server, lab_id, manager):
    page = manager.get(
        "/history", params={"table": "lab_results", "record_id": lab_id, "field": "value"}
    )
    assert page.status_code == 200, page.text


def test_a_download_refused_before_it_starts_answers_409_naming_the_row(web_server, spoil):
    seq = spoil(None)
    answer = httpx.get(
        f"{web_server.url}/api/v1/audit/export.csv",
        headers=api_token(web_server, "datamgr"),
        timeout=60,
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["detail"].startswith(_named(seq))


def test_a_download_that_meets_the_row_ends_with_a_line_naming_it(
    web_server, lab_id, spoil, manager
):
    seq = spoil(lab_id)
    with manager.stream("GET", "/monitoring/audit.csv") as answer:
        assert answer.status_code == 200
        body = "".join(answer.iter_text())
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0][-1] == "field_number"
    *read, last = lines[1:]
    assert read
    assert all(int(line[0]) < seq for line in read)
    assert last[0] == STOPPED
    assert last[1].startswith(_named(seq))
    assert last[1].endswith("`metsor audit verify` reports it")
    assert "Traceback" not in web_server.log.read_text(errors="replace")
