"""Simulated trials per second for the METSOR design, against R and lifelines in the same run.

The design: 82 patients 1:1, uniform accrual over 24 months, analysis at month 36, exponential
OS with medians 10.7 (control) and 14 months, one two-sided log-rank test at 5%. Each peer
generates the same kind of trial and tests it:

- metsor: ``metsor.design.simulate`` (compiled generation, censoring and log-rank, on numba's
  number of threads);
- R ``survival::survdiff`` in a loop, and the C fitter ``survival:::survdiff.fit`` in a loop;
- rpact ``getSimulationSurvival`` (its C++ simulator; event-driven at 59 events, one-sided);
- lifelines ``logrank_test`` in a Python loop.

Then the cost of futility bounds: the METSOR trial event-driven at 59 deaths with an interim
look at half of them (one-sided α 0.025, O'Brien–Fleming-like spending), simulated without
futility bounds and, on the same seed, with β-spending futility bounds (β 0.2, bsOF) non-binding
(each trial followed past a crossing, to give the power the stops cost) and binding (a trial
ends at a crossing).

Run: ``python benchmarks/simulate.py [--sims N]``. Peers that are not installed are skipped.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time
from dataclasses import replace

import numpy as np

N, ACCRUAL, ANALYSIS, M0, M1 = 82, 24.0, 36.0, 10.7, 14.0
BLOCK = 4096

R_LOOP = """
suppressPackageStartupMessages(library(survival))
set.seed(1)
n <- {n}; reps <- {reps}; arm <- rep(0:1, length.out = n)
rate <- ifelse(arm == 1, log(2) / {m1}, log(2) / {m0})
sim <- function() {{
  entry <- runif(n, 0, {accrual}); t <- rexp(n, rate); window <- {analysis} - entry
  list(time = pmin(t, window), status = as.numeric(t <= window))
}}
{{body}}
cat(reps / elapsed, "\\n")
"""

R_SURVDIFF = """
elapsed <- system.time(for (i in 1:reps) {
  d <- sim(); survdiff(Surv(d$time, d$status) ~ arm)
})[["elapsed"]]
"""

R_SURVDIFF_FIT = """
strat <- rep(1L, n)
elapsed <- system.time(for (i in 1:reps) {
  d <- sim(); survival:::survdiff.fit(Surv(d$time, d$status), arm + 1L, strat, rho = 0)
})[["elapsed"]]
"""

RPACT = """
suppressPackageStartupMessages(library(rpact))
reps <- {reps}
elapsed <- system.time(getSimulationSurvival(
  design = getDesignGroupSequential(kMax = 1, alpha = 0.025, sided = 1),
  median1 = {m1}, median2 = {m0}, accrualTime = c(0, {accrual}), maxNumberOfSubjects = {n},
  plannedEvents = 59, maxNumberOfIterations = reps, seed = 1, directionUpper = FALSE
))[["elapsed"]]
cat(reps / elapsed, "\\n")
"""


def _rscript(code: str) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    done = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"  (R failed: {done.stderr.strip().splitlines()[-1:]})")
        return None
    return float(done.stdout.split()[-1])


def _fmt(code: str, reps: int) -> str:
    return code.format(n=N, reps=reps, m0=M0, m1=M1, accrual=ACCRUAL, analysis=ANALYSIS)


def metsor_rate(sims: int) -> float:
    """Trials per second of metsor's simulator (after one warm-up call compiles or loads)."""
    import numba

    from metsor.design.simulate import Scenario, simulate

    s = Scenario(
        n=N,
        median_control=M0,
        median_experimental=M1,
        accrual_months=ACCRUAL,
        follow_up_months=ANALYSIS - ACCRUAL,
    )
    start = time.perf_counter()
    simulate(s, sims=10_000, seed=0)
    print(
        f"  metsor first call (compile, or load from numba's cache): "
        f"{time.perf_counter() - start:.1f} s; {numba.get_num_threads()} threads"
    )
    start = time.perf_counter()
    r = simulate(s, sims=sims, seed=1)
    elapsed = time.perf_counter() - start
    print(
        f"  metsor power {r.power:.4f} (MC SE {r.mc_se:.4f}), expected events "
        f"{r.expected_events:.1f}"
    )
    return sims / elapsed


