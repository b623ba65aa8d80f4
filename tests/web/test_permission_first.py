"""Who may act is checked before what they sent: every write route, API and form.

A role that may not perform a route's action gets 403 naming its role whatever the body —
one the schema or the service would refuse (422) as well as a valid one — and nothing is
written (the audit trail, which records every write, keeps its length). The table of cases
holds every ``POST`` route of the application but those open to every user
(:data:`OPEN_TO_EVERY_USER`); a route added without a case fails
:func:`test_every_write_route_has_a_case`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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
from metsor.web.permissions import PermissionFirstRoute, action_of
from metsor.web.settings import WebSettings

from .casebook.enrolled import randomized_days_ago
from .conftest import (
    USERS,
    WebServer,
    api_token,
    consented_subjects,
    csrf_of,
    eligible_form,
)

Login = Callable[[str], httpx.Client]

#: In a JSON body: the id of the trial's laboratory value, as a number.
LAB = object()

_DAY = re.compile(r"\{day:(-?\d+)\}")

#: ``POST`` routes any logged-in user (or anyone, to log in) may use: nothing to refuse.
OPEN_TO_EVERY_USER = frozenset(
    {
        "/login",
        "/logout",
        "/api/v1/auth/token",
        "/api/v1/screening/check",  # screens a record, stores nothing
        "/subjects/check",  # the screening form's live checklist, stores nothing
    }
)


@dataclass(frozen=True)
class Case:
    """A write route, a user whose role may not use it, and two bodies to send.

    ``route`` is the route as the application names it; its parameters are filled from the
    trial (``subject`` says which subject: ``randomized``, ``consented`` or ``registered``),
    ``path`` replaces some with values its schema refuses for the invalid request. Bodies
    and query parameters may say ``{day:N}`` for the day N days after randomization and
    ``{lab}``, ``{query}`` for the laboratory value and query of the trial. An invalid body
    that is a string is sent as it is, as JSON.
    """

    route: str
    user: str
    valid: dict[str, Any]
    invalid: dict[str, Any] | list[Any] | str
    subject: str = "randomized"
    params: dict[str, str] = field(default_factory=dict)
    path: dict[str, str] = field(default_factory=dict)


# fmt: off
_LAB = {"analyte": "ast", "value": 50, "unit": "U/L", "uln": 40, "collected_on": "{day:3}"}
_BAD_LAB = {"analyte": "ast", "value": "abc", "unit": "furlongs", "collected_on": "soon"}
_EVENT = {"term": "Fatigue", "grade": 1, "onset_date": "{day:2}",
          "relatedness": {"sorafenib": "possible"},
          "action_taken": {"sorafenib": "dose_not_changed"}}
_QUERY = {"table": "lab_results", "record_id": LAB, "field": "value", "question": "sure?"}
_SCAN = {"assessed_on": "{day:1}", "lesions": [
    {"lesion_id": "T1", "organ": "liver", "kind": "target", "diameter_mm": 40,
     "viable_diameter_mm": 40, "enhancing": True}]}
_SCAN_FORM = {"assessed_on": "{day:1}", "lesions.0.lesion_id": "T1", "lesions.0.organ": "liver",
              "lesions.0.kind": "target", "lesions.0.diameter_mm": "40",
              "lesions.0.viable_diameter_mm": "40", "lesions.0.enhancing": "yes"}
_API = "/api/v1"
_SUBJECT = "/api/v1/subjects/{subject_id}"
_BOOK = "/subjects/{subject_id}/casebook"

CASES = [
    # The JSON API.
    pytest.param(Case(_API + "/subjects", "monitor",
                      {"record": eligible_record(), "screened_on": "{day:0}"},
                      {"record": "x", "screened_on": "soon", "unknown": 1}), id="api-register"),
    pytest.param(Case(_SUBJECT + "/consent", "monitor", {"consent_date": "{day:0}"},
                      {"consent_date": "the day before"}, subject="registered"), id="api-consent"),
    pytest.param(Case(_SUBJECT + "/randomize", "monitor", {}, "not json {",
                      subject="consented"), id="api-randomize"),
    pytest.param(Case(_SUBJECT + "/labs", "monitor", _LAB, _BAD_LAB), id="api-lab"),
    pytest.param(Case(_SUBJECT + "/adverse-events", "monitor", _EVENT, [_EVENT]),
                 id="api-adverse-event"),
    pytest.param(Case(_API + "/queries", "coord_tj", _QUERY, {**_QUERY, "record_id": "abc"}),
                 id="api-raise-query"),
    pytest.param(Case(_API + "/queries/{query_id}/answer", "monitor", {"answer": "yes"},
                      {"answer": 5, "unknown": 1}, path={"query_id": "x"}), id="api-answer-query"),
    pytest.param(Case(_API + "/queries/{query_id}/close", "coord_tj", {"resolution": "checked"},
                      {}, path={"query_id": "x"}), id="api-close-query"),
    pytest.param(Case(_SUBJECT + "/visits", "monitor",
                      {"visit_type": "treatment", "actual_date": "{day:28}"},
                      {"visit_type": "treatment", "actual_date": "{day:28}", "number": True}),
                 id="api-visit"),
    pytest.param(Case(_SUBJECT + "/vital-signs", "monitor",
                      {"measured_on": "{day:2}", "systolic_mmhg": 120, "diastolic_mmhg": 80},
                      {"measured_on": "{day:2}", "systolic_mmhg": 120, "diastolic_mmhg": 130}),
                 id="api-vital-signs"),
    pytest.param(Case(_SUBJECT + "/tumour-assessments", "monitor", _SCAN,
                      {"assessed_on": "{day:1}", "lesions": [{"lesion_id": "T1"}]}),
                 id="api-tumour-assessment"),
    pytest.param(Case(_SUBJECT + "/doses", "monitor",
                      {"drug": "sorafenib", "event": "interrupt", "event_date": "{day:5}",
                       "reason": "fatigue"},
                      {"drug": "sorafenib", "event": "escalate", "level": "400mg_qod",
                       "event_date": "{day:5}"}), id="api-dose"),
    pytest.param(Case(_SUBJECT + "/anticancer-therapies", "monitor",
                      {"name": "TACE", "category": "locoregional", "started_on": "{day:20}"},
                      {"name": "TACE", "category": "prayer", "started_on": "{day:20}"}),
                 id="api-therapy"),
    pytest.param(Case(_SUBJECT + "/survival-contacts", "monitor",
                      {"contact_on": "{day:25}", "status": "alive", "method": "phone"},
                      {"contact_on": "{day:25}", "status": "undead", "method": "phone"}),
                 id="api-survival-contact"),
    pytest.param(Case(_SUBJECT + "/missed-visits", "monitor",
                      {"visit_type": "treatment", "number": 1, "reason": "too ill",
                       "missed_on": "{day:28}"},
                      {"visit_type": "baseline", "number": 1, "reason": "too ill"}),
                 id="api-missed-visit"),
    pytest.param(Case(_SUBJECT + "/death", "monitor",
                      {"death_date": "{day:30}", "cause": "unknown"},
                      {"death_date": "{day:-300}", "cause": "boredom"}), id="api-death"),
    pytest.param(Case(_SUBJECT + "/withdrawal", "monitor",
                      {"kind": "consent_withdrawn", "withdrawn_on": "{day:30}", "reason": "moved"},
                      {"kind": "bored", "withdrawn_on": "{day:31}", "reason": "x"}),
                 id="api-withdrawal"),
    pytest.param(Case(_SUBJECT + "/corrections", "monitor",
                      {"table": "lab_results", "record_id": LAB, "field": "value",
                       "value": 45, "reason": "transcription error"},
                      {"table": "lab_results", "record_id": LAB, "field": "value",
                       "value": {"a": 1}, "reason": "x"}), id="api-correction"),
    pytest.param(Case(_API + "/sdv/{table}/{record_id}", "coord_tj", {}, "",
                      path={"record_id": "not-a-number"}), id="api-sdv-verify"),
    pytest.param(Case(_SUBJECT + "/signatures", "coord_tj",
                      {"user_id": "coord_tj", "password": USERS["coord_tj"][2]},
                      {"user_id": 5, "password": [], "meaning": "whatever"}), id="api-sign"),
    # The forms.
    pytest.param(Case("/subjects/new", "monitor", {**eligible_form(), "screened_on": "{day:0}"},
                      {"screened_on": "tomorrow-ish", "age_years": "old"}), id="form-register"),
    pytest.param(Case("/subjects/{subject_id}/consent", "monitor", {"consent_date": "{day:0}"},
                      {"consent_date": "soon"}, subject="registered"), id="form-consent"),
    pytest.param(Case("/subjects/{subject_id}/randomize", "monitor", {}, {"confirm": "maybe"},
                      subject="consented"), id="form-randomize"),
    pytest.param(Case(_BOOK + "/labs", "monitor", {k: str(v) for k, v in _LAB.items()},
                      _BAD_LAB), id="form-lab"),
    pytest.param(Case(_BOOK + "/adverse-events", "monitor",
                      {"term": "Fatigue", "grade": "1", "onset_date": "{day:2}",
                       "relatedness.sorafenib": "possible",
                       "action_taken.sorafenib": "dose_not_changed"},
                      {"term": "Fatigue", "grade": "9"}), id="form-adverse-event"),
    pytest.param(Case(_BOOK + "/queries", "coord_tj",
                      {"record": "lab_results:{lab}", "field": "value", "question": "sure?"},
                      {"record": "somewhere"}), id="form-raise-query"),
    pytest.param(Case(_BOOK + "/queries/{query_id}/answer", "monitor", {"answer": "yes"}, {},
                      path={"query_id": "x"}), id="form-answer-query"),
    pytest.param(Case(_BOOK + "/queries/{query_id}/close", "coord_tj", {"resolution": "ok"}, {},
                      path={"query_id": "x"}), id="form-close-query"),
    pytest.param(Case(_BOOK + "/correct", "monitor", {"value": "45", "reason": "typo"},
                      {"value": "a lot"},
                      params={"table": "lab_results", "record_id": "{lab}", "field": "value"}),
                 id="form-correction"),
    pytest.param(Case(_BOOK + "/tumour", "monitor", _SCAN_FORM,
                      {"assessed_on": "{day:1}", "lesions.0.lesion_id": "T1"}),
                 id="form-tumour-assessment"),
    pytest.param(Case(_BOOK + "/visits", "monitor",
                      {"visit_type": "treatment", "actual_date": "{day:28}"},
                      {"visit_type": "party", "actual_date": "never"}), id="form-visit"),
    pytest.param(Case(_BOOK + "/vital-signs", "monitor",
                      {"measured_on": "{day:2}", "systolic_mmhg": "120", "diastolic_mmhg": "80"},
                      {"measured_on": "{day:2}", "systolic_mmhg": "high"}),
                 id="form-vital-signs"),
    pytest.param(Case(_BOOK + "/dosing", "monitor",
                      {"drug": "sorafenib", "event": "interrupt", "event_date": "{day:5}",
                       "reason": "fatigue"},
                      {"drug": "aspirin", "event": "start"}), id="form-dose"),
    pytest.param(Case(_BOOK + "/therapies", "monitor",
                      {"name": "TACE", "category": "locoregional", "started_on": "{day:20}"},
                      {"name": "TACE", "category": "prayer"}), id="form-therapy"),
    pytest.param(Case(_BOOK + "/survival", "monitor",
                      {"contact_on": "{day:25}", "status": "alive", "method": "phone"},
                      {"contact_on": "yesterday"}), id="form-survival-contact"),
    pytest.param(Case(_BOOK + "/missed-visits", "monitor",
                      {"visit_type": "treatment", "number": "1", "reason": "too ill",
                       "missed_on": "{day:28}"},
                      {"visit_type": "treatment", "number": "0"}), id="form-missed-visit"),
    pytest.param(Case(_BOOK + "/death", "monitor", {"death_date": "{day:30}", "cause": "unknown"},
                      {"death_date": "{day:-300}"}), id="form-death"),
    pytest.param(Case(_BOOK + "/withdrawal", "monitor",
                      {"kind": "consent_withdrawn", "withdrawn_on": "{day:30}", "reason": "moved"},
                      {"kind": "bored"}), id="form-withdrawal"),
    pytest.param(Case("/admin/users", "datamgr",
                      {"username": "newcomer", "role": "coordinator", "site": "BJ"},
                      {"username": "", "role": "emperor"}), id="form-add-user"),
    pytest.param(Case("/admin/users/{username}/role", "datamgr",
                      {"role": "investigator", "site": "TJ", "reason": "promoted"},
                      {"role": "emperor"}), id="form-change-role"),
    pytest.param(Case("/admin/users/{username}/deactivate", "datamgr", {"reason": "left"}, {},
                      path={"username": "nobody-at-all"}), id="form-deactivate-user"),
    pytest.param(Case("/admin/users/{username}/password", "datamgr", {"reason": "forgot"}, {},
                      path={"username": "nobody-at-all"}), id="form-reset-password"),
    pytest.param(Case("/admin/sites", "datamgr", {"name": "Zhongshan Hospital", "code": "ZS"},
                      {"name": "", "code": "no spaces allowed here"}), id="form-add-site"),
    pytest.param(Case("/monitoring/sdv/verify", "coord_tj",
                      {"table": "lab_results", "record_id": "{lab}"},
                      {"table": "lab_results", "record_id": "x"}), id="form-sdv-verify"),
    pytest.param(Case("/monitoring/sdv/plan", "monitor", {"plan": "targeted", "reason": "risk"},
                      {"plan": "most", "reason": ""}), id="form-sdv-plan"),
    pytest.param(Case("/monitoring/checks", "coord_tj", {}, {"site": "nowhere"}),
                 id="form-edit-checks"),
    pytest.param(Case("/monitoring/locks", "monitor",
                      {"action": "freeze", "scope": "subject", "target": "{subject_id}",
                       "reason": "cleaning"},
                      {"action": "melt", "scope": "galaxy"}), id="form-lock"),
    pytest.param(Case("/subjects/{subject_id}/signoff", "coord_tj",
                      {"user_id": "coord_tj", "password": USERS["coord_tj"][2],
                       "meaning": "approve", "scope": "casebook"},
                      {"scope": "visit:x"}), id="form-sign"),
    pytest.param(Case("/exports/{name}", "monitor", {"cutoff": ""}, {"cutoff": "yesterday"}),
                 id="form-export"),
]
# fmt: on


@dataclass(frozen=True)
class Trial:
    """The subjects and records the cases act on."""

    subjects: dict[str, str]
    day0: date
    lab: int
    query: int

    def fill(self, text: str, subject: str) -> str:
        """``text`` with the trial's values for its placeholders."""
        text = _DAY.sub(lambda m: (self.day0 + timedelta(int(m[1]))).isoformat(), text)
        values = {
            "subject_id": self.subjects[subject],
            "query_id": str(self.query),
            "record_id": str(self.lab),
            "lab": str(self.lab),
            "query": str(self.query),
            "table": "lab_results",
            "username": "locked",
            "name": "sdtm",
        }
        for name, value in values.items():
            text = text.replace(f"{{{name}}}", value)
        return text


