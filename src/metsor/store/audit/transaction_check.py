"""Checking one transaction of the chain: its MAC, and that its rows are of its kind.

:func:`check_transaction` recomputes the MAC of a transaction over its header and its rows
(with the audit key for keyed schemes; a keyed one cannot be recomputed without it), and finds
a transaction made with another key, an unkeyed one after keyed ones or while a key is set, an
unknown scheme, and rows not of their transaction's kind. Transactions of one row per record
written (``hmac-sha256-rec``, ``sha256-rec``) are encoded by
:func:`~metsor.store.audit.encoding.record_line`, the others by
:func:`~metsor.store.audit.encoding.row_line`. :func:`check_legacy_transaction` checks the
first transaction of a trail migrated from row hashes (``legacy-rows``).
:mod:`metsor.store.audit.chain_check` calls them for each transaction in chain order.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC
from typing import Any

from metsor.store.audit.encoding import (
    HMAC_RECORD_SCHEME,
    HMAC_SCHEME,
    PLAIN_RECORD_SCHEME,
    PLAIN_SCHEME,
    RECORD_SCHEMES,
    AuditEntry,
    key_fingerprint,
    record_line,
    row_hash,
    row_line,
    transaction_header,
)
from metsor.store.audit.report import AuditProblem

__all__ = [
    "KEYED_SCHEMES",
    "UNKEYED_SCHEMES",
    "check_legacy_transaction",
    "check_transaction",
    "row_span",
]

#: The schemes of transactions made with the audit key, and of those made without one.
KEYED_SCHEMES = frozenset({HMAC_SCHEME, HMAC_RECORD_SCHEME})
UNKEYED_SCHEMES = frozenset({PLAIN_SCHEME, PLAIN_RECORD_SCHEME})


def row_span(first: int, last: int) -> str:
    """A range of audit rows or transactions as a message writes it (``7`` or ``7–9``)."""
    return f"{first}" if first == last else f"{first}–{last}"


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        row.table_name,
        row.record_id,
        row.field,
        row.action,
        row.old_value,
        row.new_value,
        row.actor,
        row.reason,
    )


def check_legacy_transaction(
    tx: Any, rows: list[Any], prev_hash: str, problems: list[AuditProblem]
) -> None:
    """Check a ``legacy-rows`` transaction: each row chains to the hash of the one before
    (``prev_hash`` for the first) and matches its own hash; the MAC is the last row's hash."""
    for row in rows:
        where = (row.table_name, row.record_id, row.field)
        if row.prev_hash != prev_hash:
            problems.append(
                AuditProblem("chain", *where, "does not chain to the row before", seq=row.seq)
            )
        recomputed = row_hash(
            seq=row.seq,
            recorded_at=row.recorded_at,
            entry=_entry(row),
            prev_hash=str(row.prev_hash),
        )
        if recomputed != row.hash:
            problems.append(
                AuditProblem("chain", *where, "content does not match its hash", seq=row.seq)
            )
        prev_hash = str(row.hash)
    if rows and tx.mac != rows[-1].hash:
        problems.append(
            AuditProblem(
                "chain", "audit_transactions", str(tx.seq), None,
                "the legacy transaction's MAC is not the hash of its last row",
            )
        )  # fmt: skip


def _line(tx: Any, row: Any) -> bytes:
    stamp = row.recorded_at.astimezone(UTC).isoformat(timespec="microseconds")
    if tx.scheme in RECORD_SCHEMES:
        return record_line(row.seq, stamp, row.table_name, row.record_id, row.action,
                           row.changes, row.actor, row.reason)  # fmt: skip
    return row_line(row.seq, stamp, _entry(row))


