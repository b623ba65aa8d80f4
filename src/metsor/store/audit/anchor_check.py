"""Checking the chain's head against the anchor file, kept apart from the database.

:func:`check_anchor` compares the MACs of the chain's transactions, read by
:func:`~metsor.store.audit.chain_check.check_chain`, with the lines the anchor file holds for
this chain (:mod:`metsor.store.audit.anchor`): it catches the end of the trail deleted with the
data it described, and a rewrite of anchored transactions, even by someone holding the key.
"""

from __future__ import annotations

from metsor.store.audit.anchor import AnchorFile
from metsor.store.audit.chain_check import ChainState
from metsor.store.audit.report import AuditProblem

__all__ = ["check_anchor"]


def check_anchor(state: ChainState, anchor: AnchorFile, problems: list[AuditProblem]) -> str:
    """Compare the chain with the anchor file's lines for it; return what was checked.

    Every anchored transaction must be in the chain with the MAC anchored; the chain must be
    at least as long as the longest anchored. A file that holds lines of other chains only
    means this chain was replaced, or the file is not this database's.
    """
    for number in anchor.unreadable:
        problems.append(
            AuditProblem("anchor", str(anchor.path), None, None,
                         f"line {number} is not an anchor entry")
        )  # fmt: skip
    chain = state.chain
    if chain is None:
        if anchor.entries:
            problems.append(
                AuditProblem("anchor", "audit_transactions", None, None,
                             f"the trail is empty but the anchor file {anchor.path} records "
                             f"{len(anchor.entries)} commit(s)")
            )  # fmt: skip
        return "the trail is empty"
    entries = anchor.of_chain(chain)
    if not entries:
        if anchor.entries:
            problems.append(
                AuditProblem(
                    "anchor", "audit_transactions", "1", None,
                    f"the anchor file {anchor.path} holds no line for this trail (first MAC "
                    f"{chain[:16]}…) but {len(anchor.entries)} of other trails: the trail was "
                    "replaced, or the file is another database's",
                )
            )  # fmt: skip
        return "no commit of this trail is anchored yet"
    longest = max(entries, key=lambda e: e.transactions)
    if longest.transactions > state.transactions or longest.rows > state.last_row:
        problems.append(
            AuditProblem(
                "anchor", "audit_transactions", str(longest.transactions), None,
                f"the anchor records {longest.transactions} transactions and {longest.rows} "
                f"audit rows (at {longest.committed_at}); the trail has {state.transactions} and "
                f"{state.last_row}: its end was deleted",
            )
        )  # fmt: skip
    differ = [e for e in entries if e.transactions in state.macs
              and state.macs[e.transactions] != e.mac]  # fmt: skip
    if differ:
        first = min(differ, key=lambda e: e.transactions)
        problems.append(
            AuditProblem(
                "anchor", "audit_transactions", str(first.transactions), None,
                f"MAC differs from the one anchored at {first.committed_at}"
                + (f" (and {len(differ) - 1} later anchored transactions)" if len(differ) > 1
                   else "")
                + ": the trail was rewritten",
            )
        )  # fmt: skip
    return (
        f"{len(entries)} anchored commits, the last at transaction {longest.transactions} "
        f"({longest.rows} rows)"
    )
