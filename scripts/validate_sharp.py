"""Does the virtual SHARP trial reproduce the published result?

    .venv/bin/python scripts/validate_sharp.py [--seeds 20] [--subjects 602] [--json]

Plans one virtual SHARP trial (NCT00105443, the built-in protocol, its scenario and, through
the scenario's preset, SHARP's own population of candidates) per seed at full size without the
database (:func:`metsor.insilico.validation.replicate_trial`) and prints,
for each published figure (Llovet JM et al., NEJM 2008;359:378), the mean and standard
deviation over the replicates and the range a single trial falls in (mean ± 1.96 SD); a figure
is reproduced within sampling error when the published value lies in that range.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from metsor.insilico.validation import replicate_trial
from metsor.protocol import builtin

PUBLISHED: tuple[tuple[str, str, float], ...] = (
    ("os", "sorafenib", 10.7),
    ("os", "placebo", 7.9),
    ("os", "hazard_ratio", 0.69),
    ("ttp", "sorafenib", 5.5),
    ("ttp", "placebo", 2.8),
    ("ttp", "hazard_ratio", 0.58),
)
"""(endpoint, arm or ``hazard_ratio``, published value): Llovet 2008, Table 2 and abstract."""


def main() -> None:
    """Run the replicates and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--subjects", type=int, default=602)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    protocol = builtin("NCT00105443")
    started = time.perf_counter()
    replicates = [
        replicate_trial(protocol, n=options.subjects, seed=seed).to_dict()
        for seed in range(1, options.seeds + 1)
    ]
    seconds = time.perf_counter() - started
    rows = []
    for endpoint, what, published in PUBLISHED:
        values = [
            r[endpoint][what] if what == "hazard_ratio" else r[endpoint]["arms"][what]["median"]
            for r in replicates
        ]
        mean, sd = statistics.mean(values), statistics.stdev(values)
        low, high = mean - 1.96 * sd, mean + 1.96 * sd
        rows.append(
            {
                "endpoint": endpoint.upper(),
                "figure": "HR sorafenib / placebo" if what == "hazard_ratio" else f"median, {what}",
                "published": published,
                "mean": mean,
                "sd": sd,
                "one_trial": (low, high),
                "reproduced": low <= published <= high,
            }
        )
    if options.json:
        print(json.dumps({"rows": rows, "seconds": round(seconds, 1)}, indent=2))
        return
    print(f"{options.seeds} virtual SHARP trials of {options.subjects} ({seconds:.0f} s)\n")
    print("| Endpoint | Figure | Published | Mean | SD | One trial (mean ± 1.96 SD) | |")
    print("|---|---|---:|---:|---:|---|---|")
    for row in rows:
        low, high = row["one_trial"]
        mark = "" if row["reproduced"] else "outside"
        print(
            f"| {row['endpoint']} | {row['figure']} | {row['published']:.2f} | {row['mean']:.2f} "
            f"| {row['sd']:.2f} | {low:.2f}–{high:.2f} | {mark} |"
        )


if __name__ == "__main__":
    main()
