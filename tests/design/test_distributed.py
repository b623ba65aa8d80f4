"""Grids of scenarios: YAML parsing, and the same answer on a Dask cluster as in one process."""

from __future__ import annotations

import pytest

from metsor.design.distributed import expand, parse_grid, run_grid
from metsor.design.simulate import BLOCK_TRIALS, simulate
from metsor.errors import InputError

SPEC = f"""
base:
  n: 82
  median_control: 10.7
  median_experimental: 14
  accrual_months: 24
  follow_up_months: 12
grid:
  median_experimental: [10.7, 14]
  looks: [[1.0], [0.5, 1.0]]
sims: {BLOCK_TRIALS * 8 + 100}
seed: 20160203
"""


def test_grid_expands_in_order() -> None:
    spec = parse_grid(SPEC)
    rows = expand(spec)
    assert [v for v, _ in rows] == [
        {"median_experimental": 10.7, "looks": (1.0,)},
        {"median_experimental": 10.7, "looks": (0.5, 1.0)},
        {"median_experimental": 14, "looks": (1.0,)},
        {"median_experimental": 14, "looks": (0.5, 1.0)},
    ]
    assert rows[3][1].looks == (0.5, 1.0)


def test_single_process_grid_equals_simulate() -> None:
    spec = parse_grid(SPEC.replace(f"sims: {BLOCK_TRIALS * 8 + 100}", "sims: 5000"))
    seen: list[tuple[int, int]] = []
    rows = run_grid(spec, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (4, 4)
    for row in rows:
        assert row.result == simulate(row.scenario, sims=5000, seed=20160203)


@pytest.mark.slow
def test_local_cluster_gives_the_single_process_answer() -> None:
    """A real LocalCluster of 2 worker processes on 127.0.0.1: results identical to the bit."""
    spec = parse_grid(SPEC)
    alone = run_grid(spec)
    clustered = run_grid(spec, workers=2)
    assert [r.result for r in clustered] == [r.result for r in alone]
    assert clustered[0].result.sims == spec.sims


@pytest.mark.slow
def test_running_scheduler_gives_the_single_process_answer() -> None:
    """A scheduler already running on loopback, reached by its tcp:// address."""
    from dask.distributed import LocalCluster

    spec = parse_grid(
        "base: {n: 82, median_control: 10.7, median_experimental: 14, accrual_months: 24}\n"
        f"grid: {{looks: [[0.5, 1.0]]}}\nsims: {BLOCK_TRIALS * 8 + 100}\nseed: 7\n"
    )
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        remote = run_grid(spec, scheduler=address)
    assert [r.result for r in remote] == [r.result for r in run_grid(spec)]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("base: [1, 2]", "base"),
        (
            "base: {n: 82, median_control: 10.7, median_experimental: 14, accrual_months: 24}\n"
            "grid: {hr: [0.7]}",
            "grid.hr",
        ),
        (
            "base: {n: 82, median_control: 10.7, median_experimental: 14, accrual_months: 24}\n"
            "grid: {n: []}",
            "grid",
        ),
        ("base: {n: 82, median_control: 10.7}", "base"),
        (
            "base: {n: 82, median_control: 10.7, median_experimental: 14, accrual_months: 24}\n"
            "sims: 0",
            "sims",
        ),
        ("base: {n: 82, colour: red}", "base.colour"),
        ("base: {n: [", "spec"),
        ("base: {n: 82}\nsimulations: 10", "simulations"),
    ],
)
def test_bad_grid_names_the_field(text: str, field: str) -> None:
    with pytest.raises(InputError) as info:
        parse_grid(text)
    assert info.value.field == field


def test_bad_cluster_arguments() -> None:
    spec = parse_grid(SPEC)
    with pytest.raises(InputError, match="not both"):
        run_grid(spec, workers=2, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(InputError, match="tcp://"):
        run_grid(spec, scheduler="127.0.0.1:8786")
    with pytest.raises(InputError, match="at least 1"):
        run_grid(spec, workers=0)


@pytest.mark.slow
def test_unreachable_scheduler_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """A scheduler address where nothing listens: an input error naming it, no traceback."""
    import socket

    from metsor.design import distributed

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT_S", 2)
    spec = parse_grid(SPEC.replace(f"sims: {BLOCK_TRIALS * 8 + 100}", "sims: 100"))
    address = f"tcp://127.0.0.1:{port}"
    with pytest.raises(InputError, match="cannot reach the Dask scheduler") as caught:
        run_grid(spec, scheduler=address)
    assert caught.value.field == "scheduler"
    assert address in str(caught.value)
