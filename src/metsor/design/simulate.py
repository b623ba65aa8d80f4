"""Monte-Carlo simulation of whole two-arm trials, each compiled start to finish on one thread.

Patients enter uniformly over the accrual period and are allocated in a fixed ratio. Each has
latent exponential times to death and to radiological progression (independent, so overall
survival is exactly exponential and time to progression has its own median), and to dropout.
Progression is seen only before death and dropout, in continuous time or, given an assessment
interval (by default the protocol's), at the first scheduled tumour assessment after it (times
then in whole days, censoring at the last assessment, and TTP censoring a death without
progression where the protocol's endpoint rules say, as :mod:`metsor.endpoints` does).
Endpoints: OS (death), TTP (progression; death censors), PFS (the first of the two), all by
log-rank, and ORR by Fisher's exact test.
The data cut-off is at accrual + follow-up or at the E-th event; interim looks are taken at
fractions of the planned events and tested against group-sequential bounds. When the final
analysis is at accrual + follow-up (time-driven) and a trial reaches that time before an
interim look's events, the interim is not held: the analysis then is the final one, its bound
spending all the α the looks held before it left
(:func:`metsor.design.boundaries.early_final_bounds`), and the result counts such trials by
the interim look they came before (``early_final_by_look``). A design with
β-spending futility bounds stops a trial for futility at an interim look whose z is at or below
the bound (|z| below it when two-sided), as rpact's ``getSimulationSurvival`` does; with
non-binding bounds each trial is also followed past them, so the result tells the power the
futility stops cost.

Random numbers come in fixed blocks of trials, block b keyed by the b-th child of the seed's
SeedSequence, so that a result depends on the seed and the number of trials only: not on how
trials are chunked, nor on how many workers or threads run the blocks. Within a block, each
trial draws from a counter-based generator (Philox4x32-10) at its own counters, so the compiled
kernel simulates trials in any order on any number of threads; and a patient's entry and
death draws do not depend on whether the scenario also draws dropout or progression.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from metsor.design._kernel import (
    DAYS_PER_MONTH,
    ENDPOINT_CODES,
    TTP_DEATH_CODES,
    TrialDesign,
    run_blocks,
)
from metsor.design.boundaries import GroupSequentialDesign, early_final_bounds
from metsor.design.expected_events import dropout_hazard
from metsor.design.orr import fisher_rejections
from metsor.design.scenario import ENDPOINTS, Scenario, arm_hazards, planned_events, with_values
from metsor.errors import InputError

__all__ = [
    "BLOCK_TRIALS",
    "ENDPOINTS",
    "MAX_SIMS",
    "BlockTally",
    "Scenario",
    "SimulationResult",
    "block_sizes",
    "block_tallies",
    "block_tally",
    "combine",
    "planned_events",
    "simulate",
    "with_values",
]

BLOCK_TRIALS = 4096
"""Trials per random-number block: the unit of reproducibility."""
MAX_SIMS = 10_000_000
"""The most trials one simulation may run (a Monte-Carlo SE of at most 0.0002)."""
BLOCKS_PER_CALL = 8
"""Blocks simulated by one call of the compiled kernel (progress is reported after each)."""


@dataclass(frozen=True)
class BlockTally:
    """Sums over one block of trials, combined exactly across blocks.

    Attributes
    ----------
    trials
        Trials in the block.
    rejections
        Trials that rejected H0 at each look, the futility bounds obeyed.
    events_sum, duration_sum
        Sums of the events and calendar months of the analysis where each trial stopped.
    futility
        Trials stopped for futility at each look (empty without futility bounds).
    rejections_past_futility
        Trials that crossed a non-binding futility bound and rejected H0 at a later look.
    early_final
        Trials whose final analysis, at the planned end of follow-up, came before each
        interim look's events (empty when the design's looks are all event-driven).
    """

    trials: int
    rejections: tuple[int, ...]
    events_sum: float
    duration_sum: float
    futility: tuple[int, ...] = ()
    rejections_past_futility: int = 0
    early_final: tuple[int, ...] = ()


@dataclass(frozen=True)
class SimulationResult:
    """Operating characteristics from simulated trials.

    Attributes
    ----------
    power
        Share of trials that rejected H0 at some look (the type-I error when ``hr`` is 1), the
        futility bounds (if any) obeyed.
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
    futility_bounds
        Futility bounds of the interim looks (−inf where none; rpact's ``futilityBounds``;
        empty without futility bounds).
    futility_by_look
        Share of trials stopped for futility at each interim look (rpact's
        ``futilityPerStage``; empty without futility bounds).
    binding_futility
        Whether the efficacy bounds count on the futility bounds.
    power_futility_ignored
        Non-binding futility bounds: the share of trials that would have rejected H0 had the
        bounds been ignored (the power that obeying them costs is the difference from
        ``power``); otherwise None.
    early_final_by_look
        A time-driven design with interim looks: the share of trials whose planned end of
        follow-up came before each interim look's events, so that the interim was not held
        and the analysis at the end was the final one (its rejections count at the final
        look); empty otherwise.
    early_final_bounds
        The final look's bound in those trials, by the interim look they came before: it
        spends all the α left by the looks held (``critical_values[-1]`` is the bound after
        them all); empty when ``early_final_by_look`` is.
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
    futility_bounds: tuple[float, ...] = ()
    futility_by_look: tuple[float, ...] = ()
    binding_futility: bool = False
    power_futility_ignored: float | None = None
    early_final_by_look: tuple[float, ...] = ()
    early_final_bounds: tuple[float, ...] = ()

    @property
    def futility_stop(self) -> float:
        """Share of trials stopped for futility at some look (rpact's ``futilityStop``)."""
        return float(sum(self.futility_by_look))

    @property
    def early_stop(self) -> tuple[float, ...]:
        """Share of trials stopped, for efficacy or futility, at each interim look (rpact's
        ``earlyStop`` by stage)."""
        futility = self.futility_by_look or (0.0,) * (len(self.reject_by_look) - 1)
        return tuple(r + f for r, f in zip(self.reject_by_look[:-1], futility, strict=True))

    @property
    def power_lost_to_futility(self) -> float | None:
        """Non-binding futility bounds: the power lost by obeying them (None otherwise)."""
        if self.power_futility_ignored is None:
            return None
        return self.power_futility_ignored - self.power

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


