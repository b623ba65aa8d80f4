"""Time to record a full 12-month casebook for many subjects, on SQLite and PostgreSQL.

Each randomized subject's year is entered through the casebook services the way a site enters
it — one transaction per page (a visit with its laboratory panel and vital signs, a scan, a
dosing change, an adverse event, a death):

- baseline visit with six laboratory values and vital signs; baseline tumour assessment;
- sorafenib (and metformin in the combination arm) started on the day of randomization;
- treatment visits every 4 weeks (13 in the year) with the same laboratory panel and vital
  signs; tumour assessments every 7 weeks (7 in the year) with responses computed on entry;
- two adverse events, a dose reduction for half of the subjects, and a death for about a third.

A visit's page is saved by ``record_visit_page``: the visit, its six laboratory values and its
vital signs, each checked, graded and audited by the single-record services' checks, written
in one flush; it counts as eight records. ``--one-call-a-record`` enters the same page by one
service call each (``record_visit``, ``record_lab_panel``, ``record_vital_signs``) in the same
transaction, as before, for comparison.

Every record is validated, graded or classified, and audited as in production: every field in
``audit_log`` (one row a record written, holding its fields), each transaction chained by one
HMAC-SHA-256 over its rows with the key ``db init`` writes, and its head appended to the anchor
file (both in a temporary ``METSOR_HOME``). The audited field changes are counted as the trail
reads them back (:func:`metsor.store.audit.field_entries`), beside the rows stored.
The peer, measured in the same run on the same database, inserts the same rows again — every
row the casebook inserted (records, tumour lesions, adverse events' per-drug rows) with the
same values, into scratch copies of their tables (the same columns, a primary key, no other
index) — as bare SQLAlchemy Core inserts, one transaction per page as the casebook wrote them
and one ``executemany`` per table and page as the ORM's flush does: no validation, no reads,
no audit, no updates (the casebook also regrades earlier results and recomputes earlier
responses). The ratio says what the casebook's checks and audit trail cost. Wall time is
printed with this process's CPU time beside it: on a loaded machine the CPU time is the
steadier figure (on SQLite it includes the database's own work; not on PostgreSQL), and the
SQL statements sent, counted on the engine, the steadiest.

``--statements-by-kind`` lists, after the figures, the SQL statements of an average page of
each kind (what it reads, inserts and updates, table by table), counted on the engine.

Usage::

    python benchmarks/casebook.py --subjects 1000 --backend both
    python benchmarks/casebook.py --subjects 30 --backend sqlite --statements-by-kind
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, Table, event, func, inspect, select
from sqlalchemy.orm import Session

from metsor.eligibility.examples import eligible_record
from metsor.services import casebook
from metsor.services.allocation_seed import SeedSource
from metsor.services.context import Database, ServiceContext, unit_of_work
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.randomize import randomize_subject
from metsor.services.setup import initialize
from metsor.services.users import add_user
from metsor.store.audit import field_entries
from metsor.store.audit.hooks import listen_inserts
from metsor.store.base import AuditedMixin
from metsor.store.models.core import AuditLog

__all__ = ["main"]

Entry = tuple[Callable[..., Any], dict[str, Any]]

_TARGETS = (("T1", 40.0), ("T2", 30.0))


def _lesions(shrink: float, baseline: bool = False) -> list[dict[str, Any]]:
    rows = []
    for lesion_id, size in _TARGETS:
        viable = round(size * shrink, 1)
        rows.append(
            {
                "lesion_id": lesion_id,
                "organ": "liver",
                "kind": "target",
                "diameter_mm": max(size, viable),  # a growing viable part grows the lesion
                "viable_diameter_mm": viable,
                "enhancing": viable > 0,
            }
        )
    if baseline:
        rows.append(
            {"lesion_id": "N1", "organ": "peritoneum", "kind": "non_target", "diameter_mm": None}
        )
    return rows


def _lab_panel(rng: random.Random) -> list[dict[str, Any]]:
    panel = (
        ("ast", rng.uniform(30, 160), "U/L", None, 40.0),
        ("alt", rng.uniform(25, 140), "U/L", None, 40.0),
        ("total_bilirubin", rng.uniform(8, 50), "umol/L", None, 21.0),
        ("platelets", rng.uniform(40_000, 250_000), "/mm3", 150_000.0, None),
        ("anc", rng.uniform(800, 6000), "/mm3", 1800.0, None),
        ("hemoglobin", rng.uniform(8.5, 15), "g/dL", 13.0, None),
    )
    return [
        {"analyte": analyte, "value": round(value, 1), "unit": unit, "lln": lln, "uln": uln}
        for analyte, value, unit, lln, uln in panel
    ]


def _vitals(rng: random.Random) -> dict[str, Any]:
    return {
        "systolic_mmhg": rng.randint(110, 165),
        "diastolic_mmhg": rng.randint(65, 99),
        "heart_rate_bpm": rng.randint(60, 100),
        "weight_kg": round(rng.uniform(50, 85), 1),
        "ecog": rng.randint(0, 2),
    }


def _visit_page(
    subject_id: str, visit_type: str, number: int | None, on: date, rng: random.Random
) -> Entry:
    """A visit with its laboratory panel and vital signs, saved as one page."""
    options: dict[str, Any] = {
        "subject_id": subject_id,
        "visit_type": visit_type,
        "actual_date": on,
        "labs": _lab_panel(rng),
        "vital_signs": _vitals(rng),
    }
    if number is not None:
        options["number"] = number
    return casebook.record_visit_page, options


def records(entry: Entry) -> int:
    """The casebook records an entry writes (a visit page: the visit, one per laboratory
    value, the vital signs and each adverse event)."""
    service, options = entry
    if service is casebook.record_visit_page:
        return (
            1
            + len(options.get("labs") or ())
            + (options.get("vital_signs") is not None)
            + len(options.get("adverse_events") or ())
        )
    if service is casebook.record_lab_panel:
        return len(options["results"])
    return 1


def course_pages(subject_id: str, arm: str, day0: date, rng: random.Random) -> list[list[Entry]]:
    """The pages of one subject's 12-month casebook, in date order."""
    drugs = [drug for drug in ("sorafenib", "metformin") if drug in arm.split("_")]
    death = day0 + timedelta(rng.randint(60, 364)) if rng.random() < 0.35 else None

    def alive(day: date) -> bool:
        return death is None or day < death

    dated: list[tuple[date, int, list[Entry]]] = []
    base = day0 - timedelta(7)
    dated.append(
        (
            base,
            0,
            [_visit_page(subject_id, "baseline", None, base, rng)],
        )
    )
    dated.append(
        (
            day0 - timedelta(5),
            0,
            [
                (
                    casebook.record_tumour_assessment,
                    {
                        "subject_id": subject_id,
                        "assessed_on": day0 - timedelta(5),
                        "lesions": _lesions(1.0, baseline=True),
                    },
                )
            ],
        )
    )
    dated.append(
        (
            day0,
            1,
            [
                (
                    casebook.record_dose,
                    {"subject_id": subject_id, "drug": drug, "event": "start", "event_date": day0},
                )
                for drug in drugs
            ],
        )
    )
    for k in range(1, 14):
        on = day0 + timedelta(28 * k)
        if alive(on):
            dated.append(
                (
                    on,
                    2,
                    [_visit_page(subject_id, "treatment", k, on, rng)],
                )
            )
    shrink = 1.0
    for k in range(1, 8):
        on = day0 + timedelta(49 * k + 1)
        shrink = max(0.2, shrink * rng.uniform(0.75, 1.3))
        if alive(on):
            dated.append(
                (
                    on,
                    3,
                    [
                        (
                            casebook.record_visit,
                            {
                                "subject_id": subject_id,
                                "visit_type": "tumour_assessment",
                                "number": k,
                                "actual_date": on,
                            },
                        ),
                        (
                            casebook.record_tumour_assessment,
                            {
                                "subject_id": subject_id,
                                "assessed_on": on,
                                "lesions": _lesions(shrink),
                            },
                        ),
                    ],
                )
            )
    for offset, term in ((15, "Palmar-plantar erythrodysesthesia syndrome"), (40, "Diarrhea")):
        on = day0 + timedelta(offset)
        if alive(on):
            dated.append(
                (
                    on,
                    4,
                    [
                        (
                            casebook.record_adverse_event,
                            {
                                "subject_id": subject_id,
                                "term": term,
                                "grade": rng.randint(1, 2),
                                "onset_date": on,
                                "relatedness": dict.fromkeys(drugs, "probable"),
                                "action_taken": dict.fromkeys(drugs, "dose_not_changed"),
                            },
                        )
                    ],
                )
            )
    if rng.random() < 0.5 and alive(day0 + timedelta(45)):
        dated.append(
            (
                day0 + timedelta(45),
                5,
                [
                    (
                        casebook.record_dose,
                        {
                            "subject_id": subject_id,
                            "drug": "sorafenib",
                            "event": "reduce",
                            "level": "400mg_qd",
                            "event_date": day0 + timedelta(45),
                            "reason": "hand-foot skin reaction",
                        },
                    )
                ],
            )
        )
    if death is not None:
        dated.append(
            (
                death,
                9,
                [
                    (
                        casebook.record_death,
                        {
                            "subject_id": subject_id,
                            "death_date": death,
                            "cause": "disease_progression",
                        },
                    )
                ],
            )
        )
    dated.sort(key=lambda item: (item[0], item[1]))
    return [page for _, _, page in dated]


