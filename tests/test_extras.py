"""metsor imports and runs without its optional extras; a command that needs one says which.

Each check runs in a new interpreter in which ``psycopg``, ``dask`` and ``distributed`` cannot
be imported (as on a machine where ``pip install metsor`` brought no extra).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_WITHOUT_EXTRAS = """
import sys
for name in ("psycopg", "dask", "distributed"):
    sys.modules[name] = None  # import of it fails as if it were not installed
"""

_GRID = (
    "base: {n: 82, median_control: 10.7, median_experimental: 14, accrual_months: 24}\n"
    "grid: {n: [82]}\nsims: 200\nseed: 7\n"
)


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_EXTRAS + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={"METSOR_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_metsor_imports_without_its_extras(tmp_path: Path) -> None:
    done = _run(
        """
        import metsor.cli.main, metsor.design.distributed, metsor.services.context
        import metsor.store.engine
        print("imported")
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported"


@pytest.mark.parametrize(
    ("args", "option", "extra"),
    [
        pytest.param(
            ["users", "list", "--db", "postgresql://metsor@127.0.0.1/none", "--user", "admin"],
            "--db",
            "postgresql",
            id="postgresql",
        ),
        pytest.param(["design", "grid", "grid.yaml", "--workers", "2"], "--workers", "dask",
                     id="dask"),
    ],
)  # fmt: skip
def test_a_command_that_needs_an_extra_names_it(
    tmp_path: Path, args: list[str], option: str, extra: str
) -> None:
    (tmp_path / "grid.yaml").write_text(_GRID, encoding="utf-8")
    done = _run(
        f"""
        sys.argv = ["metsor", *{args!r}]
        import metsor.cli.main
        metsor.cli.main.run()
        """,
        tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: "), done.stderr
    assert f"pip install 'metsor[{extra}]'" in done.stderr
    assert option in done.stderr
    assert "Traceback" not in done.stderr
