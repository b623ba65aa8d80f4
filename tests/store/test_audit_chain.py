"""The keyed chain of transactions and its anchor file, at the store level."""

from __future__ import annotations

import hashlib
import json
import stat
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from metsor import config
from metsor.errors import InputError
from metsor.services.audit_key import AuditKeySource, attach
from metsor.services.context import session_scope
from metsor.store.audit import AuditEntry, ChainSettings, configure, verify
from metsor.store.audit.anchor import read_anchor
from metsor.store.audit.chain import mac_of, row_line, transaction_header
from metsor.store.models.audit import AuditTransaction
from metsor.store.models.core import AuditLog, Site

KEY = bytes(range(100, 132))
OTHER_KEY = bytes(range(1, 33))


def _transactions(database):
    with session_scope(database, actor="reader", readonly=True) as session:
        return list(session.scalars(select(AuditTransaction).order_by(AuditTransaction.seq)))


def _add_site(database, code="TJ", name="Tianjin"):
    with session_scope(database, actor="alice") as session:
        session.add(Site(code=code, name=name))


def _keyed(database, tmp_path, key=KEY):
    anchor = tmp_path / "anchor" / "metsor-audit.anchor"
    configure(database.sessions, ChainSettings(key=key, anchor=anchor))
    return anchor


def test_a_keyed_transaction_stores_the_key_fingerprint_never_the_key(database, tmp_path):
    _keyed(database, tmp_path)
    _add_site(database)
    (tx,) = _transactions(database)
    assert (tx.scheme, tx.key_fingerprint) == ("hmac-sha256-rec", hashlib.sha256(KEY).hexdigest())
    with session_scope(database, actor="reader", readonly=True) as session:
        stored = [str(tuple(row)) for row in session.execute(select(AuditLog.__table__))]
    assert not any(KEY.hex() in text for text in [*stored, str(vars(tx))])


def test_the_mac_covers_the_header_and_every_row():
    when = datetime(2026, 1, 1, tzinfo=UTC)
    fields = {
        "seq": 1,
        "committed_at": when,
        "actor": "alice",
        "first_row": 1,
        "last_row": 1,
        "scheme": "hmac-sha256",
        "key_fingerprint": "f" * 64,
        "prev_mac": "0" * 64,
    }
    entry = AuditEntry("subjects", "TJ-001", "status", "update", '"a"', '"b"', "alice", None)
    stamp = when.isoformat(timespec="microseconds")
    base = mac_of(KEY, transaction_header(**fields), [row_line(1, stamp, entry)])
    changed = [
        mac_of(OTHER_KEY, transaction_header(**fields), [row_line(1, stamp, entry)]),
        mac_of(None, transaction_header(**fields), [row_line(1, stamp, entry)]),
        mac_of(
            KEY, transaction_header(**{**fields, "prev_mac": "1" * 64}), [row_line(1, stamp, entry)]
        ),
        mac_of(
            KEY,
            transaction_header(**{**fields, "committed_at": when + timedelta(microseconds=1)}),
            [row_line(1, stamp, entry)],
        ),
        mac_of(
            KEY, transaction_header(**fields), [row_line(1, stamp, entry._replace(actor="eve"))]
        ),
        mac_of(
            KEY, transaction_header(**fields), [row_line(1, stamp, entry._replace(new_value='"c"'))]
        ),
        mac_of(KEY, transaction_header(**fields), [row_line(2, stamp, entry)]),
        mac_of(KEY, transaction_header(**fields), []),
    ]
    assert base not in changed
    assert len(set(changed)) == len(changed)


@pytest.mark.parametrize(
    ("second_key", "message"),
    [
        pytest.param(None, "no audit key is set", id="no-key"),
        pytest.param(OTHER_KEY, "is not the key the audit trail is kept with", id="other-key"),
    ],
)
def test_once_keyed_a_write_without_that_key_is_refused_and_writes_nothing(
    database, tmp_path, second_key, message
):
    _keyed(database, tmp_path)
    _add_site(database)
    configure(database.sessions, ChainSettings(key=second_key, anchor=None))
    with pytest.raises(InputError, match=message) as caught:
        _add_site(database, code="BJ", name="Beijing")
    assert caught.value.field == "METSOR_AUDIT_KEY"
    assert len(_transactions(database)) == 1
    with session_scope(database, actor="reader", readonly=True) as session:
        assert session.scalars(select(Site.code)).all() == ["TJ"]