@pytest.fixture(scope="module")
def trial(web_server: WebServer) -> Trial:
    """A subject of each state at TJ, a laboratory value and an open query on it."""
    randomized, _, day0 = randomized_days_ago(web_server, 40)
    (consented,) = consented_subjects(web_server, 1)
    database = web_server.database()
    try:
        with unit_of_work(database, "coord_tj") as ctx:
            registered = register_subject(
                ctx, record=eligible_record(), screened_on=datetime.now(UTC).date()
            ).subject_id
            lab = record_lab(
                ctx,
                subject_id=randomized,
                analyte="alt",
                value=50,
                unit="U/L",
                uln=40,
                collected_on=day0 + timedelta(1),
            ).id
        with unit_of_work(database, "monitor") as ctx:
            query = raise_query(
                ctx, table="lab_results", record_id=lab, field="value", question="confirm?"
            ).id
    finally:
        database.close()
    subjects = {"randomized": randomized, "consented": consented, "registered": registered}
    return Trial(subjects=subjects, day0=day0, lab=lab, query=query)


def _audit_rows(server: WebServer) -> int:
    database = server.database()
    try:
        with unit_of_work(database, "admin", readonly=True) as ctx:
            return int(ctx.session.scalar(select(func.count()).select_from(AuditLog)) or 0)
    finally:
        database.close()


