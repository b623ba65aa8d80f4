"""The investigators' electronic signatures and the lock state of each subject, read for the
study report and the CDISC exports.

A read-only use case: :func:`read_sign_off` returns, for every subject the acting user may see,
the signatures of its casebook and visits (:mod:`metsor.services.monitoring.signatures`) as
they stood at the data cut-off — a signature made after the cut-off is left out, one voided
after it counts as valid at the cut-off — and the subject's freeze or lock state
(:mod:`metsor.services.monitoring.locks`): the strictest of the states of the subject, its site
and the study (open < frozen < locked). Locks keep no history but the audit trail, so the lock
state is the one when the data are read, as the report's database state is.

The signer's printed name, the date and time and the meaning are those §11.50 of 21 CFR Part
11 requires a signature to show; the user ID, one of its two components, is not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType

from sqlalchemy import select

from metsor.services.access import require, visible
from metsor.services.context import ServiceContext
from metsor.store.models.casebook import Visit
from metsor.store.models.core import Site, Subject
from metsor.store.models.monitoring import DataLock, Signature

__all__ = ["LOCK_ORDER", "SignOff", "SignatureRecord", "SubjectSignOff", "read_sign_off"]

LOCK_ORDER: tuple[str, ...] = ("open", "frozen", "locked")
"""Lock states from the least to the most strict."""


@dataclass(frozen=True)
class SignatureRecord:
    """One signature as it stood at the data cut-off.

    ``visit_type``, ``visit_number`` and ``visit_date`` describe the visit signed (None for a
    signature of the whole casebook); ``status`` is ``valid`` or ``voided`` at the cut-off.
    """

    subject_id: str
    visit_type: str | None
    visit_number: int | None
    visit_date: date | None
    printed_name: str
    meaning: str
    meaning_text: str
    signed_at: datetime
    status: str
    voided_at: datetime | None
    voided_because: str | None
    digest: str
    rows: int

    @property
    def of_casebook(self) -> bool:
        """Whether it signs the whole casebook (not one visit)."""
        return self.visit_type is None


@dataclass(frozen=True)
class SubjectSignOff:
    """A subject's signatures (oldest first) and lock state."""

    subject_id: str
    lock_state: str
    locked_at: datetime | None
    signatures: tuple[SignatureRecord, ...]

    @property
    def casebook_signature(self) -> SignatureRecord | None:
        """The latest valid signature of the whole casebook, if any."""
        valid = [s for s in self.signatures if s.of_casebook and s.status == "valid"]
        return valid[-1] if valid else None


@dataclass(frozen=True)
class SignOff:
    """Signatures and lock states of the visible subjects at a data cut-off."""

    cutoff: date | None
    subjects: Mapping[str, SubjectSignOff]

    def of(self, subject_id: str) -> SubjectSignOff:
        """A subject's sign-off (open and unsigned if it has none)."""
        return self.subjects.get(subject_id) or SubjectSignOff(subject_id, "open", None, ())

    @property
    def signatures(self) -> tuple[SignatureRecord, ...]:
        """Every signature, by subject then time."""
        return tuple(s for subject in self.subjects.values() for s in subject.signatures)


def _stricter(
    a: tuple[str, datetime | None], b: tuple[str, datetime | None]
) -> tuple[str, datetime | None]:
    return b if LOCK_ORDER.index(b[0]) > LOCK_ORDER.index(a[0]) else a


def read_sign_off(ctx: ServiceContext, *, cutoff: date | None = None) -> SignOff:
    """Read the signatures and lock states of the subjects the acting user may see.

    Parameters
    ----------
    ctx
        A read-only service context of a role allowed to extract datasets.
    cutoff
        Data cut-off: signatures made after it are left out, a voiding after it is ignored.

    Returns
    -------
    SignOff

    Raises
    ------
    PermissionDeniedError
        When the acting role may not extract datasets.
    """
    require(ctx, "extract_datasets")
    subjects = ctx.session.execute(
        visible(ctx, select(Subject.subject_id, Site.code).join(Site, Site.id == Subject.site_id))
    ).all()
    locks = {
        (row.scope, row.target): (row.state, row.changed_at)
        for row in ctx.session.scalars(select(DataLock))
    }
    open_: tuple[str, datetime | None] = ("open", None)
    study = locks.get(("study", ""), open_)
    signed: dict[str, list[SignatureRecord]] = {}
    statement = (
        select(Signature, Visit.visit_type, Visit.number, Visit.actual_date)
        .join(Subject, Subject.subject_id == Signature.subject_id)
        .outerjoin(Visit, Visit.id == Signature.visit_id)
        .order_by(Signature.subject_id, Signature.signed_at, Signature.id)
    )
    for row, kind, number, on in ctx.session.execute(visible(ctx, statement)):
        if cutoff is not None and row.signed_at.date() > cutoff:
            continue
        voided = row.status == "voided" and (
            cutoff is None or row.voided_at is None or row.voided_at.date() <= cutoff
        )
        signed.setdefault(row.subject_id, []).append(
            SignatureRecord(
                row.subject_id, kind, number, on, row.printed_name, row.meaning,
                row.meaning_text, row.signed_at, "voided" if voided else "valid",
                row.voided_at if voided else None, row.voided_because if voided else None,
                row.digest, len(row.signed_rows),
            )
        )  # fmt: skip
    result = {}
    for subject_id, site in sorted(subjects):
        state = _stricter(
            _stricter(locks.get(("subject", subject_id), open_), locks.get(("site", site), open_)),
            study,
        )
        result[subject_id] = SubjectSignOff(
            subject_id,
            state[0],
            state[1] if state[0] == "locked" else None,
            tuple(signed.get(subject_id, ())),
        )
    return SignOff(cutoff, MappingProxyType(result))
