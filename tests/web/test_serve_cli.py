"""``metsor serve`` refuses a database it cannot serve, with exit 2 and the reason."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from .conftest import METSOR, browser_login, start_server


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


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (read from ``/proc``)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def test_serve_with_workers_runs_that_many_processes_on_one_trial(tmp_path: Path) -> None:
    server, process = start_server(tmp_path, "--workers", "2")
    try:
        workers = [
            child
            for child in _children(process.pid)
            if "spawn_main" in Path(f"/proc/{child}/cmdline").read_text(errors="replace")
        ]
        assert len(workers) == 2
        # Logins and their forms cross workers: each token and cookie is valid in either.
        for username in ("coord_tj", "inv_tj", "coord_bj", "coord_tj"):
            with httpx.Client(base_url=server.url, timeout=30) as client:
                browser_login(server, username, client=client)
                assert client.get("/subjects").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=60)
    assert "(2 worker processes)" in server.log.read_text()
