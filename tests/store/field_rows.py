"""Builder of audit transactions of one row per field, as they were written before revision
0010_audit_record_rows (schemes ``hmac-sha256`` and ``sha256``), for the tests that hold such
trails readable and verifiable. Shared here rather than imported from one test module into
another.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from metsor.store.audit.encoding import (
    GENESIS_HASH,
    HMAC_SCHEME,
    PLAIN_SCHEME,
    AuditEntry,
    key_fingerprint,
    mac_of,
    row_line,
    transaction_header,
    utc_stamp,
)

__all__ = ["AUDIT_LOG_0009", "append_field_transaction"]

#: ``audit_log`` as revision 0009 has it (no ``changes``).
AUDIT_LOG_0009 = sa.table(
    "audit_log",
    sa.column("seq", sa.Integer()),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
    *(
        sa.column(name, sa.String())
        for name in ("actor", "table_name", "record_id", "field", "action", "old_value",
                     "new_value", "reason", "prev_hash", "hash")
    ),
)  # fmt: skip

_TRANSACTIONS = sa.table(
    "audit_transactions",
    sa.column("seq", sa.Integer()),
    sa.column("first_row", sa.Integer()),
    sa.column("last_row", sa.Integer()),
    sa.column("committed_at", sa.DateTime(timezone=True)),
    *(
        sa.column(name, sa.String())
        for name in ("actor", "scheme", "key_fingerprint", "prev_mac", "mac")
    ),
)


def append_field_transaction(
    conn: Connection,
    entries: Sequence[AuditEntry],
    committed_at: datetime,
    *,
    actor: str,
    key: bytes | None,
) -> None:
    """Append one transaction of one audit row per field, chained as before revision 0010."""
    last = conn.execute(
        sa.select(_TRANSACTIONS.c.seq, _TRANSACTIONS.c.last_row, _TRANSACTIONS.c.mac)
        .order_by(_TRANSACTIONS.c.seq.desc())
        .limit(1)
    ).first()
    seq, row, prev_mac = (last.seq, last.last_row, last.mac) if last else (0, 0, GENESIS_HASH)
    first_row, last_row = row + 1, row + len(entries)
    scheme = HMAC_SCHEME if key is not None else PLAIN_SCHEME
    fingerprint = key_fingerprint(key) if key is not None else None
    header = transaction_header(
        seq=seq + 1,
        committed_at=committed_at,
        actor=actor,
        first_row=first_row,
        last_row=last_row,
        scheme=scheme,
        key_fingerprint=fingerprint,
        prev_mac=prev_mac,
    )
    stamp = utc_stamp(committed_at)
    numbered = list(enumerate(entries, start=first_row))
    conn.execute(
        sa.insert(AUDIT_LOG_0009),
        [
            {"seq": number, "recorded_at": committed_at, "actor": entry.actor,
             "table_name": entry.table_name, "record_id": entry.record_id, "field": entry.field,
             "action": entry.action, "old_value": entry.old_value, "new_value": entry.new_value,
             "reason": entry.reason, "prev_hash": None, "hash": None}
            for number, entry in numbered
        ],
    )  # fmt: skip
    conn.execute(
        sa.insert(_TRANSACTIONS).values(
            seq=seq + 1,
            first_row=first_row,
            last_row=last_row,
            committed_at=committed_at,
            actor=actor,
            scheme=scheme,
            key_fingerprint=fingerprint,
            prev_mac=prev_mac,
            mac=mac_of(key, header, [row_line(n, stamp, e) for n, e in numbered]),
        )
    )
