"""The simulator's compiled core: its generator, its draws, and its log-rank looks per trial."""

from __future__ import annotations

import math
from dataclasses import replace

import numba
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from metsor.design._kernel import ENDPOINT_CODES, TrialDesign, draw_trial, run_blocks
from metsor.design._philox import exponential, minus_log, philox4x32, uniform
from metsor.design.simulate import (
    BLOCK_TRIALS,
    Scenario,
    _plan,
    block_sizes,
    block_tallies,
    block_tally,
    simulate,
)
from metsor.errors import InputError
from metsor.stats.logrank import logrank_test

RTOL = 1e-10  # kernel and one-trial log-rank sum the same terms in a different order
LOG_ULPS = 4  # the series logarithm is within a few units in the last place
KS_P = 1e-3  # fixed keys: a distribution check that fails only if the draws are wrong
KEY = np.array([0x2016_0203, 0x0267_2488, 82], dtype=np.uint32)


@numba.njit(cache=True)
def _philox(words: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    out = np.empty(4, dtype=np.uint32)
    out[0], out[1], out[2], out[3] = philox4x32(
        words[0], words[1], words[2], words[3], words[4], words[5]
    )
    return out


@numba.njit(cache=True)
def _minus_log(x: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = minus_log(x[i])
    return out


@numba.njit(cache=True)
def _uniform_exponential(words: np.ndarray) -> tuple[float, float]:  # pragma: no cover
    return uniform(words[0], words[1]), exponential(words[0], words[1])


@pytest.mark.parametrize(
    ("counter", "key", "expected"),
    [
        (
            "00000000 00000000 00000000 00000000",
            "00000000 00000000",
            "6627e8d5 e169c58d bc57ac4c 9b00dbd8",
        ),
        (
            "ffffffff ffffffff ffffffff ffffffff",
            "ffffffff ffffffff",
            "408f276d 41c83b0e a20bc7c6 6d5451fd",
        ),
        (
            "243f6a88 85a308d3 13198a2e 03707344",
            "a4093822 299f31d0",
            "d16cfe09 94fdcceb 5001e420 24126ea1",
        ),
    ],
)
def test_philox_known_answers(counter: str, key: str, expected: str) -> None:
    """Random123 (D. E. Shaw Research), tests/kat_vectors, the "philox4x32 10" lines."""
    words = np.array([int(w, 16) for w in f"{counter} {key}".split()], dtype=np.uint32)
    assert [f"{int(w):08x}" for w in _philox(words)] == expected.split()


def test_uniform_and_exponential_ends() -> None:
    """The top 53 bits make U; U = 0 gives time 0 and the largest U a finite time."""
    zero = np.array([0, 0], dtype=np.uint32)
    top = np.array([0xFFFFFFFF, 0xFFFFFFFF], dtype=np.uint32)
    assert _uniform_exponential(zero) == (0.0, 0.0)
    u, e = _uniform_exponential(top)
    assert u == 1.0 - 2.0**-53
    assert_allclose(e, 53 * math.log(2), rtol=LOG_ULPS * 2.0**-52)


def test_minus_log_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate(
        [
            1.0 - rng.random(200_000),
            rng.random(200_000) ** 16,
            [2.0**-53, 0.5, 1.0, 1.0 - 2.0**-53, np.sqrt(0.5), np.nextafter(np.sqrt(0.5), 1.0)],
        ]
    )
    assert_allclose(_minus_log(x), -np.log(x), rtol=LOG_ULPS * 2.0**-52, atol=0)


def _patients(s: Scenario, trial: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    plan = _plan(s.validated())
    out = np.empty((3, s.n))
    code = ENDPOINT_CODES[s.endpoint]
    draw_trial(KEY, trial, plan.group, plan.rates, plan.accrual, code, out[0], out[1], out[2])
    return out[0], out[1], out[2]


def _scenario(**change: object) -> Scenario:
    values: dict[str, object] = {
        "n": 82,
        "median_control": 10.7,
        "median_experimental": 14.0,
        "accrual_months": 24.0,
        "follow_up_months": 12.0,
        # continuous time: these tests read progression from draw_trial's latent times
        "assessment_interval_months": None,
    }
    return Scenario(**{**values, **change})


def test_draws_follow_the_scenario() -> None:
    """Entry uniform over accrual; OS exponential with each arm's median; no dropout, no
    censoring before the cut-off."""
    s = _scenario()
    group = _plan(s.validated()).group
    draws = [_patients(s, trial) for trial in range(300)]
    entry = np.concatenate([d[0] for d in draws])
    assert stats.kstest(entry, stats.uniform(0, 24).cdf).pvalue > KS_P
    for arm, median in ((0, 10.7), (1, 14.0)):
        death = np.concatenate([d[1][group == arm] for d in draws])
        assert stats.kstest(death, stats.expon(scale=median / math.log(2)).cdf).pvalue > KS_P
    assert all(np.all(np.isinf(d[2])) for d in draws)


def test_dropout_and_progression_keep_entry_and_death_draws() -> None:
    """A patient's entry and death come from their own counter whatever else is drawn, so
    scenarios with the same seed share them (common random numbers)."""
    entry, death, _ = _patients(_scenario(), 7)
    entry_d, death_d, dropout = _patients(_scenario(dropout_per_year=0.2), 7)
    entry_t, progression, censor = _patients(_scenario(endpoint="ttp", dropout_per_year=0.2), 7)
    assert_array_equal(entry_d, entry)
    assert_array_equal(entry_t, entry)
    assert_array_equal(death_d, death)
    assert_array_equal(censor, np.minimum(dropout, death))
    assert not np.array_equal(progression, death)
    _, pfs, censor_p = _patients(_scenario(endpoint="pfs", dropout_per_year=0.2), 7)
    assert_array_equal(pfs, np.minimum(progression, death))
    assert_array_equal(censor_p, dropout)
    dropped = np.concatenate([_patients(_scenario(dropout_per_year=0.2), t)[2] for t in range(300)])
    rate = -math.log1p(-0.2) / 12
    assert stats.kstest(dropped, stats.expon(scale=1 / rate).cdf).pvalue > KS_P


def _at_cut(
    cut: float, entry: np.ndarray, event_time: np.ndarray, censor_time: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who is in the analysis at calendar ``cut``, their follow-up and event indicator."""
    entered = entry < cut
    event = (event_time <= censor_time) & (entry + event_time <= cut)
    time = np.where(event, event_time, np.minimum(censor_time, cut - entry))
    return entered, time[entered], event[entered]


CASES = {
    "time-driven": _scenario(),
    "event-driven, two looks": _scenario(events=59, looks=(0.5, 1.0), alpha=0.025, sides=1),
    "time-driven, an interim the end may come first": _scenario(
        looks=(0.5, 0.95, 1.0), alpha=0.025, sides=1
    ),
    "ttp with dropout": _scenario(endpoint="ttp", dropout_per_year=0.2, looks=(0.5, 1.0)),
    "pfs, small": _scenario(n=12, endpoint="pfs", events=9),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_trial_is_the_one_trial_logrank_at_its_cut_off(name: str) -> None:
    """z, events and cut-off of every trial, recomputed from its draws with numpy and the
    one-trial log-rank (``survdiff``), at the look where the kernel stopped."""
    s = CASES[name].validated()
    plan = _plan(s)
    trials = 60
    [outcome] = run_blocks(KEY[None, :], [trials], plan)
    look, events, cutoff, z = outcome.T[:4]
    early = outcome.T[7]
    for trial in range(trials):
        entry, event_time, censor_time = _patients(s, trial)
        stop = int(look[trial]) if look[trial] >= 0 else len(s.looks) - 1
        target = plan.targets[stop]
        if target > 0 and events[trial] == target:  # an event-driven look reached its events
            calendar = np.sort((entry + event_time)[event_time <= censor_time])
            assert cutoff[trial] == calendar[target - 1]
        entered, time, event = _at_cut(cutoff[trial], entry, event_time, censor_time)
        assert events[trial] == event.sum()
        one = logrank_test(time, event, plan.group[entered], timefix=False)
        ours = (one.expected[1] - one.observed[1]) / math.sqrt(one.variance[1, 1])
        assert_allclose(z[trial], ours, rtol=RTOL)
        bound = plan.critical[stop]
        if early[trial] >= 0:  # the end of follow-up came before that interim's events
            assert plan.final_critical is not None
            bound = plan.final_critical[int(early[trial])]
            assert cutoff[trial] == s.accrual_months + s.follow_up_months
        assert (look[trial] >= 0) == ((abs(ours) if s.sides == 2 else ours) >= bound)


def test_a_block_does_not_depend_on_its_company_or_the_threads() -> None:
    """Blocks simulated together, apart, in another order or on one thread give the same
    tallies: each block's trials depend on its key and their index only. (numba's thread
    count sets how many threads run the blocks.)"""
    s = _scenario(looks=(0.5, 1.0), dropout_per_year=0.1).validated()
    sizes = block_sizes(3 * BLOCK_TRIALS + 77)
    together = block_tallies(s, 11, list(enumerate(sizes)))
    apart = [block_tally(s, 11, b, n) for b, n in enumerate(sizes)]
    backwards = block_tallies(s, 11, list(reversed(list(enumerate(sizes)))))[::-1]
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        alone = block_tallies(s, 11, list(enumerate(sizes)))
    finally:
        numba.set_num_threads(threads)
    assert together == apart == backwards == alone
    assert block_tally(s, 12, 0, sizes[0]) != together[0]


def test_a_trial_does_not_depend_on_the_size_of_its_block_nor_the_threads() -> None:
    plan = _plan(_scenario(looks=(0.5, 1.0)).validated())
    [short] = run_blocks(KEY[None, :], [300], plan, threads=1)
    [full] = run_blocks(KEY[None, :], [BLOCK_TRIALS], plan, threads=3)
    assert_array_equal(short, full[:300])


def test_one_block_or_many_per_call_same_simulation() -> None:
    s = _scenario(events=59, alpha=0.025, sides=1)
    r = simulate(s, sims=2 * BLOCK_TRIALS + 5, seed=3)
    tallies = block_tallies(s.validated(), 3, list(enumerate(block_sizes(2 * BLOCK_TRIALS + 5))))
    assert r.power == sum(t.rejections[0] for t in tallies) / r.sims
    assert r.expected_events == 59.0


def test_looks_given_as_a_list() -> None:
    """Scenarios are cached by value; a list of looks is read as the tuple."""
    listed = simulate(_scenario(looks=[0.5, 1.0]), sims=1000, seed=4)
    assert listed == simulate(_scenario(looks=(0.5, 1.0)), sims=1000, seed=4)


def _design(**change: object) -> TrialDesign:
    base = _plan(_scenario().validated())
    return replace(base, **change)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"group": np.array([0, 2], np.int8)}, "group", id="group-2"),
        pytest.param({"group": np.array([0, 1])}, "group", id="group-not-int8"),
        pytest.param({"group": np.array([], np.int8)}, "group", id="no-patients"),
        pytest.param({"rates": np.ones(4)}, "rates", id="four-rates"),
        pytest.param({"rates": np.array([1.0, np.inf, 1, 1, 0])}, "rates", id="infinite-rate"),
        pytest.param({"rates": np.array([1.0, 0.0, 1, 1, 0])}, "rates", id="zero-hazard"),
        pytest.param({"accrual": 0.0}, "accrual", id="no-accrual"),
        pytest.param({"endpoint": -1}, "endpoint", id="orr-code"),
        pytest.param({"targets": np.array([], np.int64)}, "targets", id="no-looks"),
        pytest.param({"critical": np.array([1.96, 2.0])}, "critical", id="critical-per-look"),
        pytest.param({"calendar_end": 0.0}, "calendar_end", id="time-driven-without-end"),
        pytest.param({"scan_days": 0.5}, "scan_days", id="scan-under-a-day"),
        pytest.param({"futility": np.array([0.0, 1.0])}, "futility", id="futility-per-look"),
        pytest.param({"futility": np.array([np.nan])}, "futility", id="futility-nan"),
        pytest.param(
            {"final_critical": np.array([1.96, 2.0])}, "final_critical", id="final-per-look"
        ),
        pytest.param({"final_critical": np.array([np.nan])}, "final_critical", id="final-nan"),
    ],
)
def test_the_kernel_runs_only_on_a_checked_design(change: dict[str, object], field: str) -> None:
    """run_blocks is the compiled kernel's Python boundary: what it could not index safely
    is refused by name before the kernel runs."""
    with pytest.raises(InputError) as info:
        run_blocks(KEY[None, :], [4], _design(**change))
    assert info.value.field == field


@pytest.mark.parametrize(
    ("keys", "trials", "field"),
    [
        pytest.param(KEY[None, :2], [4], "keys", id="two-words"),
        pytest.param(KEY[None, :].astype(np.int64), [4], "keys", id="keys-not-uint32"),
        pytest.param(KEY[None, :], [4, 4], "trials", id="trials-per-block"),
        pytest.param(KEY[None, :], [-1], "trials", id="negative-trials"),
    ],
)
def test_run_blocks_checks_keys_and_trials(keys: np.ndarray, trials: list[int], field: str) -> None:
    with pytest.raises(InputError) as info:
        run_blocks(keys, trials, _design())
    assert info.value.field == field


def test_an_interim_the_end_of_follow_up_comes_before_is_the_final_analysis() -> None:
    """A time-driven trial that reaches its end of follow-up before the 0.95 look's events
    holds its final analysis then, as the design without that look would: the same z, cut-off
    and decision at the bound spending all the α the 0.5 look left (not the planned final
    bound, which keeps back the α of the look not held)."""
    three = _scenario(looks=(0.5, 0.95, 1.0), alpha=0.025, sides=1).validated()
    two = replace(three, looks=(0.5, 1.0)).validated()
    plan3, plan2 = _plan(three), _plan(two)
    assert plan3.targets[0] == plan2.targets[0]
    assert plan3.final_critical is not None
    assert plan3.final_critical[1] == pytest.approx(plan2.critical[-1], abs=1e-9)
    assert plan3.final_critical[1] < plan3.critical[-1]
    trials = 400
    [with_look] = run_blocks(KEY[None, :], [trials], plan3)
    [without] = run_blocks(KEY[None, :], [trials], plan2)
    early = with_look[:, 7] == 1
    assert 0 < early.sum() < trials
    assert np.all(with_look[:, 7] != 0)  # the 0.5 look always comes before the end
    assert_array_equal(with_look[early, 1:4], without[early, 1:4])
    assert_array_equal(with_look[early, 0] >= 0, without[early, 0] >= 0)
    assert np.all(with_look[early & (with_look[:, 0] >= 0), 0] == 2)  # counted at the final
    assert np.all(with_look[~early, 7] == -1)


def test_an_early_final_is_counted_by_the_interim_it_came_before() -> None:
    """simulate reports the share of trials whose end of follow-up came before each interim
    look's events, and the bound of their final analysis; an event-driven design has none."""
    s = _scenario(looks=(0.5, 0.95, 1.0), alpha=0.025, sides=1)
    r = simulate(s, sims=2000, seed=3)
    assert r.early_final_by_look[0] == 0.0
    assert 0.0 < r.early_final_by_look[1] < 1.0
    assert r.early_final_bounds[1] == pytest.approx(
        simulate(replace(s, looks=(0.5, 1.0)), sims=10, seed=3).critical_values[-1], abs=1e-9
    )
    event_driven = simulate(replace(s, events=59), sims=100, seed=3)
    assert event_driven.early_final_by_look == event_driven.early_final_bounds == ()
