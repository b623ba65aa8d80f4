"""schemathesis against /openapi.json with a valid token: no answer is a server error (5xx).

Every operation of the schema gets generated requests (a bounded number each, the same on
every run) sent to the running server with the administrator's token.
"""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from .conftest import ADMIN_PASSWORD, WebServer

schemathesis = pytest.importorskip("schemathesis")


def test_no_server_error(web_server: WebServer) -> None:
    from schemathesis.checks import not_a_server_error

    token = httpx.post(
        f"{web_server.url}/api/v1/auth/token",
        data={"username": "admin", "password": ADMIN_PASSWORD},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_url(f"{web_server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=5,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: object) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])  # type: ignore[attr-defined]

        check()
