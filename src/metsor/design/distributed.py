"""Grids of simulated designs, run in one process or on a Dask cluster with the same answer.

A grid is a base scenario and lists of values to cross, read from YAML::

    base: {n: 82, median_control: 10.7, median_experimental: 14, accrual_months: 24}
    grid: {n: [82, 120], median_experimental: [12, 14, 16]}
    sims: 100000
    seed: 20160203

Every scenario uses the same seed (common random numbers, so that differences between
scenarios are not blurred by simulation noise). Work is split into the simulator's fixed
random-number blocks; results are combined in block order, so a cluster of any size returns
exactly what :func:`metsor.design.simulate.simulate` returns in one process.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from metsor.design.simulate import (
    MAX_SIMS,
    BlockTally,
    Scenario,
    SimulationResult,
    block_sizes,
    block_tally,
    combine,
    simulate,
    with_values,
)
from metsor.errors import InputError

CONNECT_TIMEOUT_S = 10
"""Seconds to wait for a named scheduler before saying it cannot be reached."""

__all__ = ["MAX_SCENARIOS", "GridRow", "GridSpec", "expand", "parse_grid", "run_grid"]

MAX_SCENARIOS = 1000
"""The most scenarios one grid may cross (each one is a full simulation of ``sims`` trials)."""

_BLOCKS_PER_TASK = 8


@dataclass(frozen=True)
class GridSpec:
    """A base scenario, the values to cross, and the simulation size."""

    base: Scenario
    axes: dict[str, list[Any]]
    sims: int
    seed: int


@dataclass(frozen=True)
class GridRow:
    """One scenario of the grid: the values crossed, and its simulated characteristics."""

    values: dict[str, Any]
    scenario: Scenario
    result: SimulationResult


def _check_names(names: list[str], where: str) -> None:
    known = set(Scenario.__dataclass_fields__)
    for key in names:
        if key not in known:
            raise InputError(f"unknown scenario field {key!r} in {where}", field=f"{where}.{key}")


def _as_scenario_values(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    values = dict(raw)
    _check_names(list(values), where)
    if "looks" in values:
        looks = values["looks"]
        if not isinstance(looks, list | tuple) or not all(
            isinstance(x, int | float) and not isinstance(x, bool) for x in looks
        ):
            raise InputError(
                f"looks must be a list of fractions, not {looks!r}", field=f"{where}.looks"
            )
        values["looks"] = tuple(float(x) for x in looks)
    return values


def parse_grid(text: str) -> GridSpec:
    """Read a grid specification from YAML text.

    Parameters
    ----------
    text
        YAML with ``base`` (scenario fields), ``grid`` (field → list of values), ``sims`` and
        ``seed``.

    Returns
    -------
    GridSpec
        The validated specification.
    """
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"the grid is not valid YAML: {exc}", field="spec") from exc
    except RecursionError:
        raise InputError("the grid is nested too deeply to read", field="spec") from None
    if not isinstance(data, dict) or not isinstance(data.get("base"), dict):
        raise InputError("the grid needs a 'base' mapping of scenario fields", field="base")
    for key in data:
        if key not in ("base", "grid", "sims", "seed"):
            raise InputError(f"unknown key {key!r}: use base, grid, sims, seed", field=str(key))
    axes = data.get("grid") or {}
    if not isinstance(axes, dict) or not all(isinstance(v, list) and v for v in axes.values()):
        raise InputError("'grid' must map scenario fields to non-empty lists", field="grid")
    base_values = _as_scenario_values(data["base"], "base")
    _check_names(list(axes), "grid")
    scenarios = math.prod(len(v) for v in axes.values())
    if scenarios > MAX_SCENARIOS:
        raise InputError(
            f"the grid crosses {scenarios:,} scenarios; at most {MAX_SCENARIOS:,} may be run "
            "at once: split it into several grids",
            field="grid",
        )
    try:
        base = Scenario(**base_values)
    except TypeError as exc:
        raise InputError(f"incomplete base scenario: {exc}", field="base") from exc
    sims, seed = data.get("sims", 10_000), data.get("seed", 0)
    if isinstance(sims, bool) or not isinstance(sims, int) or not 1 <= sims <= MAX_SIMS:
        raise InputError(f"sims must be a whole number from 1 to {MAX_SIMS:,}", field="sims")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError("seed must be a non-negative integer", field="seed")
    return GridSpec(base=base, axes={k: list(v) for k, v in axes.items()}, sims=sims, seed=seed)


def expand(spec: GridSpec) -> list[tuple[dict[str, Any], Scenario]]:
    """All scenarios of the grid, in the order of the crossed lists (last varies fastest)."""
    names = list(spec.axes)
    rows = []
    for number, combo in enumerate(itertools.product(*(spec.axes[k] for k in names)), start=1):
        values = _as_scenario_values(dict(zip(names, combo, strict=True)), "grid")
        try:
            scenario = with_values(spec.base, **values).validated()
        except InputError as exc:
            shown = ", ".join(f"{k}={v!r}" for k, v in values.items()) or "the base"
            raise InputError(
                f"scenario {number} ({shown}): {exc.message}", field=exc.field
            ) from None
        rows.append((values, scenario))
    return rows


def _run_blocks(
    scenario: Scenario, seed: int, blocks: list[tuple[int, int]], threads: int
) -> list[BlockTally]:
    if threads > 0:
        import numba

        numba.set_num_threads(min(threads, int(getattr(numba.config, "NUMBA_NUM_THREADS", 1))))
    return [block_tally(scenario, seed, b, n) for b, n in blocks]


def _tasks(sims: int) -> list[list[tuple[int, int]]]:
    blocks = list(enumerate(block_sizes(sims)))
    per = _BLOCKS_PER_TASK
    return [blocks[i : i + per] for i in range(0, len(blocks), per)]


def run_grid(
    spec: GridSpec,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[GridRow]:
    """Simulate every scenario of the grid.

    Parameters
    ----------
    spec
        The grid.
    workers
        Start a local Dask cluster of this many worker processes on 127.0.0.1.
    scheduler
        Address of a running Dask scheduler (``tcp://HOST:PORT``); not with ``workers``.
    progress
        Called with (tasks done, tasks in all) as work finishes.

    Returns
    -------
    list of GridRow
        One row per scenario, in :func:`expand` order; the same with or without a cluster.
    """
    if workers is not None and scheduler is not None:
        raise InputError("give workers or scheduler, not both", field="workers")
    if workers is not None and workers < 1:
        raise InputError("workers must be at least 1", field="workers")
    if scheduler is not None and not scheduler.startswith("tcp://"):
        raise InputError("scheduler must look like tcp://HOST:PORT", field="scheduler")
    rows = expand(spec)
    if workers is None and scheduler is None:
        results = []
        for i, (values, s) in enumerate(rows):
            results.append(GridRow(values, s, simulate(s, sims=spec.sims, seed=spec.seed)))
            if progress is not None:
                progress(i + 1, len(rows))
        return results
    return _run_on_cluster(spec, rows, workers, scheduler, progress)


def _run_on_cluster(
    spec: GridSpec,
    rows: list[tuple[dict[str, Any], Scenario]],
    workers: int | None,
    scheduler: str | None,
    progress: Callable[[int, int], None] | None,
) -> list[GridRow]:
    from metsor.extras import import_extra

    dd: Any = import_extra(  # the library is not fully typed
        "dask.distributed",
        "dask",
        needed_for="a grid on a Dask cluster",
        field="workers" if workers is not None else "scheduler",
    )

    cluster = None
    if workers is not None:
        cluster = dd.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = dd.Client(cluster)
    else:
        try:
            client = dd.Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise InputError(
                f"cannot reach the Dask scheduler {scheduler}: {exc}", field="scheduler"
            ) from None
    # local workers share this machine's cores; a remote cluster's workers keep their own
    threads = max(1, (os.cpu_count() or 1) // workers) if workers else 0
    try:
        futures = {}
        for index, (_, s) in enumerate(rows):
            for task, blocks in enumerate(_tasks(spec.sims)):
                future = client.submit(_run_blocks, s, spec.seed, blocks, threads, pure=False)
                futures[future] = (index, task)
        done: dict[tuple[int, int], list[BlockTally]] = {}
        for count, future in enumerate(dd.as_completed(list(futures)), start=1):
            done[futures[future]] = future.result()
            if progress is not None:
                progress(count, len(futures))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    out = []
    n_tasks = len(_tasks(spec.sims))
    for index, (values, s) in enumerate(rows):
        tallies = [t for task in range(n_tasks) for t in done[(index, task)]]
        out.append(GridRow(values, s, combine(s, tallies, spec.seed)))
    return out