def _filled(value: Any, trial: Trial, subject: str) -> Any:
    if value is LAB:
        return trial.lab
    if isinstance(value, str):
        return trial.fill(value, subject)
    if isinstance(value, dict):
        return {k: _filled(v, trial, subject) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, trial, subject) for v in value]
    return value


def _send(
    server: WebServer, login: Login, trial: Trial, case: Case, body: Any, path: dict[str, str]
) -> tuple[httpx.Response, int]:
    """Send ``body`` as ``case.user`` (logged in first); the answer, and the audit trail's
    length just before it was sent."""
    route = case.route
    for name, value in path.items():
        route = route.replace(f"{{{name}}}", value)
    url = trial.fill(route, case.subject)
    params = {k: trial.fill(v, case.subject) for k, v in case.params.items()}
    body = _filled(body, trial, case.subject)
    if url.startswith("/api/"):
        headers = api_token(server, case.user)
        before = _audit_rows(server)
        if isinstance(body, str):
            headers["Content-Type"] = "application/json"
            sent = httpx.post(server.url + url, content=body, headers=headers, params=params)
        else:
            sent = httpx.post(server.url + url, json=body, headers=headers, params=params)
        return sent, before
    client = login(case.user)
    token = csrf_of(client.get("/").text)
    assert isinstance(body, dict)
    before = _audit_rows(server)
    return client.post(url, data={"csrf_token": token, **body}, params=params), before


