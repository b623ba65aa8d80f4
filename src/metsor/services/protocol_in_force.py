"""The protocol stored with the trial: written once at ``metsor db init``, read by services.

:func:`store_protocol` writes the protocol's JSON text and its SHA-256 digest in the audited
``trial_protocol`` row; :func:`protocol_of` reads it back once per transaction and parses
it once per process (the text checked against its digest when first read, and compared with
that text each time after). A database set up before the protocol was stored with it has no
row and runs the built-in NCT02672488, the only trial it can have been set up with. Services
reach it as :attr:`metsor.services.context.ServiceContext.protocol`.

The unit of work reads the stored text and digest in the statement that reads the acting
user (:data:`STORED_DOCUMENT`, :data:`STORED_DIGEST`) and hands them over with
:func:`keep_read`: every transaction still reads the protocol in force, without a statement
of its own.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from metsor.errors import ConflictError
from metsor.protocol import Protocol, builtin
from metsor.protocol.builtin import DEFAULT_NCT_ID
from metsor.store.models.protocol import TrialProtocol

__all__ = [
    "STORED_DIGEST",
    "STORED_DOCUMENT",
    "keep_read",
    "protocol_of",
    "store_protocol",
    "stored_nct_id",
]

_CACHE = "metsor.protocol_in_force"
_READ = "metsor.protocol_in_force.read"


def store_protocol(session: Session, protocol: Protocol) -> TrialProtocol:
    """Write the trial's protocol (once).

    Parameters
    ----------
    session
        An audited session.
    protocol
        The protocol; its arms must have codes (a runnable protocol).

    Returns
    -------
    TrialProtocol
        The stored row.

    Raises
    ------
    ConflictError
        When the database already holds a protocol.
    NotFoundError
        When an arm has no code.
    """
    protocol.arm_codes  # noqa: B018 - refuses a protocol whose arms have no codes
    if session.get(TrialProtocol, 1) is not None:
        raise ConflictError("the trial's protocol is already stored", field="protocol")
    document = protocol.model_dump_json()
    row = TrialProtocol(
        id=1,
        nct_id=protocol.nct_id,
        document=document,
        digest=hashlib.sha256(document.encode("utf-8")).hexdigest(),
    )
    session.add(row)
    session.flush()
    session.info[_CACHE] = protocol
    return row


def protocol_of(session: Session) -> Protocol:
    """The protocol of the trial the session's database runs (read once per transaction)."""
    cached = session.info.get(_CACHE)
    if isinstance(cached, Protocol):
        return cached
    read = session.info.pop(_READ, None)
    if read is None:
        # a statement built once, past the ORM
        row = session.connection().execute(_STORED).first()
        read = (None, None) if row is None else (row.document, row.digest)
    document, digest = read
    protocol = (
        builtin(DEFAULT_NCT_ID) if document is None or digest is None else _parsed(digest, document)
    )
    session.info[_CACHE] = protocol
    return protocol


def keep_read(session: Session, document: str | None, digest: str | None) -> None:
    """Hand over the stored protocol's text and digest that the transaction has just read
    with another statement (:data:`STORED_DOCUMENT`, :data:`STORED_DIGEST`; None when no
    protocol is stored): :func:`protocol_of` takes them instead of reading them again.

    Parameters
    ----------
    session
        The session, at the start of its transaction.
    document, digest
        As read.
    """
    session.info.pop(_CACHE, None)
    session.info[_READ] = (document, digest)


_STORED = select(TrialProtocol.document, TrialProtocol.digest).where(TrialProtocol.id == 1)

#: The stored protocol's text, as a column of another statement (NULL when none is stored).
STORED_DOCUMENT = (
    select(TrialProtocol.document).where(TrialProtocol.id == 1).scalar_subquery().label("document")
)

#: The stored protocol's digest, as a column of another statement.
STORED_DIGEST = (
    select(TrialProtocol.digest).where(TrialProtocol.id == 1).scalar_subquery().label("digest")
)


def stored_nct_id(session: Session) -> str | None:
    """The NCT id of the stored protocol, or None when none is stored."""
    return session.scalar(select(TrialProtocol.nct_id).where(TrialProtocol.id == 1))


#: Digest → the document read and the protocol parsed from it, per process.
_PARSED: dict[str, tuple[str, Protocol]] = {}


def _parsed(digest: str, document: str) -> Protocol:
    """The protocol of a stored document, parsed once per process; the document is checked
    against its digest when first read, and compared with the one checked each time after."""
    known = _PARSED.get(digest)
    if known is not None and known[0] == document:
        return known[1]
    protocol = _checked(digest, document)
    if len(_PARSED) >= 8:
        _PARSED.clear()
    _PARSED[digest] = (document, protocol)
    return protocol


def _checked(digest: str, document: str) -> Protocol:
    if hashlib.sha256(document.encode("utf-8")).hexdigest() != digest:
        raise ConflictError(
            "the stored protocol does not match its digest; the trial's protocol was altered "
            "behind the application's back",
            field="trial_protocol",
        )
    return Protocol.model_validate_json(document)
