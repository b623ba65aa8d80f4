"""``metsor serve`` refuses a database it cannot serve, with exit 2 and the reason."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .conftest import METSOR


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("sqlite:///{tmp}/missing.sqlite", "database not initialised", id="missing"),
        pytest.param("mysql://localhost/x", "--db", id="unsupported"),
    ],
)
def test_serve_refuses_a_database_it_cannot_serve(tmp_path: Path, url: str, message: str) -> None:
    done = subprocess.run(
        [METSOR, "serve", "--db", url.format(tmp=tmp_path), "--port", "9"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: ")
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "missing.sqlite").exists()