def _refused(answer: httpx.Response, user: str) -> None:
    role = USERS[user][0]
    assert answer.status_code == 403, answer.text
    if answer.request.url.path.startswith("/api/"):
        assert f"(role {role})" in answer.json()["detail"], answer.text
        assert answer.json()["field"] == "user"
    else:
        assert f"(role {role})" in answer.text, answer.text


@pytest.mark.parametrize("case", CASES)
def test_a_role_that_may_not_is_refused_before_its_invalid_body_is_read(
    web_server: WebServer, login: Login, trial: Trial, case: Case
) -> None:
    answer, before = _send(web_server, login, trial, case, case.invalid, case.path)
    _refused(answer, case.user)
    assert _audit_rows(web_server) == before


@pytest.mark.parametrize("case", CASES)
def test_a_role_that_may_not_is_refused_a_valid_body_and_nothing_is_written(
    web_server: WebServer, login: Login, trial: Trial, case: Case
) -> None:
    answer, before = _send(web_server, login, trial, case, case.valid, {})
    _refused(answer, case.user)
    assert _audit_rows(web_server) == before


#: The one write route whose rule is not in a table the route can name: the edit checks'
#: (their service checks the role before it reads the site given).
CHECKED_BY_ITS_SERVICE = frozenset({"/monitoring/checks"})


@pytest.fixture
def routes(web_server: WebServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The ``POST`` routes of the application, by path as it names it."""
    monkeypatch.setenv("METSOR_HOME", str(web_server.home))
    app = create_app(WebSettings(database_url=web_server.database_url, secret=b"k" * 32))
    try:
        yield {
            str(route.path): route.original_route
            for route in iter_route_contexts(app.routes)
            if route.methods and "POST" in route.methods
        }
    finally:
        app.state.metsor.database.close()


def test_every_write_route_has_a_case(routes: dict[str, Any]) -> None:
    covered = {param.values[0].route for param in CASES}
    assert set(routes) - OPEN_TO_EVERY_USER == covered


def test_every_write_route_checks_its_action_before_its_body(routes: dict[str, Any]) -> None:
    unchecked = {
        path
        for path, route in routes.items()
        if not (isinstance(route, PermissionFirstRoute) and action_of(route.endpoint))
    }
    assert unchecked == OPEN_TO_EVERY_USER | CHECKED_BY_ITS_SERVICE
