"""What a verification of the audit trail found: problems, and what each check rests on."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from metsor.plurals import counted

__all__ = ["AuditProblem", "Check", "VerifyReport"]


@dataclass(frozen=True)
class AuditProblem:
    """One thing the verification found wrong.

    Attributes
    ----------
    kind
        ``"chain"``, ``"anchor"``, ``"data"``, ``"actor"``, ``"allocation"``,
        ``"allocation_list"`` or ``"counter"``.
    table, record_id, field
        The row and field at fault, as far as known.
    seq
        The audit row at fault, for chain breaks.
    message
        What is wrong.
    """

    kind: str
    table: str
    record_id: str | None
    field: str | None
    message: str
    seq: int | None = None

    def __str__(self) -> str:
        where = [self.table]
        if self.record_id is not None:
            where.append(f"id {self.record_id}")
        if self.field is not None:
            where.append(f"field {self.field}")
        if self.seq is not None:
            where.append(f"audit row {self.seq}")
        return f"{', '.join(where)}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return asdict(self)


@dataclass(frozen=True)
class Check:
    """One check of the verification and the guarantee it rests on.

    Attributes
    ----------
    name
        ``"chain"``, ``"anchor"``, ``"data"``, ``"actors"`` or ``"allocations"``.
    status
        ``"intact"``, ``"broken"``, ``"weaker"`` (done, but on a guarantee that someone
        could forge: no key, or an unkeyed chain) or ``"not checked"``.
    rests_on
        What the check's guarantee needs, e.g. ``"the audit key"``.
    detail
        What was checked, or why not.
    """

    name: str
    status: str
    rests_on: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.name}: {self.status} — {self.detail} (rests on {self.rests_on})"


@dataclass(frozen=True)
class VerifyReport:
    """What :func:`metsor.store.audit.verify` found.

    Attributes
    ----------
    audit_rows
        Rows of the audit trail read (one a record written, or one a field for rows written
        before revision ``0010_audit_record_rows``).
    records
        Rows of audited tables compared with the trail.
    problems
        Everything found wrong (at most 200), chain breaks first.
    transactions
        Chained transactions read.
    checks
        Each check, its outcome and what it rests on.
    field_changes
        Audited field changes those rows hold.
    """

    audit_rows: int
    records: int
    problems: tuple[AuditProblem, ...] = field(default=())
    transactions: int = 0
    checks: tuple[Check, ...] = field(default=())
    field_changes: int = 0

    @property
    def counts(self) -> str:
        """What was read, as users count it: the field changes audited first, then the audit
        rows and transactions they are stored in, and the records compared.

        Examples
        --------
        >>> VerifyReport(audit_rows=1, records=2, transactions=1, field_changes=5).counts
        '5 field changes audited, stored in 1 audit row of 1 transaction; 2 records compared'
        """
        return (
            f"{counted(self.field_changes, 'field change')} audited, stored in "
            f"{counted(self.audit_rows, 'audit row')} of "
            f"{counted(self.transactions, 'transaction')}; "
            f"{counted(self.records, 'record')} compared"
        )

    @property
    def intact(self) -> bool:
        """True when nothing was found wrong."""
        return not self.problems

    @property
    def first_problem(self) -> AuditProblem | None:
        """The first thing found wrong, or None."""
        return self.problems[0] if self.problems else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (what ``metsor audit verify --json`` prints)."""
        return {
            "intact": self.intact,
            "audit_rows": self.audit_rows,
            "field_changes": self.field_changes,
            "transactions": self.transactions,
            "records": self.records,
            "checks": [check.to_dict() for check in self.checks],
            "problems": [problem.to_dict() for problem in self.problems],
        }
