"""Time registration and randomization through the services, on SQLite and PostgreSQL.

Two measurements per database:

1. Sequential: register (with screening), consent and randomize N subjects (default 1,000),
   one transaction per step as a site works, every write validated and audited.
2. Concurrent: W writer processes (default 50), each with its own connections, start together
   and randomize their share of M consented subjects (default 500); throughput is
   randomizations per second, exactly-once checked afterwards (positions consecutive per
   stratum, audit chain intact).

Then the whole audit trail is verified (the keyed chain with its key, the anchor file, the
replay against every audited row, actors and allocations) and timed. The audit key and the
anchor file are those ``db init`` writes, in a temporary ``METSOR_HOME``, as in production.

The peer, measured in the same run on the same database, is a bare commit: one SQLAlchemy Core
insert of one row into a scratch table per transaction, as many transactions as the services
used. The ratio says what validation, screening, locking and the audit chain cost per
transaction.

Run: ``python benchmarks/database.py`` (about a minute; ``--subjects``, ``--concurrent``,
``--writers``, ``--postgres DSN``, ``--no-postgres``). PostgreSQL runs in a throwaway database
``metsor_bench_<random>`` on the server named by the DSN (default 127.0.0.1:5432, user
postgres), dropped at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from metsor.eligibility.examples import eligible_record
from metsor.services.allocation_seed import SeedSource
from metsor.services.context import Database, unit_of_work
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.randomize import randomize_subject
from metsor.services.reports import verify_audit
from metsor.services.setup import initialize
from metsor.services.users import add_user
from metsor.store.models.core import Allocation, StratumCounter

SEED = SeedSource(bytes(range(7, 39)), "benchmark")
SCREENED, CONSENTED = date(2026, 1, 5), date(2026, 1, 6)
#: The trial's clock: subjects are randomized the day after consent, within the protocol's
#: screening and consent windows whatever the real date.
RANDOMIZED_AT = datetime(2026, 1, 7, 12, tzinfo=UTC)


def _trial_clock() -> datetime:
    return RANDOMIZED_AT


def record_of(index: int) -> dict[str, Any]:
    """The example eligible record, spread over the four strata."""
    record = eligible_record()
    record["ecog"] = index % 3
    record["tumour"]["macrovascular_invasion"] = index % 2 == 0
    record["tumour"]["extrahepatic_spread"] = index % 5 == 0
    return record


def set_up(database: Database, subjects: int) -> None:
    """Initialise the trial for ``subjects`` subjects, with an investigator at TJ."""
    initialize(database, seed=SEED, target_enrollment=subjects, length_per_stratum=subjects)
    with unit_of_work(database, "admin") as ctx:
        add_user(ctx, username="inv", role="investigator", site="TJ")


def sequential(database: Database, subjects: int) -> tuple[float, int]:
    """Seconds to register, consent and randomize ``subjects``; transactions used."""
    start = time.perf_counter()
    for index in range(subjects):
        with unit_of_work(database, "inv") as ctx:
            sid = register_subject(ctx, record=record_of(index), screened_on=SCREENED).subject_id
        with unit_of_work(database, "inv") as ctx:
            record_consent(ctx, sid, consent_date=CONSENTED)
        with unit_of_work(database, "inv") as ctx:
            randomize_subject(ctx, sid)
    return time.perf_counter() - start, 3 * subjects


def bare_commits(database: Database, transactions: int) -> float:
    """Seconds for the same number of one-row Core insert transactions (the peer)."""
    scratch = Table(
        f"bench_scratch_{secrets.token_hex(3)}",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("subject_id", String(32)),
    )
    scratch.create(database.engine)
    try:
        start = time.perf_counter()
        for index in range(transactions):
            with database.engine.begin() as conn:
                conn.execute(insert(scratch).values(subject_id=f"TJ-{index:04d}"))
        return time.perf_counter() - start
    finally:
        scratch.drop(database.engine)


def _writer(url: str, subject_ids: list[str], barrier: Any, done: Any) -> None:
    database = Database.open(url, clock=_trial_clock)
    try:
        barrier.wait(timeout=120)
        for sid in subject_ids:
            with unit_of_work(database, "inv") as ctx:
                randomize_subject(ctx, sid)
        done.put(len(subject_ids))
    finally:
        database.close()


def concurrent(database: Database, subjects: int, writers: int, already: int) -> float:
    """Randomizations per second with ``writers`` processes over ``subjects`` subjects."""
    with unit_of_work(database, "inv") as ctx:
        ids = []
        for index in range(subjects):
            sid = register_subject(ctx, record=record_of(index), screened_on=SCREENED).subject_id
            record_consent(ctx, sid, consent_date=CONSENTED)
            ids.append(sid)
    database.close()
    context = multiprocessing.get_context("fork")
    barrier, done = context.Barrier(writers + 1), context.Queue()
    shares = [ids[w::writers] for w in range(writers)]
    processes = [
        context.Process(target=_writer, args=(database.url, share, barrier, done))
        for share in shares
    ]
    for process in processes:
        process.start()
    barrier.wait(timeout=120)
    start = time.perf_counter()
    finished = sum(done.get(timeout=600) for _ in processes)
    elapsed = time.perf_counter() - start
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a writer failed with exit code {process.exitcode}")
    check_exactly_once(database, already + finished)
    return finished / elapsed


def time_verify(database: Database) -> tuple[float, int]:
    """Seconds to verify the whole audit trail; rows verified."""
    start = time.perf_counter()
    with unit_of_work(database, "admin", readonly=True) as ctx:
        report = verify_audit(ctx)
    if not report.intact:
        raise RuntimeError(f"audit trail broken: {report.first_problem}")
    return time.perf_counter() - start, report.audit_rows


def check_exactly_once(database: Database, expected: int) -> None:
    """Raise unless the allocations use consecutive positions and the audit trail is intact."""
    with unit_of_work(database, "admin", readonly=True) as ctx:
        positions: dict[str, list[int]] = defaultdict(list)
        for stratum, position in ctx.session.execute(
            select(Allocation.stratum, Allocation.list_position)
        ):
            positions[stratum].append(position)
        if sum(len(p) for p in positions.values()) != expected:
            raise RuntimeError("allocations are missing")
        for counter in ctx.session.scalars(select(StratumCounter)):
            if sorted(positions[counter.stratum]) != list(range(1, counter.next_position)):
                raise RuntimeError(f"positions of {counter.stratum} skip or repeat")
        report = verify_audit(ctx)
        if not report.intact:
            raise RuntimeError(f"audit trail broken: {report.first_problem}")


@contextmanager
def sqlite_url() -> Iterator[str]:
    """A fresh SQLite file in a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{os.path.join(folder, 'bench.sqlite')}"


