"""The casebook tests' own server: a fresh trial of their own, not the one the other web tests
share, so that the subjects they randomize do not count against that trial's enrollment cap
of 82 (which tests of the other pages meet)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..conftest import WebServer, serving


@pytest.fixture(scope="session", params=["sqlite"])
def web_server(request: pytest.FixtureRequest) -> Iterator[WebServer]:
    """``metsor serve`` on a fresh trial shared by the casebook tests (per database)."""
    with serving(request, "casebook-server") as server:
        yield server