def _recompute(tx: Any, rows: list[Any], key: bytes | None) -> str:
    header = transaction_header(
        seq=tx.seq,
        committed_at=tx.committed_at,
        actor=tx.actor,
        first_row=tx.first_row,
        last_row=tx.last_row,
        scheme=tx.scheme,
        key_fingerprint=tx.key_fingerprint,
        prev_mac=tx.prev_mac,
    )
    digest = hmac.new(key, digestmod=hashlib.sha256) if key is not None else hashlib.sha256()
    digest.update(header)
    for row in rows:
        digest.update(_line(tx, row))
    return digest.hexdigest()


def _mac_mismatch(tx: Any) -> AuditProblem:
    return AuditProblem(
        "chain", "audit_transactions", str(tx.seq), None,
        f"audit rows {row_span(tx.first_row, tx.last_row)} or the transaction itself do not "
        "match its MAC: changed after it was committed",
        seq=tx.first_row,
    )  # fmt: skip


def _check_row_kinds(tx: Any, rows: list[Any], problems: list[AuditProblem]) -> None:
    """Rows of a per-record transaction hold ``changes`` only; others never hold it."""
    records = tx.scheme in RECORD_SCHEMES
    for row in rows:
        if row.hash is not None or row.prev_hash is not None:
            message = ("carries a row hash, which only rows written before the transaction "
                       "chain have")  # fmt: skip
        elif records and (
            row.changes is None
            or row.field is not None
            or row.old_value is not None
            or row.new_value is not None
        ):
            message = f"is not a record's row, as every row of a {tx.scheme} transaction is"
        elif not records and row.changes is not None:
            message = f"holds a record's changes in a {tx.scheme} transaction of one field a row"
        else:
            continue
        problems.append(
            AuditProblem("chain", row.table_name, row.record_id, row.field, message, seq=row.seq)
        )


def _check_mac(
    tx: Any, rows: list[Any], key: bytes | None, keyed_before: bool, problems: list[AuditProblem]
) -> bool:
    """Check the transaction's MAC; False when it is keyed and no key is held."""
    where = ("audit_transactions", str(tx.seq), None)
    fingerprint = key_fingerprint(key) if key is not None else None
    if tx.scheme in KEYED_SCHEMES:
        if key is None:
            return False
        if tx.key_fingerprint != fingerprint:
            problems.append(
                AuditProblem(
                    "chain", *where,
                    f"made with another key (fingerprint {str(tx.key_fingerprint)[:16]}…) than "
                    f"the audit key set ({str(fingerprint)[:16]}…)",
                )
            )  # fmt: skip
            return True
        if _recompute(tx, rows, key) != tx.mac:
            problems.append(_mac_mismatch(tx))
        return True
    if tx.scheme not in UNKEYED_SCHEMES or tx.key_fingerprint is not None:
        problems.append(AuditProblem("chain", *where, f"unknown MAC scheme {tx.scheme!r}"))
        return True
    if keyed_before:
        problems.append(AuditProblem("chain", *where, "an unkeyed transaction after keyed ones"))
    elif key is not None:
        problems.append(
            AuditProblem(
                "chain", *where,
                "not keyed although an audit key is set: anyone could have rewritten it",
            )
        )  # fmt: skip
    if _recompute(tx, rows, None) != tx.mac:
        problems.append(_mac_mismatch(tx))
    return True


def check_transaction(
    tx: Any, rows: list[Any], key: bytes | None, keyed_before: bool, problems: list[AuditProblem]
) -> bool:
    """Check a transaction of a MAC scheme and the rows it covers.

    Parameters
    ----------
    tx
        The ``audit_transactions`` row.
    rows
        The ``audit_log`` rows within its range, in order.
    key
        The audit key, when the verifier holds it.
    keyed_before
        Whether a keyed transaction came before it in the chain.
    problems
        Where problems found are appended.

    Returns
    -------
    bool
        False when its MAC is keyed and could not be recomputed (no key held), else True.
    """
    checked = _check_mac(tx, rows, key, keyed_before, problems)
    _check_row_kinds(tx, rows, problems)
    return checked
