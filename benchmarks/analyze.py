"""Time the work behind ``metsor analyze survival`` on large simulated trials.

For 10^5 and 10^6 patients (two arms, exponential survival with medians 14 and 10.7 months,
uniform censoring over 36 months) it times Kaplan–Meier per arm with medians, the log-rank
test, the Cox model and the ``cox.zph`` test; then, on the same data in the same run,
lifelines (KM, log-rank, CoxPHFitter) and, if ``Rscript`` is on the PATH, R survival
(survfit, survdiff, coxph, cox.zph; the time to read the file into R is not counted).
It prints seconds, how time grows from 10^5 to 10^6, and the ratio to each peer.

Run: ``python benchmarks/analyze.py`` (about a minute; add ``--no-r`` or
``--no-lifelines`` to skip a peer).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from metsor.stats import cox_ph, cox_zph, kaplan_meier, logrank_test

SIZES = (100_000, 1_000_000)

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1])
elapsed <- system.time({
  fit <- survfit(Surv(time, event) ~ arm, data = d, conf.type = "log-log")
  med <- summary(fit)$table[, "median"]
  lr <- survdiff(Surv(time, event) ~ arm, data = d)
  cox <- coxph(Surv(time, event) ~ arm, data = d)
  zph <- cox.zph(cox)
})[["elapsed"]]
cat(sprintf("%.6f %.10f\n", elapsed, coef(cox)))
"""


def simulate(n: int, seed: int) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Follow-up time, event indicator and arm of ``n`` simulated patients."""
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, n)
    median = np.where(arm == 1, 14.0, 10.7)
    survival = rng.exponential(median / np.log(2.0))
    censoring = rng.uniform(0.0, 36.0, n)
    follow_up = np.minimum(survival, censoring)
    return follow_up, (survival <= censoring).astype(np.int64), arm


def metsor_analysis(
    time_: NDArray[np.float64], event: NDArray[np.int64], arm: NDArray[np.int64]
) -> float:
    for level in (0, 1):
        kaplan_meier(time_[arm == level], event[arm == level]).median()
    logrank_test(time_, event, arm)
    fit = cox_ph(time_, event, arm)
    cox_zph(fit)
    return float(fit.coef[0])


def lifelines_analysis(
    time_: NDArray[np.float64], event: NDArray[np.int64], arm: NDArray[np.int64]
) -> float:
    import pandas as pd
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test as lifelines_logrank

    for level in (0, 1):
        _ = KaplanMeierFitter().fit(time_[arm == level], event[arm == level]).median_survival_time_
    lifelines_logrank(time_[arm == 0], time_[arm == 1], event[arm == 0], event[arm == 1])
    frame = pd.DataFrame({"time": time_, "event": event, "arm": arm})
    cph = CoxPHFitter().fit(frame, "time", "event")
    return float(cph.params_["arm"])


def best_of(repeats: int, work: Callable[[], float]) -> tuple[float, float]:
    """Shortest wall time of ``repeats`` runs, and the last result."""
    best = float("inf")
    value = float("nan")
    for _ in range(repeats):
        start = time.perf_counter()
        value = work()
        best = min(best, time.perf_counter() - start)
    return best, value


def r_analysis(
    time_: NDArray[np.float64], event: NDArray[np.int64], arm: NDArray[np.int64]
) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "trial.csv"
        script = Path(folder) / "analyze.R"
        table = np.column_stack((time_, event, arm))
        np.savetxt(
            data,
            table,
            delimiter=",",
            header="time,event,arm",
            comments="",
            fmt=("%.17g", "%d", "%d"),
        )
        script.write_text(R_SCRIPT, encoding="utf-8")
        done = subprocess.run(
            ["Rscript", str(script), str(data)], capture_output=True, text=True, check=True
        )
    seconds, coef = done.stdout.split()
    return float(seconds), float(coef)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-r", action="store_true", help="skip R survival")
    parser.add_argument("--no-lifelines", action="store_true", help="skip lifelines")
    args = parser.parse_args()
    use_r = not args.no_r and shutil.which("Rscript") is not None
    ours: dict[int, float] = {}
    print(
        f"{'patients':>10} {'metsor s':>9} {'lifelines s':>12} {'ratio':>7} {'R s':>8} {'ratio':>7}"
    )
    for n in SIZES:
        data = simulate(n, seed=n)
        metsor_s, coef = best_of(3, lambda data=data: metsor_analysis(*data))
        ours[n] = metsor_s
        row = f"{n:>10,} {metsor_s:>9.3f}"
        if not args.no_lifelines:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                peer_s, peer_coef = best_of(1, lambda data=data: lifelines_analysis(*data))
            row += f" {peer_s:>12.3f} {peer_s / metsor_s:>6.1f}x"
            row += f"  (|coef diff| {abs(peer_coef - coef):.1e})"
        if use_r:
            r_s, r_coef = r_analysis(*data)
            row += f" {r_s:>8.3f} {r_s / metsor_s:>6.1f}x  (|coef diff| {abs(r_coef - coef):.1e})"
        print(row)
    growth = ours[SIZES[1]] / ours[SIZES[0]]
    print(f"metsor time grows {growth:.1f}x for {SIZES[1] // SIZES[0]}x the patients")
    print("ratio = peer seconds / metsor seconds (same data, same run); metsor includes cox.zph")


if __name__ == "__main__":
    main()
