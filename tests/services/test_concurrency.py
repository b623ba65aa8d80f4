"""Exactly-once randomization under concurrency, with real separate processes, and crash safety.

Workers are forked processes, each with its own engine and connections, released together by
a barrier so their transactions overlap. A writer killed with SIGKILL in the middle of a
transaction must lose nothing committed and leave nothing half written.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
from collections import defaultdict
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from metsor.eligibility import EligibilitySettings
from metsor.errors import ConflictError
from metsor.protocol import builtin
from metsor.randomization import generate_allocation_list
from metsor.services.context import Database, unit_of_work
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.randomize import randomize_subject
from metsor.services.reports import verify_audit
from metsor.services.scheme import DEFAULT_BLOCK_SIZES
from metsor.services.stratification import strata_of
from metsor.store.models.core import Allocation, StratumCounter, Subject

from .conftest import CONSENTED_ON, SCREENED_ON, SEED, TRIAL_START, Calendar, record_for

pytestmark = pytest.mark.slow

WORKERS = 50
JOIN_TIMEOUT_S = 120


def _enroll_many(database: Database, records: list[dict[str, Any]]) -> list[str]:
    """Register and consent every record in one transaction; return the subject ids."""
    ids = []
    with unit_of_work(database, "inv_tj") as ctx:
        for record in records:
            subject_id = register_subject(ctx, record=record, screened_on=SCREENED_ON).subject_id
            record_consent(ctx, subject_id, consent_date=CONSENTED_ON)
            ids.append(subject_id)
    return ids


def _randomize_worker(url: str, subject_id: str, barrier: Any, results: Any) -> None:
    database = Database.open(url, clock=Calendar(TRIAL_START))
    try:
        barrier.wait(timeout=60)
        try:
            with unit_of_work(database, "inv_tj") as ctx:
                result = randomize_subject(ctx, subject_id)
            results.put(("ok", subject_id, result.stratum, result.list_position, result.arm))
        except ConflictError as exc:
            results.put(("conflict", subject_id, str(exc), None, None))
        except Exception as exc:  # reported to the parent, which fails the test
            results.put(("error", subject_id, repr(exc), None, None))
    finally:
        database.close()


def _register_worker(url: str, _: str, barrier: Any, results: Any) -> None:
    database = Database.open(url)
    try:
        barrier.wait(timeout=60)
        with unit_of_work(database, "coord_tj") as ctx:
            result = register_subject(ctx, record=record_for(), screened_on=SCREENED_ON)
        results.put(("ok", result.subject_id, None, None, None))
    except Exception as exc:  # reported to the parent, which fails the test
        results.put(("error", "", repr(exc), None, None))
    finally:
        database.close()


def _run_workers(
    database: Database, subject_ids: list[str], worker: Any = _randomize_worker
) -> list[tuple[Any, ...]]:
    database.close()  # no connection may cross a fork
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(subject_ids))
    results = context.Queue()
    processes = [
        context.Process(target=worker, args=(database.url, sid, barrier, results))
        for sid in subject_ids
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=JOIN_TIMEOUT_S) for _ in processes]
    for process in processes:
        process.join(timeout=JOIN_TIMEOUT_S)
        assert process.exitcode == 0
    return outcomes


def _concealed_list():
    return generate_allocation_list(
        seed=SEED,
        strata=strata_of(builtin()),
        arms=builtin().arm_codes,
        ratio=(1, 1),
        block_sizes=DEFAULT_BLOCK_SIZES,
        length_per_stratum=82,
    )


def _assert_consistent(database: Database) -> None:
    with unit_of_work(database, "admin", readonly=True) as ctx:
        report = verify_audit(ctx)
        assert report.intact, report.first_problem
        positions: dict[str, list[int]] = defaultdict(list)
        for allocation in ctx.session.scalars(select(Allocation)):
            positions[allocation.stratum].append(allocation.list_position)
        for counter in ctx.session.scalars(select(StratumCounter)):
            assert sorted(positions[counter.stratum]) == list(range(1, counter.next_position))


def test_fifty_simultaneous_randomizations_use_consecutive_positions(trial):
    # every stratum, BCLC-C or not: the trial opened without requiring stage C
    trial = replace(trial, eligibility=EligibilitySettings(require_bclc_c=False))
    records = [record_for(ecog=i % 3, mvi=i % 4 == 0, ehs=i % 5 == 0) for i in range(WORKERS)]
    subject_ids = _enroll_many(trial, records)
    outcomes = _run_workers(trial, subject_ids)
    assert [o for o in outcomes if o[0] != "ok"] == []
    by_stratum: dict[str, list[int]] = defaultdict(list)
    concealed = _concealed_list()
    for _, _, stratum, position, arm in outcomes:
        by_stratum[stratum].append(position)
        assert arm == concealed.entry(stratum, position).arm
    assert sum(len(p) for p in by_stratum.values()) == WORKERS
    for stratum, positions in by_stratum.items():
        assert sorted(positions) == list(range(1, len(positions) + 1)), stratum
    with unit_of_work(trial, "admin", readonly=True) as ctx:
        numbers = sorted(ctx.session.scalars(select(Allocation.enrollment_number)))
    assert numbers == list(range(1, WORKERS + 1))
    _assert_consistent(trial)


def test_simultaneous_requests_for_one_subject_allocate_once(trial):
    (subject_id,) = _enroll_many(trial, [record_for()])
    outcomes = _run_workers(trial, [subject_id] * 8)
    kinds = sorted(o[0] for o in outcomes)
    assert kinds == ["conflict"] * 7 + ["ok"]
    assert all("already randomized" in o[2] for o in outcomes if o[0] == "conflict")
    with unit_of_work(trial, "admin", readonly=True) as ctx:
        assert len(ctx.session.scalars(select(Allocation)).all()) == 1
    _assert_consistent(trial)


def test_simultaneous_registrations_at_one_site_get_distinct_consecutive_numbers(trial):
    outcomes = _run_workers(trial, [""] * 12, worker=_register_worker)
    assert [o for o in outcomes if o[0] != "ok"] == []
    assert sorted(o[1] for o in outcomes) == [f"TJ-{n:03d}" for n in range(1, 13)]
    _assert_consistent(trial)


_WRITER = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime, timedelta
    from metsor.services.context import Database, unit_of_work
    from metsor.services.enrollment import record_consent, register_subject
    from metsor.services.randomize import randomize_subject

    url, committed_before_kill = sys.argv[1], int(sys.argv[2])
    record = __import__("json").loads(sys.argv[3])
    database = Database.open(url)
    today = datetime.now(UTC).date()

    def enroll():
        with unit_of_work(database, "inv_tj") as ctx:
            sid = register_subject(
                ctx, record=record, screened_on=today - timedelta(days=10)
            ).subject_id
            record_consent(ctx, sid, consent_date=today - timedelta(days=9))
        return sid

    for _ in range(committed_before_kill):
        sid = enroll()
        with unit_of_work(database, "inv_tj") as ctx:
            randomize_subject(ctx, sid)
        print("COMMITTED", sid, flush=True)
    sid = enroll()
    print("CONSENTED", sid, flush=True)
    with unit_of_work(database, "inv_tj") as ctx:
        randomize_subject(ctx, sid)  # flushed: allocation, counter, status; not committed
        register_subject(ctx, record=record, screened_on=today - timedelta(days=10))
        ctx.session.flush()
        print("MIDWRITE", sid, flush=True)
        time.sleep(600)
    """
)


