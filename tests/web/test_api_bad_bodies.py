"""The corpus of bad bodies: every ``/api/v1`` route that takes one refuses each the same way.

Each route is sent, by a user who may use it, a body that is not JSON, a list instead of an
object, a value of the wrong type (a text where a number or a day is wanted) and an unknown
field. Each must be a 4xx (422) with no traceback, in the API's one error shape
(:mod:`metsor.web.errors`): ``detail`` in words, ``field``, and ``errors`` listing every fault
with its field — the one at fault among them — and a message, nothing empty (no
``"ctx": {"error": {}}``) and nothing written. A service's refusal (an ``InputError``) has
the same shape. The routes that take no JSON body (randomize, SDV verification; the token's
form) are not here; a route added with one and no entry in :data:`ROUTES` fails
:func:`test_every_api_route_with_a_body_is_in_the_corpus`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select

from metsor.eligibility.examples import eligible_record
from metsor.services.casebook.labs import record_lab
from metsor.services.casebook.queries import raise_query
from metsor.services.context import unit_of_work
from metsor.services.enrollment import register_subject
from metsor.store.models.core import AuditLog
from metsor.web.app import create_app
from metsor.web.settings import WebSettings

from .casebook.enrolled import randomized_days_ago
from .conftest import USERS, WebServer, api_token, csrf_of

#: The keys of every error the API answers.
ERROR_SHAPE = {"detail", "field", "errors"}


@dataclass(frozen=True)
class Route:
    """An API route that takes a body, a user who may use it, a valid body, and a field of
    the body with a value of the wrong type for it (``lesions.0.diameter_mm``: the first
    lesion's)."""

    path: str
    user: str
    valid: dict[str, Any]
    wrong: tuple[str, Any]


_S = "/api/v1/subjects/{subject}"
_LESION = {"lesion_id": "T1", "organ": "liver", "kind": "target", "diameter_mm": 40}

ROUTES = {
    "register": Route("/api/v1/subjects", "coord_tj", {"record": eligible_record()},
                      ("record", "an eligible one")),
    "consent": Route("/api/v1/subjects/{registered}/consent", "coord_tj",
                     {"consent_date": "{today}"}, ("consent_date", "soon")),
    "screening-check": Route("/api/v1/screening/check", "coord_tj", {"record": eligible_record()},
                             ("record", "an eligible one")),
    "lab": Route(_S + "/labs", "coord_tj",
                 {"analyte": "ast", "value": 50, "unit": "U/L", "uln": 40,
                  "collected_on": "{day:3}"}, ("value", "fifty")),
    "adverse-event": Route(_S + "/adverse-events", "coord_tj",
                           {"term": "Fatigue", "grade": 1, "onset_date": "{day:2}",
                            "relatedness": {}, "action_taken": {}}, ("grade", "two")),
    "raise-query": Route("/api/v1/queries", "monitor",
                         {"table": "lab_results", "record_id": "{lab}", "field": "value",
                          "question": "sure?"}, ("record_id", "the lab")),
    "answer-query": Route("/api/v1/queries/{query}/answer", "coord_tj", {"answer": "yes"},
                          ("answer", 5)),
    "close-query": Route("/api/v1/queries/{query}/close", "monitor", {"resolution": "ok"},
                         ("resolution", 5)),
    "visit": Route(_S + "/visits", "coord_tj",
                   {"visit_type": "treatment", "actual_date": "{day:28}"}, ("number", "three")),
    "vital-signs": Route(_S + "/vital-signs", "coord_tj",
                         {"measured_on": "{day:2}", "systolic_mmhg": 120, "diastolic_mmhg": 80},
                         ("systolic_mmhg", "high")),
    "tumour-assessment": Route(_S + "/tumour-assessments", "coord_tj",
                               {"assessed_on": "{day:1}", "lesions": [_LESION]},
                               ("lesions.0.diameter_mm", "big")),
    "dose": Route(_S + "/doses", "coord_tj",
                  {"drug": "sorafenib", "event": "interrupt", "event_date": "{day:5}"},
                  ("event_date", "soon")),
    "therapy": Route(_S + "/anticancer-therapies", "coord_tj",
                     {"name": "TACE", "category": "locoregional", "started_on": "{day:20}"},
                     ("started_on", "soon")),
    "survival-contact": Route(_S + "/survival-contacts", "coord_tj",
                              {"contact_on": "{day:25}", "status": "alive", "method": "phone"},
                              ("contact_on", "soon")),
    "missed-visit": Route(_S + "/missed-visits", "coord_tj",
                          {"visit_type": "treatment", "number": 1, "reason": "too ill",
                           "missed_on": "{day:28}"}, ("number", "first")),
    "death": Route(_S + "/death", "coord_tj", {"death_date": "{day:30}", "cause": "unknown"},
                   ("death_date", "soon")),
    "withdrawal": Route(_S + "/withdrawal", "coord_tj",
                        {"kind": "consent_withdrawn", "withdrawn_on": "{day:30}",
                         "reason": "moved"}, ("withdrawn_on", "soon")),
    "correction": Route(_S + "/corrections", "coord_tj",
                        {"table": "lab_results", "record_id": "{lab}", "field": "value",
                         "value": 45, "reason": "typo"}, ("value", {"a": 1})),
    "sign": Route(_S + "/signatures", "inv_tj",
                  {"user_id": "inv_tj", "password": USERS["inv_tj"][2]}, ("visit_id", "first")),
}  # fmt: skip


@dataclass(frozen=True)
class Trial:
    """The subjects and records the routes act on."""

    randomized: str
    registered: str
    day0: date
    lab: int
    query: int

    def fill(self, value: Any) -> Any:
        """``value`` with the placeholders replaced (``{lab}`` as a number)."""
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if not isinstance(value, str):
            return value
        if value == "{lab}":
            return self.lab
        if value.startswith("{day:"):
            return (self.day0 + timedelta(int(value[5:-1]))).isoformat()
        today = datetime.now(UTC).date().isoformat()
        return (
            value.replace("{subject}", self.randomized)
            .replace("{registered}", self.registered)
            .replace("{query}", str(self.query))
            .replace("{today}", today)
        )


@pytest.fixture(scope="module")
def trial(web_server: WebServer) -> Trial:
    """A randomized and a registered subject at TJ, a laboratory value and a query on it."""
    randomized, _, day0 = randomized_days_ago(web_server, 40)
    database = web_server.database()
    try:
        with unit_of_work(database, "coord_tj") as ctx:
            registered = register_subject(
                ctx, record=eligible_record(), screened_on=datetime.now(UTC).date()
            ).subject_id
            lab = record_lab(
                ctx, subject_id=randomized, analyte="alt", value=50, unit="U/L", uln=40,
                collected_on=day0 + timedelta(1),
            ).id  # fmt: skip
        with unit_of_work(database, "monitor") as ctx:
            query = raise_query(
                ctx, table="lab_results", record_id=lab, field="value", question="confirm?"
            ).id
    finally:
        database.close()
    return Trial(randomized=randomized, registered=registered, day0=day0, lab=lab, query=query)


def _audit_rows(server: WebServer) -> int:
    database = server.database()
    try:
        with unit_of_work(database, "admin", readonly=True) as ctx:
            return int(ctx.session.scalar(select(func.count()).select_from(AuditLog)) or 0)
    finally:
        database.close()


def _with(body: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """``body`` with the field at ``dotted`` (``lesions.0.diameter_mm``) set to ``value``."""
    head, _, rest = dotted.partition(".")
    if not rest:
        return {**body, head: value}
    index, _, field = rest.partition(".")
    rows = [dict(row) for row in body[head]]
    rows[int(index)] = _with(rows[int(index)], field, value)
    return {**body, head: rows}


#: Each bad body: how to make it from the route, and the field its error must name.
BAD_BODIES = {
    "not-json": (lambda route: '{"value": 5,', lambda route: "body"),
    "a-list": (lambda route: [route.valid], lambda route: "body"),
    "wrong-type": (lambda route: _with(route.valid, *route.wrong), lambda route: route.wrong[0]),
    "unknown-field": (lambda route: {**route.valid, "colour": "blue"}, lambda route: "colour"),
}


def _shape_of_an_error(answer: httpx.Response) -> dict[str, Any]:
    """The answer's JSON, checked to be the API's error shape with nothing empty."""
    assert 400 <= answer.status_code < 500, answer.text
    assert "Traceback" not in answer.text
    assert '"ctx"' not in answer.text, answer.text
    assert "{}" not in answer.text, answer.text
    error: dict[str, Any] = answer.json()
    assert set(error) == ERROR_SHAPE, error
    assert isinstance(error["detail"], str)
    assert error["detail"].strip()
    assert error["errors"], error
    for fault in error["errors"]:
        assert set(fault) == {"field", "message"}, fault
        assert isinstance(fault["field"], str), fault
        assert fault["field"].strip(), fault
        assert isinstance(fault["message"], str), fault
        assert fault["message"].strip(), fault
    assert error["field"] == error["errors"][0]["field"]
    return error


@pytest.mark.parametrize("bad", list(BAD_BODIES))
@pytest.mark.parametrize("name", list(ROUTES))
def test_a_bad_body_is_a_4xx_naming_the_field(
    web_server: WebServer, trial: Trial, name: str, bad: str
) -> None:
    route = ROUTES[name]
    make, expected = BAD_BODIES[bad]
    body = make(Route(route.path, route.user, trial.fill(route.valid), route.wrong))
    headers = api_token(web_server, route.user)
    before = _audit_rows(web_server)
    url = web_server.url + trial.fill(route.path)
    if isinstance(body, str):
        headers["Content-Type"] = "application/json"
        answer = httpx.post(url, content=body, headers=headers)
    else:
        answer = httpx.post(url, json=body, headers=headers)
    error = _shape_of_an_error(answer)
    assert answer.status_code == 422, answer.text
    assert expected(route) in [fault["field"] for fault in error["errors"]], error
    assert _audit_rows(web_server) == before


def test_text_that_is_not_json_says_so(web_server: WebServer, trial: Trial) -> None:
    answer = httpx.post(
        f"{web_server.url}/api/v1/subjects/{trial.randomized}/labs",
        content='{"value": 5,',
        headers={**api_token(web_server, "coord_tj"), "Content-Type": "application/json"},
    )
    error = _shape_of_an_error(answer)
    assert error["field"] == "body"
    assert error["errors"][0]["message"].startswith("the body is not valid JSON: ")
    assert error["errors"][0]["message"].endswith("(at character 12)")


def test_a_check_of_the_entry_is_said_in_its_words(web_server: WebServer, trial: Trial) -> None:
    """The entry's own check, in its words, without pydantic's "Value error," before them."""
    answer = httpx.post(
        f"{web_server.url}/api/v1/subjects/{trial.randomized}/labs",
        json={"analyte": "ast", "value": 50, "unit": "furlongs",
              "collected_on": trial.fill("{day:3}")},
        headers=api_token(web_server, "coord_tj"),
    )  # fmt: skip
    error = _shape_of_an_error(answer)
    assert error["errors"] == [{"field": "unit", "message": error["errors"][0]["message"]}], error
    assert error["errors"][0]["message"].startswith("unit 'furlongs' is not accepted for ast")
    assert error["detail"] == f"unit: {error['errors'][0]['message']}"
    assert "Value error" not in answer.text


def test_every_fault_is_listed_with_its_row(web_server: WebServer, trial: Trial) -> None:
    second = {**_LESION, "lesion_id": "T2", "diameter_mm": "big"}
    answer = httpx.post(
        f"{web_server.url}/api/v1/subjects/{trial.randomized}/tumour-assessments",
        json={"assessed_on": "someday", "lesions": [_LESION, second]},
        headers=api_token(web_server, "coord_tj"),
    )
    error = _shape_of_an_error(answer)
    fields = [fault["field"] for fault in error["errors"]]
    assert fields == ["assessed_on", "lesions.1.diameter_mm"], error
    assert all(f"{f['field']}: {f['message']}" in error["detail"] for f in error["errors"])


def test_a_services_refusal_has_the_same_shape(web_server: WebServer, trial: Trial) -> None:
    answer = httpx.post(
        f"{web_server.url}/api/v1/queries",
        json={"table": "lab_results", "record_id": trial.lab, "field": "colour", "question": "?"},
        headers=api_token(web_server, "monitor"),
    )
    assert answer.status_code == 422, answer.text
    error = _shape_of_an_error(answer)
    assert error["field"] == "field"
    assert error["errors"] == [{"field": "field", "message": error["detail"]}]
    assert "lab_results has no field 'colour'" in error["detail"]


def test_a_role_refused_names_the_user_field(web_server: WebServer, trial: Trial) -> None:
    answer = httpx.post(
        f"{web_server.url}/api/v1/subjects/{trial.randomized}/labs",
        json=[],
        headers=api_token(web_server, "stat"),
    )
    assert answer.status_code == 403
    assert _shape_of_an_error(answer)["field"] == "user"


def test_a_route_that_does_not_exist_has_the_same_shape(web_server: WebServer) -> None:
    answer = httpx.get(
        f"{web_server.url}/api/v1/no-such-thing", headers=api_token(web_server, "stat")
    )
    assert answer.status_code == 404
    assert answer.json() == {
        "detail": "Not Found",
        "field": None,
        "errors": [{"field": None, "message": "Not Found"}],
    }


def test_a_bad_value_in_a_pages_path_is_an_error_page(
    web_server: WebServer, trial: Trial, login: Callable[[str], httpx.Client]
) -> None:
    client = login("coord_tj")
    answer = client.post(
        f"/subjects/{trial.randomized}/casebook/queries/first/answer",
        data={"csrf_token": csrf_of(client.get("/").text), "answer": "yes"},
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "query_id: Input should be a valid integer" in answer.text


@pytest.fixture
def routes_with_a_body(
    web_server: WebServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[set[str]]:
    """The application's ``POST`` routes under ``/api/v1`` that take a JSON body."""
    monkeypatch.setenv("METSOR_HOME", str(web_server.home))
    app = create_app(WebSettings(database_url=web_server.database_url, secret=b"k" * 32))
    try:
        yield {
            str(route.path)
            for route in iter_route_contexts(app.routes)
            if route.methods and "POST" in route.methods
            and str(route.path).startswith("/api/v1/") and str(route.path) != "/api/v1/auth/token"
            and getattr(route.original_route, "body_field", None) is not None
        }  # fmt: skip
    finally:
        app.state.metsor.database.close()


def test_every_api_route_with_a_body_is_in_the_corpus(routes_with_a_body: set[str]) -> None:
    named = {
        route.path.replace("{subject}", "{subject_id}")
        .replace("{registered}", "{subject_id}")
        .replace("{query}", "{query_id}")
        for route in ROUTES.values()
    }
    assert routes_with_a_body == named


def test_a_value_of_none_of_its_types_is_told_the_types(
    web_server: WebServer, trial: Trial
) -> None:
    answer = httpx.post(
        f"{web_server.url}/api/v1/subjects/{trial.randomized}/corrections",
        json={"table": "lab_results", "record_id": trial.lab, "field": "value",
              "value": {"a": 1}, "reason": "typo"},
        headers=api_token(web_server, "coord_tj"),
    )  # fmt: skip
    error = _shape_of_an_error(answer)
    assert error["errors"] == [
        {"field": "value", "message": "must be true or false, a whole number, a number or text"}
    ]
