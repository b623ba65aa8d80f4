"""Monte-Carlo simulation of whole two-arm trials, vectorized over trials.

Patients enter uniformly over the accrual period and are allocated in a fixed ratio. Each has
latent exponential times to death and to radiological progression (independent, so overall
survival is exactly exponential and time to progression has its own median), and to dropout.
Progression is seen only before death and dropout. Endpoints: OS (death), TTP (progression;
death censors), PFS (the first of the two), all by log-rank, and ORR by Fisher's exact test.
The data cut-off is at accrual + follow-up or at the E-th event; interim looks are taken at
fractions of the planned events and tested against group-sequential bounds.

Random numbers come in fixed blocks of trials, block b drawn from the b-th child of the seed's
SeedSequence, so that a result depends on the seed and the number of trials only: not on how
trials are chunked, nor on how many workers run the blocks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from metsor.design._kernel import run_looks
from metsor.design.boundaries import group_sequential_design
from metsor.design.expected_events import dropout_hazard
from metsor.design.orr import fisher_rejections
from metsor.design.scenario import ENDPOINTS, Scenario, arm_hazards, planned_events, with_values
from metsor.errors import InputError

__all__ = [
    "BLOCK_TRIALS",
    "ENDPOINTS",
    "BlockTally",
    "Scenario",
    "SimulationResult",
    "block_sizes",
    "block_tally",
    "combine",
    "planned_events",
    "simulate",
    "with_values",
]

BLOCK_TRIALS = 4096
"""Trials per random-number block: the unit of reproducibility."""


@dataclass(frozen=True)
class BlockTally:
    """Sums over one block of trials, combined exactly across blocks."""

    trials: int
    rejections: tuple[int, ...]
    events_sum: float
    duration_sum: float


@dataclass(frozen=True)
class SimulationResult:
    """Operating characteristics from simulated trials.

    Attributes
    ----------
    power
        Share of trials that rejected H0 at some look (the type-I error when ``hr`` is 1).
    mc_se
        Monte-Carlo standard error of ``power``.
    reject_by_look
        Share of trials that stopped for efficacy at each look.
    expected_events
        Mean events at the analysis where a trial stopped (responders for ORR).
    expected_duration
        Mean calendar months to that analysis.
    critical_values
        z bounds used at each look.
    hr, sims, seed
        Truth and simulation size.
    """

    power: float
    mc_se: float
    reject_by_look: tuple[float, ...]
    expected_events: float
    expected_duration: float
    critical_values: tuple[float, ...]
    hr: float
    sims: int
    seed: int

    @property
    def type_i_error(self) -> float:
        """The rejection rate when the scenario has no effect (nan otherwise)."""
        return self.power if abs(self.hr - 1.0) < 1e-12 else float("nan")


def _arm(n: int, ratio: float) -> NDArray[np.int8]:
    n_exp = round(n * ratio / (1.0 + ratio))
    group = np.zeros(n, dtype=np.int8)
    # spread experimental patients through the entry order, as blocked allocation does
    picks = np.floor((np.arange(n_exp) + 0.5) * n / n_exp).astype(np.intp)
    group[picks] = 1
    return group


def _draw_block(
    s: Scenario,
    rng: np.random.Generator,
    trials: int,
    group: NDArray[np.int8],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    h = arm_hazards(s)
    shape = (trials, s.n)
    entry = rng.random(shape) * s.accrual_months
    death = rng.standard_exponential(shape) / h["os"][group]
    phi = dropout_hazard(s.dropout_per_year)
    dropout = rng.standard_exponential(shape) / phi if phi > 0 else np.full(shape, np.inf)
    if s.endpoint == "os":
        return entry, death, dropout
    progression = rng.standard_exponential(shape) / h["prog"][group]
    if s.endpoint == "ttp":
        return entry, progression, np.minimum(dropout, death)
    return entry, np.minimum(progression, death), dropout


def block_tally(s: Scenario, seed: int, block: int, trials: int) -> BlockTally:
    """Simulate block ``block`` (of ``trials`` trials) of scenario ``s`` with ``seed``.

    Parameters
    ----------
    s
        A validated scenario.
    seed
        Root seed; the block uses ``SeedSequence(seed, spawn_key=(block,))``, the ``block``-th
        child of ``SeedSequence(seed).spawn``.
    block
        Block index.
    trials
        Trials in this block (``BLOCK_TRIALS`` except perhaps the last).

    Returns
    -------
    BlockTally
        Rejections by look and sums of events and durations.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    design = group_sequential_design(
        s.looks, alpha=s.alpha, sides=s.sides, spending=s.spending, gamma=s.gamma
    )
    group = _arm(s.n, s.allocation_ratio)
    if s.endpoint == "orr":
        rejected, responders = fisher_rejections(s, rng, trials, group)
        duration = s.accrual_months + s.follow_up_months
        return BlockTally(
            trials, (int(rejected.sum()),), float(responders.sum()), duration * trials
        )
    entry, event_time, censor_time = _draw_block(s, rng, trials, group)
    calendar_end = 0.0 if s.events is not None else s.accrual_months + s.follow_up_months
    planned = planned_events(s)
    targets = np.array([max(1, math.ceil(f * planned - 1e-9)) for f in s.looks], dtype=np.int64)
    if s.events is None:
        targets[-1] = 0
    look, n_events, cutoffs = run_looks(
        entry,
        event_time,
        censor_time,
        group,
        targets,
        calendar_end,
        np.asarray(design.z, dtype=np.float64),
        s.sides == 2,
    )
    counts = np.bincount(look[look >= 0], minlength=len(s.looks))
    return BlockTally(
        trials, tuple(int(c) for c in counts), float(n_events.sum()), float(cutoffs.sum())
    )


