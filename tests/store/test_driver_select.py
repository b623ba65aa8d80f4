"""Statements every transaction runs, compiled once and sent straight to the driver,
and the engines whose transactions hold SQLite's write lock from their start."""

from __future__ import annotations

from sqlalchemy import bindparam, literal, select

from metsor.store.driver import Prepared
from metsor.store.engine import locks_on_begin, make_engine, read_only
from metsor.store.models.core import Site


def _sites(database):
    with database.engine.begin() as conn:
        conn.execute(Site.__table__.insert(), [{"code": "TJ", "name": "Tianjin"},
                                               {"code": "BJ", "name": "Beijing"}])  # fmt: skip


def test_a_prepared_select_reads_what_the_select_reads(database):
    _sites(database)
    statement = (
        select(Site.id, Site.code, Site.name, literal(7).label("seven"))
        .where(Site.code == bindparam("code"), Site.id > 0)
        .limit(1)
    )
    driver = Prepared(statement)
    with database.engine.connect() as conn:
        for code in ("TJ", "BJ", "XX"):
            expected = conn.execute(statement, {"code": code}).first()
            found = driver.rows(conn, {"code": code}).first()
            assert found == expected
            if found is not None:
                assert (found.code, found.seven) == (code, 7)


def test_only_engines_that_begin_immediate_hold_the_lock_from_the_start(tmp_path, database):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}", create=True)
    try:
        assert locks_on_begin(engine)
        assert not locks_on_begin(read_only(engine))
    finally:
        engine.dispose()
    assert locks_on_begin(database.engine) is (database.engine.dialect.name == "sqlite")