@dataclass(frozen=True)
class Timing:
    """What one backend measured."""

    backend: str
    subjects: int
    pages: int
    records: int
    rows: int
    audit_rows: int
    audited_fields: int
    enroll_seconds: float
    casebook_seconds: float
    peer_seconds: float
    casebook_cpu_seconds: float
    peer_cpu_seconds: float
    casebook_statements: int
    casebook_flushes: int
    peer_statements: int
    empty_seconds: float
    empty_cpu_seconds: float


def _prepare(database: Database, subjects: int) -> list[tuple[str, str, date]]:
    initialize(
        database,
        seed=SeedSource(bytes(range(1, 33)), "benchmark"),
        length_per_stratum=subjects,
        target_enrollment=subjects,
    )
    with unit_of_work(database, "admin") as ctx:
        add_user(ctx, username="inv", role="investigator", site="TJ")
    record = eligible_record()
    randomized = []
    for _ in range(subjects):
        with unit_of_work(database, "inv") as ctx:
            subject_id = register_subject(
                ctx, record=record, screened_on=date(2025, 12, 20)
            ).subject_id
            record_consent(ctx, subject_id, consent_date=date(2025, 12, 22))
            result = randomize_subject(ctx, subject_id)
        randomized.append((subject_id, result.arm, result.randomized_at.date()))
    return randomized


