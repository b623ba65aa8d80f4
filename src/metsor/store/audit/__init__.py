"""The keyed, anchored audit trail of the trial database.

How writes are audited (see :mod:`metsor.store.audit.hooks`): sessions made by
:func:`metsor.store.engine.session_factory` carry listeners that, for every row of an
:class:`~metsor.store.base.AuditedMixin` table inserted or updated through the ORM (or
inserted at once by :func:`~metsor.store.audit.hooks.insert_records`), note one
``audit_log`` row — user, time, table, record id, and each field written with its old and new
value, reason — and write them in the same transaction, just before it commits.
:func:`field_entries` reads the trail back as one entry per field changed, from these rows
and from the rows of one field each written before revision ``0010_audit_record_rows``.
Deleting a row of an audited table raises. The acting user and the reason come from
:func:`set_actor` and :func:`set_reason` (the services'
:class:`~metsor.services.context.ServiceContext` sets them).

How the chain works (see :mod:`metsor.store.audit.chain`): rows are numbered without gaps;
the rows of each committed transaction are chained as one ``audit_transactions`` row whose MAC
— HMAC-SHA-256 with a secret key kept outside the database — covers them all and the MAC of
the transaction before. After each keyed commit the new head is appended to the anchor file
outside the database (:mod:`metsor.store.audit.anchor`).

How it is checked (see :mod:`metsor.store.audit.verify`): :func:`verify` checks the chain
(with the key), the head against the anchor, replays the trail against every audited table,
checks every actor against the users and every allocation against the concealed list, and says
which guarantee each check rests on — including what a person holding both the database and
the key can still do.
"""

from metsor.store.audit.allocation_check import allocation_list_digest
from metsor.store.audit.chain import GENESIS_HASH, AuditEntry, AuditError, ChainHead, canonical
from metsor.store.audit.entries import FieldEntry, UnreadableAuditRowError, field_entries
from metsor.store.audit.hooks import (
    ChainSettings,
    chain_settings,
    configure,
    install,
    set_actor,
    set_reason,
)
from metsor.store.audit.report import AuditProblem, Check, VerifyReport
from metsor.store.audit.verify import verify

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "AuditError",
    "AuditProblem",
    "ChainHead",
    "ChainSettings",
    "Check",
    "FieldEntry",
    "UnreadableAuditRowError",
    "VerifyReport",
    "allocation_list_digest",
    "canonical",
    "chain_settings",
    "configure",
    "field_entries",
    "install",
    "set_actor",
    "set_reason",
    "verify",
]
