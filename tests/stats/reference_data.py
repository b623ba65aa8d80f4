"""Reference figures written by ``tests/reference/survival.R`` (R survival), read once.

Every number the tests compare against traces to that script; the JSON holds the R and
package versions and the input data, so the tests need no R. Regenerate with
``Rscript tests/reference/survival.R`` from the repository root.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["CASES", "RTOL", "arrays", "as_float", "case", "reference"]

RTOL = 1e-6
REFERENCE_FILE = Path(__file__).parents[1] / "reference" / "survival_reference.json"


@cache
def reference() -> dict[str, Any]:
    """The whole reference file."""
    with REFERENCE_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


CASES: tuple[str, ...] = tuple(reference()["cases"])


def case(name: str) -> dict[str, Any]:
    """One dataset's input data and R figures."""
    data: dict[str, Any] = reference()["cases"][name]
    return data


def as_float(values: Any, missing: float = np.nan) -> NDArray[np.float64]:
    """R figures as floats; R's NA (JSON null) becomes ``missing``."""
    seq = values if isinstance(values, list) else [values]
    return np.array([missing if v is None else v for v in seq], dtype=np.float64)


def arrays(name: str) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.str_]]:
    """time, status and group of one dataset."""
    d = case(name)["data"]
    return np.asarray(d["time"], float), np.asarray(d["status"], int), np.asarray(d["group"])
