"""Loading the ``metsor`` command imports Typer and the standard library, nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "alembic",
    "dask",
    "matplotlib",
    "numba",
    "numpy",
    "pandas",
    "pydantic",
    "scipy",
    "sqlalchemy",
    "statsmodels",
)


def test_loading_every_command_module_imports_no_heavy_library() -> None:
    code = "import json, sys, metsor.cli.main; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    assert sorted({name.split(".")[0] for name in loaded} & set(HEAVY)) == []
    assert "metsor.cli.casebook.record" in loaded
    assert "metsor.cli.analyze.survival" in loaded
    ours = [name for name in loaded if name.startswith("metsor.") or name == "metsor"]
    assert [name for name in ours if not name.startswith("metsor.cli")] == [
        "metsor",
        "metsor.errors",
    ]