def _plan(s: Scenario) -> TrialDesign:
    """What every block of a validated scenario shares, computed once per scenario."""
    return _cached_plan(replace(s, looks=tuple(s.looks)))


@functools.lru_cache(maxsize=64)
def _cached_plan(s: Scenario) -> TrialDesign:
    design = s.design()
    h = arm_hazards(s)
    rates = np.concatenate([h["os"], h["prog"], [dropout_hazard(s.dropout_per_year)]])
    planned = planned_events(s)
    targets = np.array([max(1, math.ceil(f * planned - 1e-9)) for f in s.looks], dtype=np.int64)
    time_driven = s.events is None
    if time_driven:
        targets[-1] = 0
    return TrialDesign(
        group=_arm(s.n, s.allocation_ratio),
        rates=rates,
        accrual=float(s.accrual_months),
        endpoint=ENDPOINT_CODES.get(s.endpoint, -1),
        targets=targets,
        calendar_end=0.0 if s.events is not None else s.accrual_months + s.follow_up_months,
        critical=np.asarray(design.z, dtype=np.float64),
        two_sided=s.sides == 2,
        scan_days=_scan_days(s),
        ttp_death=TTP_DEATH_CODES[s.ttp_death_censoring],
        futility=_futility_bounds(design) if design.cumulative_beta else None,
        binding_futility=design.binding_futility,
        final_critical=(
            np.asarray(early_final_bounds(design), dtype=np.float64)
            if time_driven and len(s.looks) > 1
            else None
        ),
    )


def _futility_bounds(design: GroupSequentialDesign) -> NDArray[np.float64]:
    """The interim looks' futility bounds; none at the final look (not rejecting there is no
    futility stop)."""
    bounds = np.asarray(design.futility, dtype=np.float64).copy()
    bounds[-1] = -np.inf
    return bounds


def _scan_days(s: Scenario) -> float:
    """Days between tumour assessments when they decide TTP or PFS; 0 for continuous time."""
    if s.assessment_interval_months is None or s.endpoint not in ("ttp", "pfs"):
        return 0.0
    return s.assessment_interval_months * DAYS_PER_MONTH


def _seed_sequence(seed: int, block: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(block,))


def _orr_tally(s: Scenario, plan: TrialDesign, seed: int, block: int, trials: int) -> BlockTally:
    rng = np.random.default_rng(_seed_sequence(seed, block))
    rejected, responders = fisher_rejections(s, rng, trials, plan.group)
    duration = s.accrual_months + s.follow_up_months
    return BlockTally(trials, (int(rejected.sum()),), float(responders.sum()), duration * trials)


def block_tallies(s: Scenario, seed: int, blocks: Sequence[tuple[int, int]]) -> list[BlockTally]:
    """Simulate several blocks of scenario ``s`` at once, on numba's number of threads.

    Parameters
    ----------
    s
        A validated scenario.
    seed
        Root seed.
    blocks
        (block index, trials) pairs, in any order and grouping: each block's tally depends on
        ``seed``, its index and its size only.

    Returns
    -------
    list of BlockTally
        One per block, in the order given.
    """
    plan = _plan(s)
    if s.endpoint == "orr":
        return [_orr_tally(s, plan, seed, b, n) for b, n in blocks]
    if not blocks:
        return []
    keys = np.array(
        [_seed_sequence(seed, b).generate_state(3, np.uint32) for b, _ in blocks], dtype=np.uint32
    )
    return [_tally(outcome, plan) for outcome in run_blocks(keys, [n for _, n in blocks], plan)]