def combine(s: Scenario, tallies: list[BlockTally], seed: int) -> SimulationResult:
    """Operating characteristics from block tallies, combined in block order."""
    sims = sum(t.trials for t in tallies)
    by_look = np.zeros(len(s.looks), dtype=np.int64)
    events = 0.0
    duration = 0.0
    for t in tallies:
        by_look += np.asarray(t.rejections, dtype=np.int64)
        events += t.events_sum
        duration += t.duration_sum
    power = float(by_look.sum()) / sims
    design = group_sequential_design(
        s.looks, alpha=s.alpha, sides=s.sides, spending=s.spending, gamma=s.gamma
    )
    return SimulationResult(
        power=power,
        mc_se=math.sqrt(power * (1.0 - power) / sims),
        reject_by_look=tuple(float(c) / sims for c in by_look),
        expected_events=events / sims,
        expected_duration=duration / sims,
        critical_values=design.z,
        hr=s.hr,
        sims=sims,
        seed=seed,
    )


def block_sizes(sims: int) -> list[int]:
    """Sizes of the random-number blocks that make up ``sims`` trials."""
    full, rest = divmod(sims, BLOCK_TRIALS)
    return [BLOCK_TRIALS] * full + ([rest] if rest else [])


def simulate(
    scenario: Scenario,
    *,
    sims: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> SimulationResult:
    """Simulate ``sims`` trials of ``scenario``.

    Parameters
    ----------
    scenario
        Design and truth.
    sims
        Number of simulated trials (any size: blocks are generated and analysed one at a time,
        so memory stays bounded).
    seed
        Root seed; the same seed and ``sims`` give the same result on any number of workers.
    progress
        Called with the number of trials done after each block.

    Returns
    -------
    SimulationResult
        Power (or type-I error), its Monte-Carlo SE, rejections by look, events and duration.

    References
    ----------
    Schoenfeld D. Biometrika 1981;68:316–319. Wassmer G, Brannath W. Group Sequential and
    Confirmatory Adaptive Designs in Clinical Trials. Springer, 2016.
    """
    if sims < 1:
        raise InputError("sims must be at least 1", field="sims")
    if seed < 0:
        raise InputError("seed must be ≥ 0", field="seed")
    s = scenario.validated()
    tallies = []
    done = 0
    for block, trials in enumerate(block_sizes(sims)):
        tallies.append(block_tally(s, seed, block, trials))
        done += trials
        if progress is not None:
            progress(done)
    return combine(s, tallies, seed)