def test_kill_9_in_the_middle_of_a_write_loses_nothing_and_leaves_nothing_half_written(trial):
    import json

    trial.close()
    lines = []
    with subprocess.Popen(
        [sys.executable, "-c", _WRITER, trial.url, "3", json.dumps(record_for())],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:
            lines.append(line.split())
            if line.startswith("MIDWRITE"):
                os.kill(child.pid, signal.SIGKILL)
                break
        _, errors = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, errors
    assert lines[-1][0] == "MIDWRITE"
    committed = [sid for word, sid in lines if word == "COMMITTED"]
    interrupted = lines[-1][1]
    assert len(committed) == 3
    with unit_of_work(trial, "admin", readonly=True) as ctx:
        subjects = {s.subject_id: s.status for s in ctx.session.scalars(select(Subject))}
        allocated = set(ctx.session.scalars(select(Allocation.subject_id)))
    # Committed randomizations survive; the interrupted one and the half-made subject do not.
    assert allocated == set(committed)
    assert subjects == {**dict.fromkeys(committed, "randomized"), interrupted: "consented"}
    _assert_consistent(trial)
    # The database takes the next write: the interrupted subject gets the next position.
    with unit_of_work(trial, "inv_tj") as ctx:
        assert randomize_subject(ctx, interrupted).list_position == 4
    _assert_consistent(trial)
