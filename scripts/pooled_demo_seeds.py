"""Pool the arms of several virtual METSOR trials (one per seed, planned without the database)
and print each arm's response rates and medians beside the calibration preset's targets.

    .venv/bin/python scripts/pooled_demo_seeds.py [--seeds 20] [--scan-days 42] [--json]

``--scan-days`` plans the trials on another tumour-assessment interval than the protocol's
(the preset trial's own, 42 days for ORIENT-32, where its TTP and PFS targets apply).
"""

from __future__ import annotations

import argparse
import json
import math
import time

from metsor.insilico.pooled_trials import PooledRow, pooled_trials
from metsor.protocol import builtin

_NAMES = {
    "orr_mrecist": "ORR mRECIST",
    "orr_recist": "ORR RECIST 1.1",
    "os_median": "Median OS (months)",
    "ttp_median": "Median TTP, observed (months)",
    "pfs_median": "Median PFS, observed (months)",
}
_ARMS = {"control": "S", "experimental": "M+S"}


def _shown(row: PooledRow, value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.1%}" if row.key.startswith("orr_") else f"{value:.2f}"


def _line(row: PooledRow) -> str:
    target = None if row.target is None else row.target.value
    finite = [v for v in row.per_seed if math.isfinite(v)]
    seeds = f"{_shown(row, min(finite))}–{_shown(row, max(finite))}" if finite else "—"
    mark = {True: "", False: "!", None: "not judged" if row.target else ""}[row.inside]
    cells = (
        _ARMS[row.arm],
        _NAMES[row.key],
        _shown(row, target),
        _shown(row, row.virtual),
        f"{_shown(row, row.lower)}–{_shown(row, row.upper)}",
        seeds,
        mark,
    )
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="trials, seeds 1 to N")
    parser.add_argument("--scan-days", type=int, default=None, help="tumour-assessment interval")
    parser.add_argument("--json", action="store_true", help="print JSON")
    options = parser.parse_args()
    trial = builtin()
    if options.scan_days is not None:
        rules = trial.endpoint_rules.model_copy(update={"tumour_interval_days": options.scan_days})
        trial = trial.model_copy(update={"endpoint_rules": rules})
    started = time.perf_counter()
    table = pooled_trials(list(range(1, options.seeds + 1)), protocol=trial)
    seconds = time.perf_counter() - started
    if options.json:
        print(json.dumps({**table.to_dict(), "seconds": round(seconds, 1)}, indent=2))
        return
    print(
        f"{len(table.seeds)} trials (seeds {table.seeds[0]}–{table.seeds[-1]}), "
        f"{table.subjects['control']} + {table.subjects['experimental']} subjects, scans every "
        f"{table.scan_interval_days} days, preset {table.preset} ({seconds:.0f} s)\n"
    )
    print("| Arm | Figure | Target | Pooled | Interval | One trial (min–max) | |")
    print("|---|---|---:|---:|---|---|---|")
    for row in table.rows:
        print(_line(row))


if __name__ == "__main__":
    main()