def test_each_keyed_commit_appends_the_head_to_the_anchor_file_0600(database, tmp_path):
    anchor = _keyed(database, tmp_path)
    _add_site(database)
    _add_site(database, code="BJ", name="Beijing")
    first, second = _transactions(database)
    assert stat.S_IMODE(anchor.stat().st_mode) == 0o600
    lines = [json.loads(line) for line in anchor.read_text().splitlines()]
    assert [(e["chain"], e["transactions"], e["rows"], e["mac"]) for e in lines] == [
        (first.mac, 1, first.last_row, first.mac),
        (first.mac, 2, second.last_row, second.mac),
    ]


def test_a_rolled_back_transaction_leaves_no_anchor_line(database, tmp_path):
    anchor = _keyed(database, tmp_path)
    _add_site(database)
    with (  # noqa: PT012
        pytest.raises(RuntimeError, match="stop"),
        session_scope(database, actor="alice") as session,
    ):
        session.add(Site(code="BJ", name="Beijing"))
        session.flush()
        raise RuntimeError("stop")
    held = read_anchor(anchor)
    assert held is not None
    assert [e.transactions for e in held.entries] == [1]


def test_an_anchor_file_that_cannot_be_written_stops_the_commit(database, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    configure(database.sessions, ChainSettings(key=KEY, anchor=blocker / "metsor-audit.anchor"))
    with pytest.raises(InputError, match="cannot write the audit anchor file") as caught:
        _add_site(database)
    assert caught.value.field == "METSOR_AUDIT_ANCHOR_FILE"
    assert _transactions(database) == []


def test_the_key_is_read_from_the_environment_or_its_file(database, tmp_path, monkeypatch):
    key_file = tmp_path / "keys" / "audit.key"
    key_file.parent.mkdir()
    key_file.write_text(KEY.hex() + "\n")
    monkeypatch.setenv("METSOR_AUDIT_KEY_FILE", str(key_file))
    anchor = tmp_path / "metsor-audit.anchor"
    settings = attach(database.sessions, place=config.settings().audit_key, anchor=anchor)
    assert settings.key == KEY
    monkeypatch.setenv("METSOR_AUDIT_KEY", OTHER_KEY.hex())
    assert (
        attach(database.sessions, place=config.settings().audit_key, anchor=anchor).key == OTHER_KEY
    )
    monkeypatch.setenv("METSOR_AUDIT_KEY", "abcd")
    with pytest.raises(InputError, match="at least 16") as caught:
        attach(database.sessions, place=config.settings().audit_key, anchor=anchor)
    assert caught.value.field == "METSOR_AUDIT_KEY"


def test_verify_recomputes_keyed_macs_only_with_the_key(database, tmp_path):
    _keyed(database, tmp_path)
    _add_site(database)
    with session_scope(database, actor="reader", readonly=True) as session:
        with_key = verify(session, key=KEY)
        without = verify(session)
        wrong = verify(session, key=OTHER_KEY)
    chain = {c.name: c for c in with_key.checks}["chain"]
    assert (chain.status, chain.rests_on) == ("intact", "the audit key")
    assert {c.name: c.status for c in without.checks}["chain"] == "weaker"
    assert "another key" in str(wrong.first_problem)


def test_a_key_source_that_is_given_is_used_as_is(database, tmp_path, monkeypatch):
    monkeypatch.setenv("METSOR_AUDIT_ANCHOR_FILE", str(tmp_path / "a.anchor"))
    given = config.settings().audit_anchor_file
    settings = attach(database.sessions, AuditKeySource(KEY, "tests"), anchor=given)
    assert (settings.key, settings.anchor) == (KEY, tmp_path / "a.anchor")
    beside = attach(database.sessions, AuditKeySource(KEY, "tests"), anchor=tmp_path / "b")
    assert beside.anchor == tmp_path / "b"
