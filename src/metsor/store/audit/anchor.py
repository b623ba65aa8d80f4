"""The anchor: the head of the audit chain, written outside the database at every commit.

A keyed chain (:mod:`metsor.store.audit.chain`) stops someone without the key from rewriting
the trail; it cannot stop them from deleting its last transactions together with the data
they describe, and it cannot stop someone who holds the key. The anchor file is kept apart
from the database (``METSOR_AUDIT_ANCHOR_FILE``, default ``metsor-audit.anchor`` in
``METSOR_HOME``, mode 0600): after each keyed transaction commits, one JSON line is appended
to it — the chain's name (the MAC of its first transaction), the number of transactions and
rows, the MAC of the last transaction, the key's fingerprint and the time. The file is opened
before the commit (a file that cannot be written stops the transaction) and written after it
(a transaction that rolls back leaves no line); lines are appended with ``O_APPEND``, so
concurrent writers never mix their lines, though they may land out of order.

:func:`metsor.store.audit.verify.verify` reads the lines of the database's chain: every
anchored transaction must still be in the chain with the same MAC, and the chain must be at
least as long as the longest anchored. ``metsor audit anchor`` prints the head, for a sponsor to
publish or escrow beyond the reach of whoever runs the database.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from metsor.config import AUDIT_ANCHOR_FILE_ENV
from metsor.errors import InputError
from metsor.store.audit.chain import ChainHead

__all__ = ["AnchorEntry", "AnchorFile", "anchor_line", "open_anchor",
           "read_anchor", "write_anchor"]  # fmt: skip


@dataclass(frozen=True)
class AnchorEntry:
    """One line of the anchor file: the chain's head after one commit."""

    chain: str
    transactions: int
    rows: int
    mac: str
    key_fingerprint: str | None
    committed_at: str


@dataclass(frozen=True)
class AnchorFile:
    """What the anchor file holds.

    Attributes
    ----------
    path
        The file.
    entries
        Its readable lines, in file order.
    unreadable
        Numbers (1-based) of lines that are not an anchor entry.
    """

    path: Path
    entries: tuple[AnchorEntry, ...] = field(default=())
    unreadable: tuple[int, ...] = field(default=())

    def of_chain(self, chain: str) -> tuple[AnchorEntry, ...]:
        """The entries of one chain."""
        return tuple(entry for entry in self.entries if entry.chain == chain)


#: ``json.dumps(entry, separators=(",", ":"))`` without building an encoder at every commit.
_encode_line = json.JSONEncoder(separators=(",", ":")).encode


def anchor_line(head: ChainHead) -> bytes:
    """The anchor line of a chain head (JSON, one line)."""
    return _encode_line(head.to_dict()).encode() + b"\n"


def open_anchor(path: Path) -> int:
    """Open the anchor file for appending (creating it 0600, and its folder), before a commit.

    Parameters
    ----------
    path
        The anchor file.

    Returns
    -------
    int
        An open file descriptor, for :func:`write_anchor`.

    Raises
    ------
    InputError
        Naming ``METSOR_AUDIT_ANCHOR_FILE``, the file and why it cannot be written.
    """
    try:
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except FileNotFoundError:
        pass  # its folder does not exist yet: made once, not looked for at every commit
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as exc:
        raise _unwritable(path, exc) from None


def _unwritable(path: Path, exc: OSError) -> InputError:
    return InputError(
        f"cannot write the audit anchor file {path}: {exc.strerror or exc}",
        field=AUDIT_ANCHOR_FILE_ENV,
    )


def write_anchor(descriptor: int, line: bytes | None) -> None:
    """Append ``line`` (after the commit; None after a rollback) and close the file."""
    try:
        if line is not None:
            os.write(descriptor, line)
    finally:
        os.close(descriptor)


def _entry(text: str) -> AnchorEntry | None:
    try:
        data = json.loads(text)
        entry = AnchorEntry(
            chain=data["chain"],
            transactions=data["transactions"],
            rows=data["rows"],
            mac=data["mac"],
            key_fingerprint=data["key_fingerprint"],
            committed_at=data["committed_at"],
        )
    except (ValueError, KeyError, TypeError):
        return None
    if not (isinstance(entry.transactions, int) and isinstance(entry.rows, int)):
        return None
    if not (isinstance(entry.chain, str) and isinstance(entry.mac, str)):
        return None
    return entry


def read_anchor(path: Path) -> AnchorFile | None:
    """Read the anchor file; None when it does not exist.

    Raises
    ------
    InputError
        Naming ``METSOR_AUDIT_ANCHOR_FILE`` when it exists but cannot be read.
    """
    if not path.exists():
        return None
    entries, unreadable = [], []
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                entry = _entry(text)
                if entry is None:
                    unreadable.append(number)
                else:
                    entries.append(entry)
    except OSError as exc:
        raise InputError(
            f"cannot read the audit anchor file {path}: {exc.strerror or exc}",
            field=AUDIT_ANCHOR_FILE_ENV,
        ) from None
    return AnchorFile(path=path, entries=tuple(entries), unreadable=tuple(unreadable))