#: The rows a page wrote: (table, the row's columns as stored), in the order flushed.
Written = list[tuple[Table, dict[str, Any]]]


def page_kind(page: list[Entry]) -> str:
    """What a page is: its services (a visit page with its visit type, a dosing page with its
    event)."""
    names = []
    for service, options in page:
        name = service.__name__
        if service is casebook.record_visit_page:
            name += f" ({options['visit_type']})"
        elif service is casebook.record_dose:
            name += f" ({options['event']})"
        names.append(name)
    return " + ".join(dict.fromkeys(names))


#: The kind of the page being written, for ``--statements-by-kind``.
_PAGE = [""]


def _write(database: Database, pages: list[list[Entry]], written: list[list[Any]]) -> None:
    for page in pages:
        _PAGE[0] = page_kind(page)
        written.append([])
        with unit_of_work(database, "inv") as ctx:
            for service, options in page:
                _call(ctx, service, options)


def one_call_a_record(page: list[Entry]) -> list[Entry]:
    """The page with a visit page's records entered by one service call each (the visit, the
    laboratory panel, the vital signs), each flushing what it wrote: the write path before
    ``record_visit_page``, in the same transaction."""
    entries: list[Entry] = []
    for service, options in page:
        if service is not casebook.record_visit_page:
            entries.append((service, options))
            continue
        subject_id, on = options["subject_id"], options["actual_date"]
        visit: dict[str, Any] = {
            key: options[key]
            for key in ("subject_id", "visit_type", "actual_date", "number")
            if key in options
        }
        entries.append((casebook.record_visit, visit))
        entries.append(
            (
                casebook.record_lab_panel,
                {"subject_id": subject_id, "collected_on": on, "results": options["labs"]},
            )
        )
        entries.append(
            (
                casebook.record_vital_signs,
                {"subject_id": subject_id, "measured_on": on, **options["vital_signs"]},
            )
        )
    return entries