@contextmanager
def postgres_url(dsn: str) -> Iterator[str]:
    """A throwaway PostgreSQL database, dropped afterwards."""
    import psycopg

    name = f"metsor_bench_{secrets.token_hex(4)}"
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            f"postgresql+psycopg://{params.get('user', 'postgres')}@"
            f"{params.get('host', '127.0.0.1')}:{params.get('port', 5432)}/{name}"
        )
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f'DROP DATABASE "{name}"')


def run(label: str, make_url: Any, args: argparse.Namespace) -> None:
    """Both measurements on one database kind; prints the figures."""
    with make_url() as url:
        database = Database.open(url, clock=_trial_clock)
        set_up(database, args.subjects + args.concurrent)
        seconds, transactions = sequential(database, args.subjects)
        peer = bare_commits(database, transactions)
        throughput = concurrent(database, args.concurrent, args.writers, args.subjects)
        verify_seconds, audit_rows = time_verify(database)
        database.close()
    per_subject_ms = 1000 * seconds / args.subjects
    print(
        f"{label:10s} register+consent+randomize {args.subjects} subjects: {seconds:6.2f} s "
        f"({per_subject_ms:.1f} ms/subject, {1000 * seconds / transactions:.2f} ms/transaction)"
    )
    print(
        f"{label:10s} peer, {transactions} bare one-row commits: {peer:6.2f} s "
        f"-> services cost {seconds / peer:.1f}x a bare commit"
    )
    print(
        f"{label:10s} {args.writers} concurrent writers, {args.concurrent} randomizations: "
        f"{throughput:.0f} randomizations/s (exactly-once and audit chain checked)"
    )
    print(
        f"{label:10s} audit verify (chain + replay against every row): {audit_rows} audit rows "
        f"in {verify_seconds:.2f} s"
    )


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--concurrent", type=int, default=500)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--postgres", default="host=127.0.0.1 port=5432 user=postgres")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["METSOR_HOME"] = home  # the audit key and anchor of db init; writers inherit it
        run("sqlite", sqlite_url, args)
        if not args.no_postgres:
            run("postgresql", lambda: postgres_url(args.postgres + " dbname=postgres"), args)


if __name__ == "__main__":
    main()
