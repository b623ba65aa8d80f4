"""The virtual trial's close-out: the investigator signs, on the cut-off day, the casebook of
every subject whose follow-up has ended; the data manager locks the study when asked."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from metsor.insilico import VirtualTrialResult, run_virtual_trial
from metsor.insilico.closeout import follow_up_end
from metsor.insilico.trial import SITE_USERS
from metsor.services.context import Database, unit_of_work
from metsor.services.monitoring.locks import database_lock
from metsor.services.sign_off import read_sign_off

from .conftest import SMALL


def test_follow_up_ends_by_death_withdrawal_or_the_cutoff(
    small_trial: VirtualTrialResult,
) -> None:
    plan = replace(small_trial.plans[0], death_on=None, withdrawal_kind=None)
    cutoff = small_trial.cutoff
    assert follow_up_end(plan, cutoff) == "completed"
    assert follow_up_end(replace(plan, death_on=cutoff), cutoff) == "died"
    assert follow_up_end(replace(plan, death_on=cutoff + timedelta(1)), cutoff) == "completed"
    assert follow_up_end(replace(plan, withdrawal_kind="lost_to_follow_up"), cutoff) == "withdrawn"
    assert follow_up_end(replace(plan, randomized_on=cutoff + timedelta(1)), cutoff) is None
    ended = {follow_up_end(p, cutoff) for p in small_trial.plans}
    assert "died" in ended
    assert "completed" in ended


def test_every_randomized_casebook_is_signed_and_the_study_left_open(
    small_trial: VirtualTrialResult,
) -> None:
    assert small_trial.sign_off == {"casebooks_signed": SMALL["n_target"], "study_locked": False}
    assert small_trial.to_dict()["sign_off"] == small_trial.sign_off


@pytest.mark.slow
def test_signed_at_the_cutoff_and_locked_on_both_databases(database: Database) -> None:
    """The root fixture runs this on SQLite and on PostgreSQL."""
    result = run_virtual_trial(database, seed=3, lock=True, **SMALL)
    assert result.audit["intact"], result.audit["first_problem"]
    assert result.sign_off == {"casebooks_signed": SMALL["n_target"], "study_locked": True}
    with unit_of_work(database, SITE_USERS["data_manager"], readonly=True) as ctx:
        sign_off = read_sign_off(ctx, cutoff=result.cutoff)
        lock = database_lock(ctx.session)
    assert lock.locked
    assert lock.locked_at is not None
    assert lock.locked_at.date() == result.cutoff
    randomized = {plan.subject_id for plan in result.plans}
    for subject_id in randomized:
        signed = sign_off.of(subject_id)
        assert signed.lock_state == "locked"
        signature = signed.casebook_signature
        assert signature is not None, subject_id
        assert signature.signed_at.date() == result.cutoff
        assert signature.meaning == "approve"
    unsigned = set(sign_off.subjects) - randomized  # screen failures: no follow-up to end
    assert all(sign_off.of(s).casebook_signature is None for s in unsigned)
