"""The hash-chained audit trail of the trial database.

How writes are audited (see :mod:`metsor.store.audit.hooks`): sessions made by
:func:`metsor.store.engine.session_factory` carry listeners that, for every row of an
:class:`~metsor.store.base.AuditedMixin` table inserted or updated through the ORM, append one
``audit_log`` row per changed field — user, time, table, record id, field, old value, new
value, reason — in the same transaction, just before it commits. Deleting such a row raises.
The acting user and the reason come from :func:`set_actor` and :func:`set_reason` (the
services' :class:`~metsor.services.context.ServiceContext` sets them).

How the chain works (see :mod:`metsor.store.audit.chain`): rows are numbered without gaps and
each row's hash is the SHA-256 of its content and the previous row's hash.

How it is checked (see :mod:`metsor.store.audit.verify`): :func:`verify` detects a changed or
deleted audit row (chain break) and any audited row whose current values differ from what the
trail says, naming the first broken row (table, id, field).
"""

from metsor.store.audit.chain import GENESIS_HASH, AuditEntry, AuditError, canonical
from metsor.store.audit.hooks import install, set_actor, set_reason
from metsor.store.audit.verify import AuditProblem, VerifyReport, allocation_list_digest, verify

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "AuditError",
    "AuditProblem",
    "VerifyReport",
    "allocation_list_digest",
    "canonical",
    "install",
    "set_actor",
    "set_reason",
    "verify",
]