#: The ORM flushes of the casebook's sessions in the current run.
_FLUSH_COUNT = [0]


@contextmanager
def _rows_written(database: Database) -> Iterator[list[list[Any]]]:
    """Keep a copy of the attributes of every audited row the block's sessions insert (the
    casebook's records and their lesions and per-drug rows, as stored), in the list of its
    page, for the peer: one dictionary copy a row flushed by the ORM, the record itself for
    one inserted at once (:func:`metsor.store.audit.hooks.insert_records`, seen before it is
    written and read when the run is over), so that the casebook's time barely moves."""
    written: list[list[Any]] = []

    def flushed(session: Session, context: Any) -> None:
        _FLUSH_COUNT[0] += 1
        written[-1].extend(
            (type(row), dict(vars(row))) for row in session.new if isinstance(row, AuditedMixin)
        )

    def inserted(session: Session, records: Sequence[AuditedMixin]) -> None:
        # seen before they are written: their values are copied once the page is done
        written[-1].extend((type(row), row) for row in records)

    event.listen(Session, "after_flush", flushed)
    listen_inserts(database.sessions, inserted)  # the database is the run's own
    try:
        yield written
    finally:
        event.remove(Session, "after_flush", flushed)


def _call(ctx: ServiceContext, service: Callable[..., Any], options: dict[str, Any]) -> None:
    service(ctx, **options)


def _as_rows(page: list[tuple[type[Any], dict[str, Any]]]) -> Written:
    """A page's inserted rows as (table, values by column name)."""
    rows: Written = []
    for model, row in page:
        values = row if isinstance(row, dict) else vars(row)
        mapper = inspect(model)
        table = mapper.local_table
        assert isinstance(table, Table)
        rows.append(
            (
                table,
                {
                    attribute.columns[0].name: values.get(attribute.key)
                    for attribute in mapper.column_attrs
                },
            )
        )
    return rows


def _peer(database: Database, written: list[Written]) -> tuple[float, float]:
    """Insert the rows the casebook wrote again, as bare Core inserts into scratch copies of
    their tables (the same columns and values, primary keys but no other index or
    constraint), one transaction per page as the casebook wrote them, one ``executemany`` per
    table and page as the ORM's flush does; no validation, no audit."""
    metadata = MetaData()
    suffix = secrets.token_hex(4)
    copies: dict[str, Table] = {}
    for rows in written:
        for table, _ in rows:
            if table.name not in copies:
                copies[table.name] = Table(
                    f"bench_{table.name}_{suffix}",
                    metadata,
                    *(
                        Column(column.name, column.type, primary_key=column.primary_key)
                        for column in table.columns
                    ),
                )
    metadata.create_all(database.engine)
    batches = []
    for rows in written:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for table, values in rows:
            grouped.setdefault(table.name, []).append(values)
        batches.append([(copies[name].insert(), listed) for name, listed in grouped.items()])
    try:
        start, cpu = time.perf_counter(), time.process_time()
        for batch in batches:
            with database.engine.begin() as connection:
                for statement, listed in batch:
                    connection.execute(statement, listed)
        return time.perf_counter() - start, time.process_time() - cpu
    finally:
        metadata.drop_all(database.engine)


def _empty_units(database: Database, count: int) -> tuple[float, float]:
    """Open and commit ``count`` units of work that write nothing (the acting user and the
    protocol read, the transaction begun and ended): the floor under every page."""
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        with unit_of_work(database, "inv"):
            pass
    return time.perf_counter() - start, time.process_time() - cpu


#: The trial's clock of the benchmark: subjects are randomized on this day, and their year is
#: entered on the day after it ends (so that no date lies in the future whatever the real date).
_RANDOMIZED_ON = datetime(2026, 1, 7, 12, tzinfo=UTC)
_ENTERED_ON = _RANDOMIZED_ON + timedelta(days=400)


