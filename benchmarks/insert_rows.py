"""Inserting a page's new rows and getting their keys back: metsor's insert against SQLAlchemy's.

The casebook writes each page's new records by :func:`metsor.store.inserts.insert_rows`: one
statement a table, the keys returned in the rows' order. This times, on a file SQLite
database in transactions of their own (rolled back, so the table keeps its size; foreign keys
not enforced, as in the casebook benchmark's scratch tables), the same
rows — laboratory results as a visit's panel stores them — inserted

- by :func:`~metsor.store.inserts.insert_rows` (one multi-row ``INSERT … RETURNING`` by
  ``exec_driver_sql``, values through the columns' bind processors);
- by SQLAlchemy Core ``insert(table).returning(key, sort_by_parameter_order=True)`` with an
  ``executemany`` of the rows (what keeps keys in order; on SQLite one statement a row);
- by SQLAlchemy Core ``insert(table)`` with an ``executemany`` that returns no keys (the
  casebook benchmark's peer);

and prints microseconds a call and the ratios. 1, 6 and 40 rows by default.

Run: ``python benchmarks/insert_rows.py [--rows 1 6 40] [--repeat 2000]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, inspect

from metsor.store.engine import make_engine
from metsor.store.inserts import insert_rows, plan_of
from metsor.store.migrate import upgrade
from metsor.store.models.casebook import LabResult

__all__ = ["main"]


def _rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "subject_id": "TJ-001",
            "visit_id": None,
            "collected_on": date(2020, 1, 1),
            "analyte": f"analyte{i}",
            "value": 40.0 + i,
            "unit": "U/L",
            "lln": None,
            "uln": 40.0,
            "standard_value": 40.0 + i,
            "standard_unit": "U/L",
            "baseline_value": None,
            "ctcae_term": "Aspartate aminotransferase increased",
            "ctcae_grade": 1,
            "ctcae_version": "5.0",
            "ctcae_basis": "x ULN",
            "recorded_by": "coord_tj",
            "recorded_at": datetime(2020, 1, 1, 9, 30, tzinfo=UTC),
        }
        for i in range(count)
    ]


def _timed(connection: Connection, call: Callable[[], object], repeat: int) -> float:
    """Microseconds a call, each in a transaction rolled back (least of three rounds)."""
    best = float("inf")
    for _ in range(3):
        spent = 0.0
        for _ in range(repeat):
            transaction = connection.begin()
            started = time.perf_counter()
            call()
            spent += time.perf_counter() - started
            transaction.rollback()
        best = min(best, spent / repeat * 1e6)
    return best


def _compare(connection: Connection, count: int, repeat: int) -> str:
    """One line: the three ways of inserting ``count`` rows, timed."""
    plan = plan_of(inspect(LabResult))
    table = plan.table
    ordered = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    plain = insert(table)
    rows = _rows(count)
    values = [tuple(row[column] for _, column, _, _ in plan.columns) for row in rows]
    ours = _timed(connection, lambda: insert_rows(connection, plan, values), repeat)
    keyed = _timed(connection, lambda: connection.execute(ordered, rows).scalars().all(), repeat)
    no_keys = _timed(connection, lambda: connection.execute(plain, rows), repeat)
    return (
        f"{count:>5} {ours:>7.1f}us {keyed:>13.1f}us {no_keys:>11.1f}us  "
        f"RETURNING/metsor {keyed / ours:.2f}, no-keys/metsor {no_keys / ours:.2f}"
    )


def main() -> None:
    """Print the time of each way of inserting, for each number of rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1, 6, 40])
    parser.add_argument("--repeat", type=int, default=2000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'insert.sqlite'}"
        upgrade(url)
        engine = make_engine(url, durable=False)
        print(f"{'rows':>5} {'metsor':>9} {'Core RETURNING':>15} {'Core no keys':>13}  ratios")
        with engine.connect() as connection:
            # the rows name no stored subject: the peer's scratch tables have no foreign keys
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
            for count in options.rows:
                print(_compare(connection, count, options.repeat))
        engine.dispose()


if __name__ == "__main__":
    main()
