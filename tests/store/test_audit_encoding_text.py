"""The audit chain's canonical encoding is the text of ``json.dumps`` (compact, not ASCII-only),
by whatever encoder it is built: databases written before keep verifying."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from metsor.store.audit.anchor import anchor_line
from metsor.store.audit.chain import ChainHead
from metsor.store.audit.encoding import _encode_row as encode_row
from metsor.store.audit.encoding import (
    canonical,
    changes_text,
    record_line,
    transaction_header,
    utc_stamp,
)

_text = st.text()  # any code point but lone surrogates, which no stored text holds
_value = st.none() | _text | st.integers() | st.booleans() | st.floats()
_rows = st.lists(st.recursive(_value, lambda inner: st.lists(inner, max_size=4), max_leaves=12))


def _dumps(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@given(_rows)
def test_a_row_encodes_as_json_dumps(row):
    assert encode_row(row) == _dumps(row)
    assert encode_row(tuple(row)) == _dumps(row)


@given(st.lists(st.tuples(_text, st.none() | _text, st.none() | _text), max_size=20))
def test_a_records_changes_encode_as_json_dumps(changes):
    assert changes_text(changes) == _dumps(changes)


@given(st.integers(min_value=1), _text, _text, _text, st.none() | _text, _text, st.none() | _text)
def test_a_record_line_is_json_dumps(seq, table, record_id, action, changes, actor, reason):
    stamp = "2026-01-02T03:04:05.000006+00:00"
    line = ["rec", seq, stamp, table, record_id, action, changes, actor, reason]
    encoded = record_line(seq, stamp, table, record_id, action, changes, actor, reason)
    assert encoded == (_dumps(line) + "\n").encode()


def test_a_transaction_header_is_json_dumps():
    header = transaction_header(
        seq=3, committed_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), actor="zhang é",
        first_row=7, last_row=9, scheme="hmac-sha256-rec", key_fingerprint=None,
        prev_mac="0" * 64,
    )  # fmt: skip
    expected = ["metsor-audit-2", 3, "2026-01-02T03:04:05.000006+00:00", "zhang é", 7, 9,
                "hmac-sha256-rec", None, "0" * 64]  # fmt: skip
    assert header == (_dumps(expected) + "\n").encode()


@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), None])))
def test_a_time_stamp_is_utc_iso_8601_to_the_microsecond(moment):
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        expected = moment.astimezone(UTC).isoformat(timespec="microseconds")
    except OverflowError:
        return  # beyond the years a UTC time can show
    assert utc_stamp(moment) == expected
    assert canonical(moment) == json.dumps(expected)


@given(st.text(), st.integers(min_value=1), st.none() | st.text())
def test_an_anchor_line_is_json_dumps_of_the_head(mac, count, fingerprint):
    head = ChainHead(
        chain=mac, transactions=count, rows=count, mac=mac, key_fingerprint=fingerprint,
        committed_at=datetime(2026, 1, 2, tzinfo=UTC),
    )  # fmt: skip
    assert anchor_line(head) == json.dumps(head.to_dict(), separators=(",", ":")).encode() + b"\n"
