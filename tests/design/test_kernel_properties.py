"""The simulator's compiled kernel on extreme designs, each property in a fresh interpreter.

A design that :meth:`TrialDesign.check` accepts may still hold subnormal or huge hazards,
accrual periods and calendar times (the scenario's own bounds are stricter): the kernel must
stay inside its arrays and finish, and its outcomes must be outcomes. Each property runs in a
subprocess started by the test below, so that a crash or a hang fails that test instead of
killing the run; the subprocess runs this file as a script with the property's name and the
Hypothesis settings of the current profile (``ci``, ``dev`` or ``fuzz``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metsor.design._kernel import (
    ENDPOINT_CODES,
    OUTCOME_COLUMNS,
    TTP_DEATH_CODES,
    TrialDesign,
    run_blocks,
)
from metsor.design.simulate import Scenario, simulate
from metsor.errors import InputError

KEY = np.array([[0x2016_0203, 0x0267_2488, 82]], dtype=np.uint32)
TRIALS = 3

positive = st.sampled_from([5e-324, 1e-310, 1e-300, 1e-3, 0.06, 1.0, 1e3, 1e300, 1.7e308])


@st.composite
def designs(draw: st.DrawFn) -> TrialDesign:
    n = draw(st.integers(1, 16))
    looks = draw(st.integers(1, 3))
    targets = np.array(draw(st.lists(st.integers(0, 20), min_size=looks, max_size=looks)))
    critical = draw(
        st.lists(
            st.sampled_from([-np.inf, -2.0, 0.0, 1.96, 40.0, np.inf]),
            min_size=looks,
            max_size=looks,
        )
    )
    return TrialDesign(
        group=np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)), np.int8),
        rates=np.array([*(draw(positive) for _ in range(4)), draw(st.just(0.0) | positive)]),
        accrual=draw(positive),
        endpoint=draw(st.sampled_from(sorted(ENDPOINT_CODES.values()))),
        targets=targets.astype(np.int64),
        calendar_end=draw(positive) if np.any(targets == 0) else draw(st.just(0.0) | positive),
        critical=np.array(critical, dtype=np.float64),
        two_sided=draw(st.booleans()),
        scan_days=draw(st.sampled_from([0.0, 1.0, 61.0, 1e300])),
        ttp_death=draw(st.sampled_from(sorted(TTP_DEATH_CODES.values()))),
        futility=np.array(
            draw(
                st.lists(
                    st.sampled_from([-np.inf, -2.0, 0.0, 1.0, 40.0, np.inf]),
                    min_size=looks,
                    max_size=looks,
                )
            ),
            dtype=np.float64,
        ),
        binding_futility=draw(st.booleans()),
    )


@given(designs())
def outcomes_are_outcomes(design: TrialDesign) -> None:
    """A look index or −1, a count of events among the patients, a cut-off ≥ 0."""
    [outcome] = run_blocks(KEY, [TRIALS], design, threads=1)
    look, events, cutoff, _, futile, futile_events, futile_cutoff, early = outcome.T
    assert outcome.shape == (TRIALS, len(OUTCOME_COLUMNS))
    for stop in (look, futile, early):
        assert np.all((stop >= -1) & (stop < design.targets.size) & (stop == np.round(stop)))
    assert np.all(futile < design.targets.size - 1)  # never at the final look
    assert np.all(early < design.targets.size - 1)  # an interim the final came before
    for seen in (events, futile_events):
        assert np.all((seen >= 0) & (seen <= design.group.size))
    assert not np.any(cutoff < 0)
    assert not np.any(futile_cutoff < 0)


@given(
    st.sampled_from(["median_control", "median_experimental", "accrual_months"]),
    st.sampled_from([5e-324, 1e-310, 1e-300, 1e-9, 1e9, 1e300, np.nan, np.inf, -1.0]),
)
def scenarios_refuse_medians_and_durations_out_of_range(field: str, value: float) -> None:
    base = {"n": 20, "median_control": 10.7, "median_experimental": 14.0, "accrual_months": 24.0}
    scenario = Scenario(**{**base, field: value})  # type: ignore[arg-type]
    with pytest.raises(InputError, match=field) as raised:
        simulate(scenario, sims=10, seed=1)
    assert raised.value.field == field


PROPERTIES: dict[str, Callable[[], None]] = {
    "outcomes_are_outcomes": outcomes_are_outcomes,
    "scenarios_refuse_medians_and_durations_out_of_range": (
        scenarios_refuse_medians_and_durations_out_of_range
    ),
}


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in PROPERTIES])
def test_simulator_property_in_a_fresh_interpreter(
    name: str, fresh_interpreter: Callable[[Path, str], None]
) -> None:
    """The property holds, and the interpreter that checked it exited normally (no signal)."""
    fresh_interpreter(Path(__file__), name)


def _main(name: str, chosen: str) -> None:
    """Check one property with the given settings (run as a script by the test above)."""
    values = json.loads(chosen)
    check = settings(deadline=None, database=None, **values)(PROPERTIES[name])
    check()
    print(f"{name}: ok")


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2])
