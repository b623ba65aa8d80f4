"""Counts written on the monitoring pages take the singular for one: "1 entry to verify", "1
row" of a signature. On a trial of this module's own, so that one site's worklist holds only
what these tests make."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from metsor.services.casebook import record_visit
from metsor.services.context import unit_of_work
from metsor.services.monitoring.sdv import sdv_status, verify_entry
from metsor.services.randomize import randomize_subject

from .conftest import USERS, WebServer, consented_subjects, csrf_of, serving

Login = Callable[[str], httpx.Client]


@pytest.fixture(scope="module", params=["sqlite"])
def web_server(request: pytest.FixtureRequest) -> Iterator[WebServer]:
    """``metsor serve`` on a fresh trial of this module's own."""
    with serving(request, "monitoring-counts-server") as server:
        yield server


def _worklist_of_bj(server: WebServer) -> list[tuple[str, int]]:
    """(table, record id) of the entries of site BJ still to verify."""
    database = server.database()
    try:
        with unit_of_work(database, "monitor", readonly=True) as ctx:
            status = sdv_status(ctx, site="BJ")
    finally:
        database.close()
    return [
        (item.split(" ")[0], int(item.split(" ")[1]))
        for row in status.subjects
        for item in row.worklist
    ]


def _verify(server: WebServer, table: str, record_id: int) -> None:
    database = server.database()
    try:
        with unit_of_work(database, "monitor") as ctx:
            verify_entry(ctx, table=table, record_id=record_id)
    finally:
        database.close()


@pytest.mark.parametrize(
    ("left", "text"),
    [
        pytest.param(2, "2 entries to verify.", id="two"),
        pytest.param(1, "1 entry to verify.", id="one"),
        pytest.param(0, "0 entries to verify.", id="none"),
    ],
)
def test_the_worklist_counts_its_entries(
    web_server: WebServer, login: Login, left: int, text: str
) -> None:
    if len(_worklist_of_bj(web_server)) < left:
        consented_subjects(web_server, 1, user="coord_bj")
    worklist = _worklist_of_bj(web_server)
    assert len(worklist) >= left
    for table, record_id in worklist[left:]:
        _verify(web_server, table, record_id)
    page = login("monitor").get("/monitoring/sdv", params={"site": "BJ"})
    assert page.status_code == 200
    assert f'<p class="muted" id="worklist-total">{text}</p>' in page.text


def test_a_signature_of_one_row_says_so(web_server: WebServer, login: Login) -> None:
    (subject_id,) = consented_subjects(web_server, 1)
    database = web_server.database()
    try:
        with unit_of_work(database, "coord_tj") as ctx:
            randomize_subject(ctx, subject_id)
        with unit_of_work(database, "coord_tj") as ctx:
            visit = record_visit(ctx, subject_id=subject_id, visit_type="unscheduled",
                                 actual_date=datetime.now(UTC).date()).id  # fmt: skip
    finally:
        database.close()
    page = f"/subjects/{subject_id}/signoff"
    investigator = login("inv_tj")
    signed = investigator.post(
        page,
        data={"user_id": "inv_tj", "password": USERS["inv_tj"][2], "meaning": "review",
              "printed_name": "Dr Tian Jin", "scope": f"visit:{visit}",
              "csrf_token": csrf_of(investigator.get(page).text)},
    )  # fmt: skip
    assert signed.status_code == 303
    shown = investigator.get(page).text
    assert f"Visit {visit}</span>" in shown
    assert "· 1 row ·" in shown
