"""Load the web application: concurrent users log in, enroll subjects and save lab values.

``metsor serve`` runs on a fresh trial on a free port of 127.0.0.1 (never another address).
U users (default 50, coordinators of the trial's site) log in through
``POST /api/v1/auth/token`` and, for S seconds (default 60), each in a loop: register,
consent and randomize a subject of their own, then save eight laboratory values on them (eight
analytes: casebook entries, CTCAE graded), and again. The run stops by itself at the deadline
and never sends more than ``--max-requests``.

``--think S`` makes each user wait S seconds after each answer before the next request (a
person reading the page and filling in the next form; default 0: as fast as the server
answers, which measures the server saturated), ``--ramp R`` spreads the users' logins evenly
over the first R seconds (default 0: all at once).

Reported: latency p50/p95/p99 of each kind of request and of all, requests per second,
errors (any answer but 2xx, or none within 30 s), the server's CPU time per request (user and
system, from ``/proc``: what a request costs whatever else the machine runs), and writes
counted in the database afterwards against writes acknowledged (lab values, subjects,
allocations): a lost write is one acknowledged but not found (a write committed whose answer
timed out is counted apart, as unacknowledged).
Target: p95 under 100 ms on SQLite, zero errors, zero lost writes.

Run: ``python benchmarks/web.py`` (``--users``, ``--seconds``, ``--postgres DSN`` to run on
a throwaway PostgreSQL database ``metsor_bench_web_<random>`` instead of SQLite, dropped at
the end).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from metsor.eligibility.examples import eligible_record
from metsor.services.context import Database, unit_of_work
from metsor.services.setup import initialize
from metsor.services.users import add_user
from metsor.store.models.casebook import LabResult
from metsor.store.models.core import Allocation, Subject

METSOR = str(Path(sys.executable).with_name("metsor"))
PASSWORD = "bench-password-0001"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _sqlite(folder: str) -> Iterator[str]:
    yield f"sqlite:///{os.path.join(folder, 'bench.sqlite')}"


@contextmanager
def _postgres(dsn: str) -> Iterator[str]:
    import psycopg

    name = f"metsor_bench_web_{secrets.token_hex(4)}"
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


def _prepare(url: str, users: int) -> None:
    """A trial with room for every subject the run may randomize, and the users."""
    database = Database.open(url)
    try:
        initialize(
            database, admin_password=PASSWORD, target_enrollment=5000, length_per_stratum=5000
        )
        with unit_of_work(database, "admin") as ctx:
            for number in range(users):
                add_user(
                    ctx,
                    username=f"coord{number:03d}",
                    role="coordinator",
                    site="TJ",
                    password=PASSWORD,
                )
    finally:
        database.close()


class Tally:
    """Latencies, errors and acknowledged writes, shared by the user threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.acknowledged: dict[str, int] = defaultdict(int)
        self.requests = 0

    def failed(self, kind: str, seconds: float, exc: Exception) -> None:
        """A request that got no answer (time-out, connection refused): an error."""
        with self.lock:
            self.requests += 1
            self.latency[kind].append(seconds)
            self.errors.append(f"{kind} {type(exc).__name__}")

    def record(self, kind: str, seconds: float, answer: httpx.Response, write: str | None) -> bool:
        with self.lock:
            self.requests += 1
            self.latency[kind].append(seconds)
            if answer.status_code >= 300:
                self.errors.append(f"{kind} {answer.status_code} {answer.text[:120]}")
                return False
            if write is not None:
                self.acknowledged[write] += 1
            return True


#: The laboratory values a user saves on each subject, one per analyte (one a day each).
_LABS: tuple[tuple[str, float, str, float | None, float | None], ...] = (
    ("ast", 52.0, "U/L", None, 40.0),
    ("alt", 47.0, "U/L", None, 40.0),
    ("alp", 180.0, "U/L", None, 125.0),
    ("total_bilirubin", 1.4, "mg/dL", None, 1.2),
    ("creatinine", 0.9, "mg/dL", None, 1.1),
    ("albumin", 3.6, "g/dL", 3.5, None),
    ("hemoglobin", 11.8, "g/dL", 13.5, None),
    ("platelets", 98000.0, "/uL", 150000.0, None),
)


def _enroll(call: Any, record: dict[str, Any], today: str) -> str | None:
    """Register, consent and randomize one subject; its id, or None when stopped or refused."""
    registered = call(
        "register", "/api/v1/subjects", "subjects", json={"record": record, "screened_on": today}
    )
    if registered is None:
        return None
    subject_id: str = registered.json()["subject_id"]
    consent = {"consent_date": today}
    if not call("consent", f"/api/v1/subjects/{subject_id}/consent", None, json=consent):
        return None
    if not call("randomize", f"/api/v1/subjects/{subject_id}/randomize", "allocations"):
        return None
    return subject_id