def run(
    url: str, backend: str, subjects: int, seed: int, *, single: bool = False, kinds: bool = False
) -> Timing:
    """Enroll ``subjects`` and record their 12-month casebooks on the database at ``url``;
    with ``kinds``, list the statements of each kind of page."""
    database = Database.open(url, clock=lambda: _RANDOMIZED_ON)
    try:
        start = time.perf_counter()
        randomized = _prepare(database, subjects)
        enrolled = time.perf_counter() - start
        database.clock = lambda: _ENTERED_ON
        rng = random.Random(seed)
        pages = [
            page
            for subject_id, arm, day0 in randomized
            for page in course_pages(subject_id, arm, day0, rng)
        ]
        if single:
            pages = [one_call_a_record(page) for page in pages]
        with database.sessions() as session:
            audit_before = session.scalar(select(func.max(AuditLog.seq))) or 0
        with (
            _statements(database) as sent,
            _rows_written(database) as written,
            _by_kind(database, kinds) as by_kind,
        ):
            _FLUSH_COUNT[0] = 0
            start, cpu = time.perf_counter(), time.process_time()
            _write(database, pages, written)
            elapsed, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        if kinds:
            _report_kinds(by_kind, Counter(page_kind(page) for page in pages))
        with database.sessions() as session:
            audit_after = session.scalar(select(func.max(AuditLog.seq))) or 0
            audited = sum(1 for e in field_entries(session) if e.seq > audit_before)
        with _statements(database) as inserted:
            peer, peer_cpu = _peer(database, [_as_rows(page) for page in written])
        empty, empty_cpu = _empty_units(database, len(pages))
        return Timing(
            backend=backend,
            subjects=subjects,
            pages=len(pages),
            records=sum(records(entry) for page in pages for entry in page),
            audit_rows=audit_after - audit_before,
            audited_fields=audited,
            enroll_seconds=enrolled,
            casebook_seconds=elapsed,
            peer_seconds=peer,
            casebook_cpu_seconds=cpu_seconds,
            peer_cpu_seconds=peer_cpu,
            rows=sum(len(rows) for rows in written),
            casebook_statements=sent[0],
            casebook_flushes=_FLUSH_COUNT[0],
            peer_statements=inserted[0],
            empty_seconds=empty,
            empty_cpu_seconds=empty_cpu,
        )
    finally:
        database.close()


def statement_kind(statement: str) -> str:
    """``SELECT users``, ``INSERT lab_results``, ``BEGIN`` …: a statement's verb and table; a
    read of several tables names each (joined or in a subquery) in the order written."""
    text = " ".join(statement.split())
    verb = text.split(" ", 1)[0].upper()
    if verb == "SELECT":
        tables = dict.fromkeys(re.findall(r"\b(?:FROM|JOIN) (\w+)", text))
        return f"SELECT {' + '.join(tables)}"
    if verb in ("INSERT", "UPDATE", "DELETE"):
        table = re.search(r"^(?:INSERT INTO|UPDATE|DELETE FROM) (\w+)", text)
        return f"{verb} {table.group(1) if table else '?'}"
    return verb


