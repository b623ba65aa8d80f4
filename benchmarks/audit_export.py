"""Stream the whole audit trail to CSV (``metsor audit export``): memory and rows per second.

A trial database is initialised (administrator, sites, the concealed list), then N audited
field changes (default 2,000,000) are appended to ``audit_log`` in bulk, as a long-running
trial would have written them (the rows are not chained: the export reads the trail, it does
not verify it). By default they are stored as the casebook writes them since revision
``0010_audit_record_rows``: one row per record written, its fields in ``changes`` (``--fields``
fields a record, default 15: N/15 rows); ``--style field`` stores them as before that revision,
one row per field. The export writes one line per field change either way.
Each export runs in a fresh child process — the service :func:`metsor.services.monitoring.
audit_export.audit_rows` written out by the CSV writer, exactly as the command does — and its
peak resident set size (``ru_maxrss`` of the child) and wall time are recorded. The peer is the
same child exporting a tenth of the lines: bounded memory means the same peak for both.

With ``--web`` the same trail is downloaded from the web application instead
(``GET /api/v1/audit/export.csv``, streamed): ``metsor serve`` runs on the database, a data
manager downloads first the lines since a late day (the last sixth or so), then all of them,
and the server's peak resident set size (``VmHWM``, which only grows) is read after each.

Run: ``python benchmarks/audit_export.py`` (``--rows`` field changes, ``--style record|field``,
``--fields``, ``--postgres DSN``, ``--no-postgres``, ``--no-sqlite``, ``--web``).
PostgreSQL runs in a throwaway database ``metsor_bench_<random>`` (default 127.0.0.1:5432,
user postgres), dropped at the end.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from metsor.services.allocation_seed import SeedSource
from metsor.services.context import Database, unit_of_work
from metsor.services.setup import initialize
from metsor.store.audit.encoding import changes_text
from metsor.store.migrate import upgrade
from metsor.store.models.core import AuditLog

SEED = SeedSource(bytes(range(1, 33)), "benchmark")
_BATCH = 20_000
_SEQ_GAP = 1_000_000_000
"""Where the unchained rows start when a server writes to the trail too (its logins are chained
after the last chained row, so the bulk rows keep out of its way)."""


def _field_rows(first: int, moment: datetime, start: int, stop: int) -> list[dict[str, object]]:
    """Audit rows ``start``–``stop`` of one field each (before revision 0010)."""
    return [
        {
            "seq": first + i, "recorded_at": moment + timedelta(seconds=i),
            "actor": "inv", "table_name": "lab_results",
            "record_id": str(i // 15 + 1), "field": f"field_{i % 15}",
            "action": "insert", "old_value": None,
            "new_value": f"{(i * 7919) % 100_003 / 100:.2f}",
            "reason": None, "changes": None,
        }
        for i in range(start, stop)
    ]  # fmt: skip


def _record_rows(
    first: int, moment: datetime, start: int, stop: int, changes: int, fields: int
) -> list[dict[str, object]]:
    """Audit rows ``start``–``stop`` of one record each, ``fields`` fields a record (the last
    record of the trail takes what is left of ``changes``), as the casebook writes them."""
    return [
        {
            "seq": first + r, "recorded_at": moment + timedelta(seconds=r),
            "actor": "inv", "table_name": "lab_results", "record_id": str(r + 1),
            "field": None, "action": "insert", "old_value": None, "new_value": None,
            "reason": None,
            "changes": changes_text([
                (f"field_{i % fields}", None, f"{(i * 7919) % 100_003 / 100:.2f}")
                for i in range(r * fields, min((r + 1) * fields, changes))
            ]),
        }
        for r in range(start, stop)
    ]  # fmt: skip


def audit_row_count(changes: int, style: str, fields: int) -> int:
    """How many audit rows hold ``changes`` field changes in that style."""
    return changes if style == "field" else -(-changes // fields)


def fill(
    url: str, changes: int, *, style: str = "record", fields: int = 15,
    data_manager: str | None = None,
) -> int:  # fmt: skip
    """Initialise the trial (with a data manager ``dm`` of that password, if given) and append
    ``changes`` audited field changes to its trail in audit rows of that ``style``; return the
    audit rows appended."""
    rows = audit_row_count(changes, style, fields)
    database = Database.open(url)
    try:
        initialize(database, seed=SEED)
        if data_manager is not None:
            from metsor.services.users import add_user

            with unit_of_work(database, "admin") as ctx:
                add_user(ctx, username="dm", role="data_manager", password=data_manager)
        with database.engine.begin() as connection:
            start = connection.scalar(select(AuditLog.seq).order_by(AuditLog.seq.desc()).limit(1))
            first = int(start or 0) + 1
            if data_manager is not None:  # the server's own audited writes take the next seqs
                first += _SEQ_GAP
            moment = datetime(2026, 1, 1, tzinfo=UTC)
            batch = _BATCH if style == "field" else max(1, _BATCH // fields)
            for offset in range(0, rows, batch):
                stop = min(offset + batch, rows)
                connection.execute(
                    insert(AuditLog),
                    _field_rows(first, moment, offset, stop) if style == "field" else
                    _record_rows(first, moment, offset, stop, changes, fields),
                )  # fmt: skip
    finally:
        database.close()
    return rows


def child(url: str, out: str, limit: int | None) -> None:
    """Export the trail to ``out`` (the first ``limit`` lines); print lines and seconds."""
    from metsor.services.monitoring.audit_export import AUDIT_EXPORT_COLUMNS, audit_rows

    database = Database.open(url)
    started = time.perf_counter()
    written = 0
    try:
        with (
            unit_of_work(database, "admin", readonly=True) as ctx,
            open(out, "w", encoding="utf-8", newline="") as handle,
        ):
            writer = csv.writer(handle)
            writer.writerow(AUDIT_EXPORT_COLUMNS)
            for row in audit_rows(ctx):
                writer.writerow(row)
                written += 1
                if limit is not None and written >= limit:
                    break
    finally:
        database.close()
    print(written, time.perf_counter() - started)


def measure(url: str, out: Path, limit: int | None) -> tuple[int, float, float]:
    """(lines, seconds, peak RSS in MiB) of one export in a fresh child process."""
    command = [sys.executable, __file__, "--child", url, str(out)]
    if limit is not None:
        command += ["--limit", str(limit)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    finished = subprocess.run(command, check=True, capture_output=True, text=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    rows, seconds = finished.stdout.split()
    # ru_maxrss of the children is the largest of any child so far: the smaller runs first
    return int(rows), float(seconds), max(peak, before) / 1024


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'metsor.sqlite'}"


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


_PASSWORD = "benchmark-password-1"


def _peak_mib(pid: int) -> float:
    """The peak resident set size of a process (``VmHWM``), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def web(label: str, url: str, rows: int) -> None:
    """Download the trail from ``metsor serve``: lines/s and the server's peak RSS (``rows``:
    the audit rows appended, one a second from 2026-01-01)."""
    import socket

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    metsor = str(Path(sys.executable).with_name("metsor"))
    server = subprocess.Popen(
        [metsor, "serve", "--db", url, "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        token = httpx.post(f"{base}/api/v1/auth/token", timeout=30,
                           data={"username": "dm", "password": _PASSWORD}).json()  # fmt: skip
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        print(f"{label}: server started, peak RSS {_peak_mib(server.pid):.0f} MiB")
        late = (datetime(2026, 1, 1) + timedelta(seconds=rows * 6 // 7)).date().isoformat()
        for since in (late, None):
            params = {"since": since} if since else {}
            started = time.perf_counter()
            lines = size = 0
            with httpx.stream("GET", f"{base}/api/v1/audit/export.csv", params=params,
                              headers=headers, timeout=600) as answer:  # fmt: skip
                answer.raise_for_status()
                for chunk in answer.iter_bytes():
                    lines += chunk.count(b"\n")
                    size += len(chunk)
            seconds = time.perf_counter() - started
            print(
                f"{label}: downloaded {lines - 1:,} lines ({size / 2**20:.0f} MiB) in "
                f"{seconds:.1f} s ({(lines - 1) / seconds:,.0f} lines/s), server peak RSS "
                f"{_peak_mib(server.pid):.0f} MiB"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(
    label: str, url_of: object, changes: int, *, style: str, fields: int,
    through_web: bool = False,
) -> None:  # fmt: skip
    with url_of() as url, tempfile.TemporaryDirectory() as folder:  # type: ignore[operator]
        upgrade(url)
        started = time.perf_counter()
        rows = fill(url, changes, style=style, fields=fields,
                    data_manager=_PASSWORD if through_web else None)  # fmt: skip
        print(
            f"{label}: {changes:,} field changes in {rows:,} audit rows ({style} rows) written "
            f"in {time.perf_counter() - started:.1f} s"
        )
        if through_web:
            web(label, url, rows)
            return
        out = Path(folder) / "trail.csv"
        for limit in (changes // 10, None):
            written, seconds, peak = measure(url, out, limit)
            print(
                f"{label}: exported {written:,} lines in {seconds:.1f} s "
                f"({written / seconds:,.0f} lines/s), peak RSS {peak:.0f} MiB, "
                f"file {out.stat().st_size / 2**20:.0f} MiB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="audited field changes")
    parser.add_argument(
        "--style", choices=("record", "field"), default="record",
        help="one audit row per record written (since revision 0010) or per field (before)",
    )  # fmt: skip
    parser.add_argument("--fields", type=int, default=15, help="fields of a record's row")
    parser.add_argument("--postgres", default="host=127.0.0.1 port=5432 user=postgres")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("URL", "OUT"))
    parser.add_argument("--limit", type=int)
    parser.add_argument("--web", action="store_true", help="download from metsor serve")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.limit)
        return
    with tempfile.TemporaryDirectory() as home:
        os.environ["METSOR_HOME"] = home
        shape = {"style": args.style, "fields": args.fields, "through_web": args.web}
        if not args.no_sqlite:
            run("SQLite", sqlite_url, args.rows, **shape)
        if not args.no_postgres:
            run("PostgreSQL", lambda: postgres_url(args.postgres), args.rows, **shape)


if __name__ == "__main__":
    main()
