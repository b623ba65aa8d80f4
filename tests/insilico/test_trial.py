"""The virtual trial through the services: reproducible, audited, counted, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from metsor.errors import ConflictError, InputError
from metsor.insilico import VirtualScenario, VirtualTrialResult, run_virtual_trial
from metsor.protocol import builtin
from metsor.services.context import Database

from .conftest import SEED, SMALL, run_small


@pytest.mark.slow
def test_consort_counts_add_up(small_trial: VirtualTrialResult) -> None:
    flow = small_trial.consort
    assert flow.screened == flow.screen_failed + flow.eligible
    assert flow.consented == flow.eligible == sum(flow.randomized.values()) == SMALL["n_target"]
    assert sum(flow.failed_by_criterion.values()) >= flow.screen_failed
    assert small_trial.arms == builtin().arm_codes
    for arm in small_trial.arms:
        followed = (
            flow.died[arm] + flow.withdrew_consent[arm] + flow.lost_to_follow_up[arm]
            + flow.in_follow_up[arm]
        )  # fmt: skip
        assert followed == flow.randomized[arm] == flow.analysed[arm]
        assert min(flow.in_follow_up[arm], flow.died[arm]) >= 0
    assert small_trial.balance["randomized"] == SMALL["n_target"]
    assert {item.param for item in small_trial.endpoints} == {
        "OS", "TTP", "PFS", "OS12", "TTP12", "PFS12"
    }  # fmt: skip
    for item in small_trial.endpoints:
        assert sum(item.arms[arm].n for arm in small_trial.arms) == SMALL["n_target"]


@pytest.mark.slow
def test_audit_chain_is_intact_and_dates_stay_in_the_calendar(
    small_trial: VirtualTrialResult,
) -> None:
    assert small_trial.audit["intact"], small_trial.audit["first_problem"]
    assert small_trial.audit["audit_rows"] > small_trial.entries > 0
    assert small_trial.audit["field_changes"] > small_trial.audit["audit_rows"]
    assert small_trial.audit["counts"].startswith(
        f"{small_trial.audit['field_changes']:,} field changes audited, stored in "
        f"{small_trial.audit['audit_rows']:,} audit rows of "
    )
    for plan in small_trial.plans:
        assert small_trial.start <= plan.randomized_on <= small_trial.accrual_end
        assert all(entry.on <= small_trial.cutoff for entry in plan.entries)


@pytest.mark.slow
def test_same_seed_same_trial(small_trial: VirtualTrialResult, tmp_path: Path) -> None:
    again = run_small(f"sqlite:///{tmp_path / 'again.sqlite'}")
    first, second = small_trial.to_dict(), again.to_dict()
    first.pop("datasets"), second.pop("datasets")
    assert first == second
    assert [p.entries for p in again.plans] == [p.entries for p in small_trial.plans]


@pytest.mark.slow
def test_another_seed_another_trial(small_trial: VirtualTrialResult, tmp_path: Path) -> None:
    other = run_small(f"sqlite:///{tmp_path / 'other.sqlite'}", seed=SEED + 1)
    assert [p.entries for p in other.plans] != [p.entries for p in small_trial.plans]


@pytest.mark.slow
def test_runs_on_both_databases(database: Database) -> None:
    """The root fixture runs this on SQLite and on PostgreSQL."""
    result = run_virtual_trial(database, seed=3, **SMALL)
    assert result.audit["intact"], result.audit["first_problem"]
    assert sum(result.consort.randomized.values()) == SMALL["n_target"]
    with pytest.raises(ConflictError, match="already holds a trial"):
        run_virtual_trial(database, seed=3, **SMALL)


def test_refuses_a_cutoff_in_the_future_or_a_bad_scenario(tmp_path: Path) -> None:
    database = Database.open(f"sqlite:///{tmp_path / 'x.sqlite'}")
    try:
        with pytest.raises(InputError, match="lies in the future") as future:
            run_virtual_trial(database, seed=1, start=date_of_next_year())
        assert future.value.field == "start"
        with pytest.raises(InputError, match="hr_death") as bad:
            run_virtual_trial(database, seed=1, scenario=VirtualScenario(hr_death=0.0))
        assert bad.value.field == "hr_death"
        with pytest.raises(InputError, match="preset"):
            run_virtual_trial(database, seed=1, scenario="nowhere")
    finally:
        database.close()


def date_of_next_year():  # type: ignore[no-untyped-def]
    from datetime import UTC, date, datetime

    return date(datetime.now(UTC).year + 1, 1, 1)