def futility_rates(sims: int) -> None:
    """Trials per second of one interim design without futility bounds and with them."""
    from metsor.design.simulate import Scenario, simulate

    base = Scenario(
        n=N,
        median_control=M0,
        median_experimental=M1,
        accrual_months=ACCRUAL,
        events=59,
        looks=(0.5, 1.0),
        alpha=0.025,
        sides=1,
    )
    runs = {
        "without futility bounds": base,
        "non-binding futility (bsOF)": replace(base, beta=0.2, beta_spending="obf"),
        "binding futility (bsOF)": replace(
            base, beta=0.2, beta_spending="obf", binding_futility=True
        ),
    }
    for scenario in runs.values():
        simulate(scenario, sims=BLOCK, seed=0)  # compile or load, and solve the bounds
    print(f"{'59 deaths, look at 1/2':<40}{'trials/s':>14}{'× without':>12}")
    rates = {}
    for name, scenario in runs.items():
        start = time.perf_counter()
        r = simulate(scenario, sims=sims, seed=1)
        rates[name] = sims / (time.perf_counter() - start)
        ratio = rates[name] / rates["without futility bounds"]
        print(f"{name:<40}{rates[name]:>14,.0f}{ratio:>12.2f}")
        if r.futility_by_look:
            lost = r.power_lost_to_futility
            print(
                f"  power {r.power:.4f}, futility stop {r.futility_stop:.4f}, expected events "
                f"{r.expected_events:.1f}"
                + ("" if lost is None else f", power lost to the stops {lost:.4f}")
            )
        else:
            print(f"  power {r.power:.4f}, expected events {r.expected_events:.1f}")


def lifelines_rate(reps: int) -> float | None:
    """Trials per second of lifelines' logrank_test in a loop, data generated per trial."""
    try:
        from lifelines.statistics import logrank_test
    except ImportError:
        return None
    rng = np.random.default_rng(1)
    arm = np.arange(N) % 2
    rate = np.where(arm == 1, np.log(2) / M1, np.log(2) / M0)
    start = time.perf_counter()
    for _ in range(reps):
        entry = rng.random(N) * ACCRUAL
        t = rng.exponential(1.0 / rate)
        window = ANALYSIS - entry
        time_, event = np.minimum(t, window), t <= window
        logrank_test(time_[arm == 0], time_[arm == 1], event[arm == 0], event[arm == 1])
    return reps / (time.perf_counter() - start)


def main() -> None:
    """Measure every available peer and print trials per second and metsor's ratio to each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=2_000_000, help="metsor trials to time")
    args = parser.parse_args()
    print("METSOR design: 82 patients, one look, OS log-rank; simulated trials per second")
    ours = metsor_rate(args.sims)
    peers = {
        "R survdiff in a loop": _rscript(_fmt(R_LOOP, 3_000).replace("{body}", R_SURVDIFF)),
        "R survival:::survdiff.fit in a loop": _rscript(
            _fmt(R_LOOP, 30_000).replace("{body}", R_SURVDIFF_FIT)
        ),
        "rpact getSimulationSurvival": _rscript(_fmt(RPACT, 200_000)),
        "lifelines logrank_test in a loop": lifelines_rate(1_000),
    }
    print(f"{'method':<40}{'trials/s':>14}{'metsor ×':>12}")
    print(f"{'metsor.design.simulate':<40}{ours:>14,.0f}{1.0:>12.1f}")
    for name, rate in peers.items():
        if rate is None:
            print(f"{name:<40}{'(not available)':>14}")
        else:
            print(f"{name:<40}{rate:>14,.0f}{ours / rate:>12.1f}")
    print("Futility bounds: the same interim design without and with them, same seed")
    futility_rates(args.sims)


if __name__ == "__main__":
    main()
