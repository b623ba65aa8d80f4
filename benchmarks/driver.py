"""A casebook's small read, sent by SQLAlchemy and sent straight to SQLite's driver.

Every casebook page sends a dozen small statements. This times, in the same run, on a file
SQLite database holding one subject's year of visits, the read of the subject's visits of one
type (the statement the visit service sends before each visit) sent

- by SQLAlchemy Core, ``connection.execute(select, parameters)`` (the statement compiled once
  and found again in SQLAlchemy's compiled cache);
- by SQLAlchemy's ``connection.exec_driver_sql(text, parameters)`` (no compilation, still an
  execution context and a result);
- by metsor's :class:`metsor.store.driver.Prepared` (compiled once, sent on the driver's
  cursor, the engine's listeners called, the rows' dates converted by their types);
- by the driver itself, ``sqlite3`` ``cursor.execute(text, parameters).fetchall()`` (no
  conversion of the dates: the floor);

and prints microseconds a read and the ratios to metsor's.

Run: ``python benchmarks/driver.py [--repeat 5000]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, bindparam, insert, select

from metsor.store.driver import Prepared
from metsor.store.engine import make_engine
from metsor.store.migrate import upgrade
from metsor.store.models.casebook import Visit

__all__ = ["main"]

_OF_TYPE = select(Visit.id, Visit.number, Visit.actual_date).where(
    Visit.subject_id == bindparam("subject_id"), Visit.visit_type == bindparam("visit_type")
)


def _timed(call: Callable[[], object], repeat: int) -> float:
    """Microseconds a call (least of three rounds)."""
    for _ in range(repeat // 10):
        call()
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(repeat):
            call()
        best = min(best, (time.perf_counter() - started) / repeat * 1e6)
    return best


def _year_of_visits(connection: Connection) -> None:
    """Thirteen treatment visits of one subject (no foreign keys checked: no subject row)."""
    connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
    with connection.begin():
        connection.execute(
            insert(Visit.__table__),
            [
                {
                    "subject_id": "TJ-001",
                    "visit_type": "treatment",
                    "number": n,
                    "planned_date": date(2020, 1, 1) + timedelta(28 * n),
                    "actual_date": date(2020, 1, 1) + timedelta(28 * n),
                    "in_window": True,
                    "recorded_by": "coord_tj",
                    "recorded_at": datetime(2020, 1, 1, tzinfo=UTC),
                }
                for n in range(1, 14)
            ],
        )


def main() -> None:
    """Print the time of each way of sending the read."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5000)
    repeat = parser.parse_args().repeat
    values = {"subject_id": "TJ-001", "visit_type": "treatment"}
    ours = Prepared(_OF_TYPE)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'driver.sqlite'}"
        upgrade(url)
        engine = make_engine(url, durable=False)
        with engine.connect() as connection:
            _year_of_visits(connection)
            sql = str(_OF_TYPE.compile(dialect=engine.dialect))
            raw = connection.connection.driver_connection
            assert raw is not None
            with connection.begin():
                assert len(ours.rows(connection, values)) == 13
                times = {
                    "SQLAlchemy Core execute": _timed(
                        lambda: connection.execute(_OF_TYPE, values).all(), repeat
                    ),
                    "SQLAlchemy exec_driver_sql": _timed(
                        lambda: connection.exec_driver_sql(sql, ("TJ-001", "treatment")).all(),
                        repeat,
                    ),
                    "metsor Prepared": _timed(lambda: ours.rows(connection, values), repeat),
                    "sqlite3 cursor (floor)": _timed(
                        lambda: raw.execute(sql, ("TJ-001", "treatment")).fetchall(), repeat
                    ),
                }
        engine.dispose()
    mine = times["metsor Prepared"]
    for name, spent in times.items():
        print(f"{name:28s} {spent:7.1f} us   {spent / mine:5.2f}x metsor's")


if __name__ == "__main__":
    main()
