"""The dataset export page: SDTM, ADaM, IPD and the registry results as zip downloads.

Data managers and statisticians download each package, written by the same code as
``metsor export``; monitors, investigators and coordinators get 403; a bad cut-off date is
shown again with its message and nothing is downloaded.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

import httpx
import pytest

from .conftest import ON_BOTH_DATABASES, WebServer, consented_subjects, csrf_of

pytestmark = ON_BOTH_DATABASES

Login = Callable[[str], httpx.Client]


def _download(client: httpx.Client, name: str, cutoff: str = "") -> httpx.Response:
    token = csrf_of(client.get("/exports").text)
    return client.post(f"/exports/{name}", data={"csrf_token": token, "cutoff": cutoff})


def _members(answer: httpx.Response) -> dict[str, bytes]:
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as bundle:
        return {name: bundle.read(name) for name in bundle.namelist()}


@pytest.fixture(scope="module")
def randomized(web_server: WebServer) -> list[str]:
    """Two subjects of site TJ randomized through the API, so that the datasets have rows."""
    subjects = consented_subjects(web_server, 2)
    with httpx.Client(base_url=web_server.url, timeout=60) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": "coord_tj", "password": "coord-tj-password-1"}
        ).json()["access_token"]
        for subject_id in subjects:
            answer = client.post(
                f"/api/v1/subjects/{subject_id}/randomize",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.status_code == 200, answer.text
    return subjects


def test_the_page_lists_the_packages(login: Login) -> None:
    page = login("datamgr").get("/exports")
    assert page.status_code == 200
    for name in ("sdtm", "adam", "ipd", "results"):
        assert f'action="/exports/{name}"' in page.text
    assert 'href="/exports"' in page.text, "the navigation leads to the exports"


@pytest.mark.usefixtures("randomized")
def test_a_data_manager_downloads_sdtm_with_define_xml(login: Login) -> None:
    answer = _download(login("datamgr"), "sdtm")
    assert "metsor-sdtm-" in answer.headers["content-disposition"]
    members = _members(answer)
    names = {name.split("/", 1)[1] for name in members}
    assert "define.xml" in names
    assert {"dm.xpt", "dm.csv", "ae.xpt", "lb.xpt"} <= names
    dm = next(content for name, content in members.items() if name.endswith("/dm.csv"))
    assert dm.count(b"\n") >= 3, "a header and the randomized subjects"


@pytest.mark.usefixtures("randomized")
def test_a_statistician_downloads_adam_ipd_and_the_results(
    login: Login, randomized: list[str]
) -> None:
    client = login("stat")
    adam = {name.split("/", 1)[1] for name in _members(_download(client, "adam"))}
    assert {"adsl.xpt", "adtte.xpt", "define.xml"} <= adam
    ipd = _members(_download(client, "ipd"))
    assert any(name.lower().endswith("readme.md") or "README" in name for name in ipd)
    assert not any(name.endswith(".key") for name in ipd), "the pseudonym key stays home"
    text = b"".join(ipd.values())
    assert all(subject.encode() not in text for subject in randomized), "de-identified"
    results = _members(_download(client, "results"))
    (document,) = results.values()
    assert "resultsSection" in json.loads(document)


@pytest.mark.parametrize("username", ["monitor", "coord_tj", "inv_tj"])
def test_roles_that_may_not_extract_datasets_are_refused(login: Login, username: str) -> None:
    client = login(username)
    assert client.get("/exports").status_code == 403
    token = csrf_of(client.get("/").text)
    answer = client.post("/exports/sdtm", data={"csrf_token": token, "cutoff": ""})
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert 'href="/exports"' not in client.get("/").text


@pytest.mark.parametrize(
    ("cutoff", "message"),
    [("2026-02-30", "cutoff must be a date"), ("1999-01-01", "cutoff")],
)
def test_a_bad_cutoff_is_shown_again_with_its_message(
    login: Login, cutoff: str, message: str
) -> None:
    answer = _download(login("datamgr"), "adam", cutoff)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert 'id="error-cutoff"' in answer.text
    assert message in answer.text
    assert f'value="{cutoff}"' in answer.text


def test_an_unknown_package_is_404(login: Login) -> None:
    assert _download(login("datamgr"), "everything").status_code == 404


def test_a_download_without_its_csrf_token_is_refused(login: Login) -> None:
    answer = login("stat").post("/exports/sdtm", data={"cutoff": ""})
    assert answer.status_code == 403
