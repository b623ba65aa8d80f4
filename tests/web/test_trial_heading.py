"""Every page names the trial the database runs — the protocol stored at ``db init`` — in its
title and header, and the login page and the API's summary name it too: a SHARP database is
served as SHARP, not as METSOR."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI

from metsor.protocol import builtin
from metsor.services.allocation_seed import SeedSource
from metsor.services.context import Database
from metsor.services.setup import initialize
from metsor.web import WebSettings, create_app

Get = Callable[[str], httpx.Response]


@pytest.fixture
def served_app(
    request: pytest.FixtureRequest,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[FastAPI]:
    """The web application on a trial initialised with the protocol ``request.param``."""
    monkeypatch.setenv("METSOR_HOME", str(tmp_path))
    database = Database.open(database_url)
    try:
        initialize(
            database,
            seed=SeedSource(bytes(range(32)), "tests"),
            protocol=builtin(request.param),
        )
    finally:
        database.close()
    app = create_app(WebSettings(database_url=database_url))
    try:
        yield app
    finally:
        app.state.metsor.database.close()


@pytest.fixture
def served(served_app: FastAPI) -> Get:
    """GET on :func:`served_app`."""

    async def fetch(path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=served_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.get(path)

    return lambda path: anyio.run(fetch, path)


@pytest.mark.parametrize(
    ("served_app", "labels"),
    [
        pytest.param("NCT02672488", {"sorafenib_metformin": "Sorafenib + Metformin",
                                     "sorafenib": "Sorafenib"}, id="metsor"),
        pytest.param("NCT00105443", {"sorafenib": "Sorafenib", "placebo": "Placebo"},
                     id="sharp"),
    ],
    indirect=["served_app"],
)  # fmt: skip
def test_pages_write_an_arm_as_the_protocol_labels_it(
    served_app: FastAPI, labels: dict[str, str]
) -> None:
    """The filter the dashboard, subject list, subject, randomization and casebook pages write
    an arm with: the protocol's label, not the code with its underscores made spaces."""
    environment = served_app.state.metsor.templates.env
    for code, label in labels.items():
        assert environment.filters["arm_label"](code) == label
    assert environment.filters["arm_label"]("not randomized") == "not randomized"


@pytest.mark.parametrize(
    ("served_app", "name", "title", "other"),
    [
        pytest.param("NCT02672488", "METSOR", "Metformin Plus Sorafenib for Advanced HCC",
                     "NCT00105443", id="metsor"),
        pytest.param("NCT00105443", "SHARP", "A Phase III Study of Sorafenib in Patients",
                     "NCT02672488", id="sharp"),
    ],
    indirect=["served_app"],
)  # fmt: skip
def test_the_pages_name_the_trial_of_the_database(
    served: Get, name: str, title: str, other: str
) -> None:
    nct_id = {"METSOR": "NCT02672488", "SHARP": "NCT00105443"}[name]
    page = served("/login")
    assert page.status_code == 200
    assert f"<title>Log in · {nct_id}</title>" in page.text
    assert f'<span class="trial" title="{title}' in page.text
    assert f">{nct_id} · {name}</span>" in page.text
    assert f"data managers of the {name} trial." in page.text
    assert other not in page.text
    assert "METSOR" not in page.text or name == "METSOR"
    summary = served("/openapi.json").json()["info"]["summary"]
    assert summary == f"{nct_id} ({name}): screening, randomization and casebooks"