def _tally(outcome: NDArray[np.float64], plan: TrialDesign) -> BlockTally:
    """A block's sums from the kernel's outcome (columns ``OUTCOME_COLUMNS``).

    A trial whose futility crossing comes first stopped there, the bounds obeyed: its events
    and duration are those of that look, and a later rejection (non-binding bounds) counts
    only towards the power with the bounds ignored.
    """
    looks = plan.targets.size
    reject = outcome[:, 0].astype(np.int64)
    futile = outcome[:, 4].astype(np.int64)
    stopped_futile = (futile >= 0) & ((reject < 0) | (reject > futile))
    obeyed = np.where(stopped_futile, -1, reject)
    counts = np.bincount(obeyed[obeyed >= 0], minlength=looks)
    events = np.where(stopped_futile, outcome[:, 5], outcome[:, 1])
    duration = np.where(stopped_futile, outcome[:, 6], outcome[:, 2])
    futility: tuple[int, ...] = ()
    if plan.futility is not None:
        futility = tuple(int(c) for c in np.bincount(futile[stopped_futile], minlength=looks))
    early_final: tuple[int, ...] = ()
    if plan.final_critical is not None:
        before = outcome[:, 7].astype(np.int64)
        held = (before >= 0) & ~stopped_futile  # a trial stopped for futility ended earlier
        early_final = tuple(int(c) for c in np.bincount(before[held], minlength=looks - 1))
    return BlockTally(
        outcome.shape[0],
        tuple(int(c) for c in counts),
        float(events.sum()),
        float(duration.sum()),
        futility,
        int(np.count_nonzero(stopped_futile & (reject >= 0))),
        early_final,
    )


def block_tally(s: Scenario, seed: int, block: int, trials: int) -> BlockTally:
    """Simulate block ``block`` (of ``trials`` trials) of scenario ``s`` with ``seed``.

    Parameters
    ----------
    s
        A validated scenario.
    seed
        Root seed; the block uses ``SeedSequence(seed, spawn_key=(block,))``, the ``block``-th
        child of ``SeedSequence(seed).spawn``: three 32-bit words of its state key the block's
        Philox4x32-10 stream (a numpy ``Generator`` seeded with it draws ORR responders).
    block
        Block index.
    trials
        Trials in this block (``BLOCK_TRIALS`` except perhaps the last).

    Returns
    -------
    BlockTally
        Rejections by look and sums of events and durations.
    """
    return block_tallies(s, seed, [(block, trials)])[0]


def combine(s: Scenario, tallies: list[BlockTally], seed: int) -> SimulationResult:
    """Operating characteristics from block tallies, combined in block order."""
    sims = sum(t.trials for t in tallies)
    looks = len(s.looks)
    by_look = np.zeros(looks, dtype=np.int64)
    futile = np.zeros(looks, dtype=np.int64)
    early = np.zeros(looks - 1, dtype=np.int64)
    past_futility = 0
    events = 0.0
    duration = 0.0
    for t in tallies:
        by_look += np.asarray(t.rejections, dtype=np.int64)
        if t.futility:
            futile += np.asarray(t.futility, dtype=np.int64)
        if t.early_final:
            early += np.asarray(t.early_final, dtype=np.int64)
        past_futility += t.rejections_past_futility
        events += t.events_sum
        duration += t.duration_sum
    power = float(by_look.sum()) / sims
    plan = _plan(s)
    bounds = plan.futility if plan.futility is not None and s.endpoint != "orr" else None
    has_futility = bounds is not None
    finals = plan.final_critical if s.endpoint != "orr" else None
    return SimulationResult(
        power=power,
        mc_se=math.sqrt(power * (1.0 - power) / sims),
        reject_by_look=tuple(float(c) / sims for c in by_look),
        expected_events=events / sims,
        expected_duration=duration / sims,
        critical_values=tuple(float(c) for c in plan.critical),
        hr=s.hr,
        sims=sims,
        seed=seed,
        futility_bounds=() if bounds is None else tuple(float(a) for a in bounds[:-1]),
        futility_by_look=tuple(float(c) / sims for c in futile[:-1]) if has_futility else (),
        binding_futility=plan.binding_futility,
        power_futility_ignored=(
            power + past_futility / sims if has_futility and not plan.binding_futility else None
        ),
        early_final_by_look=() if finals is None else tuple(float(c) / sims for c in early),
        early_final_bounds=() if finals is None else tuple(float(c) for c in finals[:-1]),
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
    if isinstance(sims, bool) or not isinstance(sims, int) or not 1 <= sims <= MAX_SIMS:
        raise InputError(f"sims must be a whole number from 1 to {MAX_SIMS:,}", field="sims")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError("seed must be a non-negative whole number", field="seed")
    s = scenario.validated()
    blocks = list(enumerate(block_sizes(sims)))
    tallies: list[BlockTally] = []
    done = 0
    for first in range(0, len(blocks), BLOCKS_PER_CALL):
        for tally in block_tallies(s, seed, blocks[first : first + BLOCKS_PER_CALL]):
            tallies.append(tally)
            done += tally.trials
            if progress is not None:
                progress(done)
    return combine(s, tallies, seed)