def _user(
    url: str,
    number: int,
    deadline: float,
    budget: threading.Semaphore,
    tally: Tally,
    pace: tuple[float, float],
) -> None:
    think, delay = pace
    today = datetime.now(UTC).date().isoformat()
    record = eligible_record()
    time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
    with httpx.Client(base_url=url, timeout=30) as client:

        def call(kind: str, path: str, write: str | None, **kwargs: Any) -> httpx.Response | None:
            if time.monotonic() >= deadline or not budget.acquire(blocking=False):
                return None
            start = time.perf_counter()
            try:
                answer = client.post(path, **kwargs)
            except httpx.TransportError as exc:
                tally.failed(kind, time.perf_counter() - start, exc)
                return None
            ok = tally.record(kind, time.perf_counter() - start, answer, write)
            if think:
                time.sleep(min(think, max(0.0, deadline - time.monotonic())))
            return answer if ok else None

        token = call(
            "login",
            "/api/v1/auth/token",
            None,
            data={"username": f"coord{number:03d}", "password": PASSWORD},
        )
        if token is None:
            return
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        mine: list[str] = []
        rounds = 0
        while time.monotonic() < deadline:
            if not mine or rounds % (len(_LABS) + 1) == 0:
                enrolled = _enroll(call, record, today)
                if enrolled is None:
                    break
                mine.append(enrolled)
            else:
                analyte, value, unit, lln, uln = _LABS[rounds % (len(_LABS) + 1) - 1]
                lab = {
                    "analyte": analyte,
                    "value": value,
                    "unit": unit,
                    "lln": lln,
                    "uln": uln,
                    "collected_on": today,
                }
                call("lab", f"/api/v1/subjects/{mine[-1]}/labs", "lab_results", json=lab)
            rounds += 1


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, from ``/proc`` (None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}

    def at(q: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"n": len(ordered), "p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def _counted(url: str) -> dict[str, int]:
    database = Database.open(url)
    try:
        with database.sessions() as session:
            return {
                "lab_results": int(
                    session.scalar(select(func.count()).select_from(LabResult)) or 0
                ),
                "subjects": int(session.scalar(select(func.count()).select_from(Subject)) or 0),
                "allocations": int(
                    session.scalar(select(func.count()).select_from(Allocation)) or 0
                ),
            }
    finally:
        database.close()


def run(label: str, url: str, home: str, args: argparse.Namespace) -> dict[str, Any]:
    """Serve ``url``, load it, and count what was written."""
    os.environ["METSOR_HOME"] = home
    _prepare(url, args.users)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(home) / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [METSOR, "serve", "--db", url, "--host", "127.0.0.1", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        cpu_before = _cpu_seconds(server.pid)
        tally = Tally()
        budget = threading.Semaphore(args.max_requests)
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [
            threading.Thread(
                target=_user,
                args=(base, n, deadline, budget, tally, (args.think, args.ramp * n / args.users)),
            )
            for n in range(args.users)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 60)
        elapsed = time.monotonic() - started
        cpu_after = _cpu_seconds(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    counted = _counted(url)
    every = [v for values in tally.latency.values() for v in values]
    entries = [v for kind, values in tally.latency.items() if kind != "login" for v in values]
    kinds = ("lab_results", "subjects", "allocations")
    lost = {k: max(0, tally.acknowledged[k] - counted[k]) for k in kinds}
    unacknowledged = {k: max(0, counted[k] - tally.acknowledged[k]) for k in kinds}
    return {
        "database": label,
        "users": args.users,
        "think_seconds": args.think,
        "ramp_seconds": args.ramp,
        "seconds": round(elapsed, 1),
        "requests": tally.requests,
        "requests_per_second": round(tally.requests / elapsed, 1),
        "errors": len(tally.errors),
        "first_errors": tally.errors[:5],
        "latency": {"all": _percentiles(every), "all_but_login": _percentiles(entries)}
        | {kind: _percentiles(values) for kind, values in sorted(tally.latency.items())},
        "acknowledged": dict(tally.acknowledged),
        "counted": counted,
        "lost_writes": lost,
        "written_unacknowledged": unacknowledged,
        "server_cpu_ms_per_request": (
            round(1000 * (cpu_after - cpu_before) / tally.requests, 1)
            if cpu_before is not None and cpu_after is not None and tally.requests
            else None
        ),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "cpus": os.cpu_count(),
    }


def main() -> None:
    """Parse the options, run on SQLite (or PostgreSQL), print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--think", type=float, default=0.0, help="seconds between requests")
    parser.add_argument("--ramp", type=float, default=0.0, help="seconds to spread logins over")
    parser.add_argument("--postgres", default=None, help="libpq DSN of a server (else SQLite)")
    args = parser.parse_args()
    if not 1 <= args.users <= 500 or not 1 <= args.seconds <= 600:
        parser.error("--users must be 1–500 and --seconds 1–600")
    if not 0 <= args.think <= 60 or not 0 <= args.ramp <= args.seconds:
        parser.error("--think must be 0–60 s and --ramp 0 to --seconds")
    with tempfile.TemporaryDirectory() as home:
        if args.postgres:
            with _postgres(args.postgres + " dbname=postgres") as url:
                result = run("postgresql", url, home, args)
        else:
            with _sqlite(home) as url:
                result = run("sqlite", url, home, args)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
