"""Exactly once through the web: simultaneous randomizations take consecutive list positions.

Fifty ``POST /api/v1/subjects/{id}/randomize`` for fifty consented subjects at once consume
fifty consecutive positions of the stratum's list (one stratum: the same record for all;
the server is shared with other modules, so the run may start past position 1),
each subject once; two at once for one subject allocate it once (one 200, one 409). A request
answered 409 because the database was busy (never a lost write) is sent again.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import httpx

from .conftest import ON_BOTH_DATABASES, WebServer, api_token, consented_subjects

pytestmark = ON_BOTH_DATABASES

_BUSY = "the database is busy"


def _randomize(
    server: WebServer, headers: dict[str, str], subject_id: str, start: Barrier
) -> httpx.Response:
    start.wait()
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        while True:
            answer = client.post(f"/api/v1/subjects/{subject_id}/randomize")
            if answer.status_code != 409 or _BUSY not in answer.text:
                return answer


def test_fifty_at_once_take_fifty_consecutive_positions(web_server: WebServer) -> None:
    subjects = consented_subjects(web_server, 50)
    headers = api_token(web_server, "coord_tj")
    start = Barrier(50)
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda s: _randomize(web_server, headers, s, start), subjects))
    assert [a.status_code for a in answers] == [200] * 50, [
        a.text for a in answers if a.status_code != 200
    ]
    results = [a.json() for a in answers]
    assert sorted(r["subject_id"] for r in results) == sorted(subjects)
    assert len({r["stratum"] for r in results}) == 1
    positions = sorted(r["list_position"] for r in results)
    assert positions == list(range(positions[0], positions[0] + 50))
    numbers = sorted(r["enrollment_number"] for r in results)
    assert numbers == list(range(numbers[0], numbers[0] + 50))


def test_two_at_once_for_one_subject_allocate_once(web_server: WebServer) -> None:
    (subject_id,) = consented_subjects(web_server, 1)
    headers = api_token(web_server, "coord_tj")
    start = Barrier(2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(
            pool.map(lambda _: _randomize(web_server, headers, subject_id, start), range(2))
        )
    assert sorted(a.status_code for a in answers) == [200, 409]
    listed = httpx.get(f"{web_server.url}/api/v1/subjects", headers=headers).json()
    assert [row["subject_id"] for row in listed].count(subject_id) == 1
    winner = next(a.json() for a in answers if a.status_code == 200)
    shown = httpx.get(f"{web_server.url}/api/v1/subjects/{subject_id}", headers=headers).json()
    assert shown["allocation"]["list_position"] == winner["list_position"]