@contextmanager
def _by_kind(database: Database, enabled: bool) -> Iterator[dict[str, Counter[str]]]:
    """The statements of each kind of page, when ``enabled``."""
    kinds: dict[str, Counter[str]] = {}

    def sent(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        kinds.setdefault(_PAGE[0], Counter())[statement_kind(statement)] += 1

    if enabled:
        event.listen(database.engine, "before_cursor_execute", sent)
    try:
        yield kinds
    finally:
        if enabled:
            event.remove(database.engine, "before_cursor_execute", sent)


def _report_kinds(kinds: dict[str, Counter[str]], pages: Counter[str]) -> None:
    for kind, counted in kinds.items():
        total = sum(counted.values())
        print(f"  {kind}: {pages[kind]} pages, {total / pages[kind]:.2f} statements a page")
        for statement, count in sorted(counted.items(), key=lambda item: (-item[1], item[0])):
            print(f"    {count / pages[kind]:6.2f}  {statement}")


@contextmanager
def _statements(database: Database) -> Iterator[list[int]]:
    """Count the SQL statements sent to the database in the block (a steady figure on a
    loaded machine, where times are not)."""
    count = [0]

    def sent(*args: Any, **kwargs: Any) -> None:
        count[0] += 1

    event.listen(database.engine, "before_cursor_execute", sent)
    try:
        yield count
    finally:
        event.remove(database.engine, "before_cursor_execute", sent)


def _postgres_url(dsn_base: str) -> tuple[str, Callable[[], None]]:
    import psycopg

    name = f"metsor_bench_{secrets.token_hex(4)}"
    with psycopg.connect(f"{dsn_base} dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(f"{dsn_base} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    params = dict(part.split("=", 1) for part in dsn_base.split())
    url = (
        f"postgresql+psycopg://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}"
        f":{params.get('port', '5432')}/{name}"
    )
    return url, drop


def _report(timing: Timing) -> None:
    rate = timing.records / timing.casebook_seconds
    print(
        f"{timing.backend:<10} subjects {timing.subjects:>5}  pages {timing.pages:>7}  "
        f"records {timing.records:>7}  audited field changes {timing.audited_fields:>8} "
        f"(audit rows stored {timing.audit_rows:,})\n"
        f"{'':<10} enroll+randomize {timing.enroll_seconds:8.1f} s   casebook "
        f"{timing.casebook_seconds:8.1f} s ({rate:,.0f} records/s, "
        f"{1000 * timing.casebook_seconds / timing.subjects:.0f} ms a subject-year)\n"
        f"{'':<10} peer (bare Core inserts of the {timing.rows:,} rows, same transactions) "
        f"{timing.peer_seconds:6.1f} s   ratio casebook/peer "
        f"{timing.casebook_seconds / timing.peer_seconds:5.1f}\n"
        f"{'':<10} SQL statements: casebook {timing.casebook_statements:,} "
        f"({timing.casebook_statements / timing.records:.2f} a record), peer "
        f"{timing.peer_statements:,} ({timing.peer_statements / timing.records:.2f} a record); "
        f"ORM flushes {timing.casebook_flushes:,} "
        f"({timing.casebook_flushes / timing.records:.2f} a record)\n"
        f"{'':<10} CPU of this process: casebook {timing.casebook_cpu_seconds:6.1f} s "
        f"({timing.records / timing.casebook_cpu_seconds:,.0f} records/CPU-s), peer "
        f"{timing.peer_cpu_seconds:5.1f} s, ratio "
        f"{timing.casebook_cpu_seconds / timing.peer_cpu_seconds:5.1f}\n"
        f"{'':<10} a page, CPU: casebook {1000 * timing.casebook_cpu_seconds / timing.pages:.2f} "
        f"ms, peer {1000 * timing.peer_cpu_seconds / timing.pages:.2f} ms, a unit of work that "
        f"writes nothing {1000 * timing.empty_cpu_seconds / timing.pages:.2f} ms "
        f"(wall {1000 * timing.empty_seconds / timing.pages:.2f} ms)"
    )


def main() -> None:
    """Parse the arguments and run the benchmark on each backend asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seed", type=int, default=20160203)
    parser.add_argument(
        "--one-call-a-record",
        action="store_true",
        help="enter a visit page's visit, laboratory panel and vital signs by one service call "
        "each (the write path before record_visit_page), for comparison",
    )
    parser.add_argument(
        "--statements-by-kind",
        action="store_true",
        help="list the SQL statements of an average page of each kind (read, insert, update, "
        "table by table); counting them slows the run, so time it without",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("METSOR_BENCH_POSTGRES", "host=127.0.0.1 port=5432 user=postgres"),
        help="libpq parameters of a PostgreSQL account that may create databases",
    )
    args = parser.parse_args()
    os.environ.setdefault("METSOR_ALLOCATION_SEED", bytes(range(1, 33)).hex())
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    options = {"single": args.one_call_a_record, "kinds": args.statements_by_kind}
    with tempfile.TemporaryDirectory() as home:
        # db init writes the audit key and every commit the anchor here, as in production.
        os.environ["METSOR_HOME"] = home
        for backend in backends:
            if backend == "sqlite":
                url = f"sqlite:///{Path(home) / 'bench.sqlite'}"
                _report(run(url, backend, args.subjects, args.seed, **options))
            else:
                url, drop = _postgres_url(args.postgres)
                try:
                    _report(run(url, backend, args.subjects, args.seed, **options))
                finally:
                    drop()


if __name__ == "__main__":
    main()
