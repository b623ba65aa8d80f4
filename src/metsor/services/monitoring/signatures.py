"""Electronic signatures of a subject's casebook or of one visit (21 CFR Part 11).

- §11.200: the investigator signs by entering both components again — their user ID and
  password — and the password is checked as a login is: a wrong one is refused, logged and
  counted toward lock-out (:func:`metsor.services.authentication.authenticate`).
- §11.50: the signature shows the signer's printed name, the date and time (UTC) and its
  meaning (:data:`MEANINGS`); :meth:`SignatureView.manifest` is that text, shown by the
  casebook, ``metsor subjects show`` and the exports.
- §11.70: the signature is linked to the content it signs by the SHA-256 of the signed rows
  (:func:`metsor.services.monitoring.entries.rows_digest`), so that it cannot be moved to
  other data; ``metsor audit verify`` recomputes it (:func:`check_signatures`).

A later change of any signed row voids the signature with the change that did
(:mod:`.guard`); the casebook must then be signed again. Only investigators of the subject's
site sign (another site's subject is not found).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from metsor.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from metsor.services.access import subject_for
from metsor.services.context import Database, ServiceContext, unit_of_work
from metsor.services.monitoring._roles import require_role
from metsor.services.monitoring.entries import MAX_RECORD_ID, entry_of, entry_rows, rows_digest
from metsor.services.monitoring.guard import when
from metsor.store.audit.report import AuditProblem
from metsor.store.models.casebook import Visit
from metsor.store.models.core import Subject
from metsor.store.models.monitoring import Signature, Signer

__all__ = [
    "MEANINGS",
    "SignatureView",
    "check_signatures",
    "list_signatures",
    "printed_name_of",
    "sign_casebook",
    "sign_casebooks",
    "signable_visits",
    "void_moved_visits",
]

MEANINGS = MappingProxyType(
    {
        "approve": "I have reviewed and approve these data",
        "review": "I have reviewed these data",
    }
)
"""The meanings a signature can carry (§11.50(a)(3))."""


@dataclass(frozen=True)
class SignatureView:
    """A signature as it is shown: who, when, what it means, what it signs, whether valid."""

    id: int
    subject_id: str
    visit_id: int | None
    signer: str
    printed_name: str
    meaning: str
    meaning_text: str
    signed_at: datetime
    digest: str
    rows: int
    status: str
    voided_at: datetime | None
    voided_because: str | None

    @classmethod
    def of(cls, row: Signature) -> SignatureView:
        """The view of a stored signature."""
        return cls(
            row.id, row.subject_id, row.visit_id, row.signer, row.printed_name, row.meaning,
            row.meaning_text, row.signed_at, row.digest, len(row.signed_rows), row.status,
            row.voided_at, row.voided_because,
        )  # fmt: skip

    def manifest(self) -> str:
        """``Signed by Dr A (inv_tj) on … UTC: I have reviewed …`` and, if voided, why."""
        what = f"visit {self.visit_id}" if self.visit_id is not None else "casebook"
        text = (
            f"{what} signed by {self.printed_name} ({self.signer}) on {when(self.signed_at)}: "
            f"{self.meaning_text}"
        )
        if self.status == "voided":
            text += f" — VOID, {self.voided_because}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "id": self.id, "subject_id": self.subject_id, "visit_id": self.visit_id,
            "signer": self.signer, "printed_name": self.printed_name, "meaning": self.meaning,
            "meaning_text": self.meaning_text, "signed_at": self.signed_at.isoformat(),
            "digest": self.digest, "rows": self.rows, "status": self.status,
            "voided_at": self.voided_at.isoformat() if self.voided_at else None,
            "voided_because": self.voided_because, "manifest": self.manifest(),
        }  # fmt: skip


def sign_casebook(
    database: Database,
    *,
    acting_user: str,
    user_id: str,
    password: str,
    subject_id: str,
    meaning: str = "approve",
    visit_id: int | None = None,
    printed_name: str | None = None,
) -> SignatureView:
    """Sign a subject's casebook (or one visit) with both components of the signature.

    Parameters
    ----------
    database
        The database.
    acting_user
        The user who proved who they are for this session.
    user_id, password
        The two components, entered again for the signature (§11.200(a)(1)).
    subject_id
        The subject.
    meaning
        A key of :data:`MEANINGS`.
    visit_id
        Sign only this visit and what was recorded at it.
    printed_name
        The signer's printed name; required on a user's first signature, then fixed.

    Returns
    -------
    SignatureView
        The signature.

    Raises
    ------
    PermissionDeniedError
        A user ID other than the acting user's, a wrong password (logged and counted toward
        lock-out), a locked-out user, or a role other than investigator.
    NotFoundError
        No such subject at the signer's site, or no such visit of the subject.
    InputError
        An unknown meaning, or no printed name on a first signature.
    ConflictError
        The same content already signed with the same meaning by the same user, or the
        subject locked.
    """
    _check_signing(meaning, user_id, acting_user)
    from metsor.services.authentication import authenticate

    with unit_of_work(database, acting_user, readonly=True) as ctx:  # refuse before the password
        _signable(ctx, subject_id, visit_id, printed_name, lock=False)
    authenticate(database, user_id, password)
    with unit_of_work(database, user_id, reason=f"signature: {MEANINGS[meaning]}") as ctx:
        return _sign(ctx, subject_id, meaning, visit_id, printed_name)


def _check_signing(meaning: str, user_id: str, acting_user: str) -> None:
    """Refuse an unknown meaning, or a user ID that is not the acting user's."""
    if meaning not in MEANINGS:
        raise InputError(
            f"the meaning must be one of {', '.join(MEANINGS)}, got {meaning!r}", field="meaning"
        )
    if user_id != acting_user:
        raise PermissionDeniedError(
            f"the user ID entered ({user_id!r}) is not the acting user's ({acting_user!r})",
            field="user",
        )


def sign_casebooks(
    database: Database,
    *,
    acting_user: str,
    user_id: str,
    password: str,
    subject_ids: Sequence[str],
    meaning: str = "approve",
    printed_name: str | None = None,
) -> tuple[SignatureView, ...]:
    """Sign several subjects' casebooks as one series of signings.

    The signer enters both components once for the series, which is one continuous period
    of controlled access (§11.200(a)(1)(i)); each casebook then gets its own signature, with
    its own digest, in one transaction: all are signed or none.

    Parameters
    ----------
    database
        The database.
    acting_user
        The user who proved who they are for this session.
    user_id, password
        The two components, entered again for the series.
    subject_ids
        The subjects, each signed once, in this order.
    meaning
        A key of :data:`MEANINGS`.
    printed_name
        The signer's printed name; required on a user's first signature, then fixed.

    Returns
    -------
    tuple of SignatureView
        The signatures, in the order of ``subject_ids``.

    Raises
    ------
    PermissionDeniedError, NotFoundError, InputError, ConflictError
        As :func:`sign_casebook`, for the first subject refused (nothing is then signed);
        an :class:`InputError` too for no subject or a subject named twice.
    """
    if not subject_ids:
        raise InputError("name at least one subject to sign", field="subject_id")
    twice = sorted(s for s, n in Counter(subject_ids).items() if n > 1)
    if twice:
        raise InputError(f"{twice[0]} is named twice", field="subject_id")
    _check_signing(meaning, user_id, acting_user)
    from metsor.services.authentication import authenticate

    with unit_of_work(database, acting_user, readonly=True) as ctx:  # refuse before the password
        for subject_id in subject_ids:
            _signable(ctx, subject_id, None, printed_name, lock=False)
    authenticate(database, user_id, password)
    with unit_of_work(database, user_id, reason=f"signature: {MEANINGS[meaning]}") as ctx:
        return tuple(_sign(ctx, s, meaning, None, printed_name) for s in subject_ids)


def _signable(
    ctx: ServiceContext,
    subject_id: str,
    visit_id: int | None,
    printed_name: str | None,
    *,
    lock: bool = True,
) -> tuple[Subject, Signer | None, str]:
    """Check that the acting user may sign this content: (subject, signer or None, name)."""
    require_role(ctx, "sign_casebook")
    subject = subject_for(ctx, subject_id, lock=lock)
    if visit_id is not None:
        visit = ctx.session.get(Visit, visit_id) if 0 < visit_id <= MAX_RECORD_ID else None
        if visit is None or visit.subject_id != subject.subject_id:
            raise NotFoundError(f"no visit {visit_id} of {subject_id}", field="visit")
    signer = ctx.session.scalars(select(Signer).where(Signer.username == ctx.username)).first()
    name = (printed_name or "").strip()
    if signer is None:
        if not name:
            raise InputError(
                "a first signature needs the signer's printed name (--name)", field="name"
            )
        if len(name) > 200:
            raise InputError("the printed name is longer than 200 characters", field="name")
    elif name and name != signer.printed_name:
        raise ConflictError(
            f"{ctx.username} signs as {signer.printed_name!r}; the printed name is fixed",
            field="name",
        )
    return subject, signer, name


def _sign(
    ctx: ServiceContext,
    subject_id: str,
    meaning: str,
    visit_id: int | None,
    printed_name: str | None,
) -> SignatureView:
    subject, signer, name = _signable(ctx, subject_id, visit_id, printed_name)
    if signer is None:
        signer = Signer(username=ctx.username, printed_name=name, registered_at=ctx.now())
        ctx.session.add(signer)
    rows = entry_rows(ctx.session, subject.subject_id, visit_id=visit_id)
    digest = rows_digest(subject.subject_id, rows)
    same = ctx.session.scalars(
        select(Signature).where(
            Signature.subject_id == subject.subject_id, Signature.status == "valid",
            Signature.signer == ctx.username, Signature.meaning == meaning,
            Signature.digest == digest,
        )
    ).first()  # fmt: skip
    if same is not None and same.visit_id == visit_id:
        raise ConflictError(
            f"{subject_id} is already signed by {ctx.username} with this meaning on "
            f"{when(same.signed_at)} and has not changed since",
            field="subject_id",
        )
    signature = Signature(
        subject_id=subject.subject_id, visit_id=visit_id, signer=ctx.username,
        printed_name=signer.printed_name, meaning=meaning, meaning_text=MEANINGS[meaning],
        signed_at=ctx.now(), signed_rows=[f"{t}:{i}" for t, i, _ in rows], digest=digest,
        status="valid",
    )  # fmt: skip
    ctx.session.add(signature)
    ctx.session.flush()
    return SignatureView.of(signature)


def list_signatures(ctx: ServiceContext, subject_id: str) -> tuple[SignatureView, ...]:
    """Every signature of a subject the user may see, oldest first (voided ones included)."""
    subject = subject_for(ctx, subject_id)
    rows = ctx.session.scalars(
        select(Signature).where(Signature.subject_id == subject.subject_id).order_by(Signature.id)
    )
    return tuple(SignatureView.of(row) for row in rows)


def check_signatures(session: Session) -> tuple[int, list[AuditProblem]]:
    """Recompute the digest of every valid signature; (signatures checked, problems)."""
    problems = []
    checked = 0
    for signature in session.scalars(
        select(Signature).where(Signature.status == "valid").order_by(Signature.id)
    ):
        checked += 1
        rows = entry_rows(session, signature.subject_id, visit_id=signature.visit_id)
        digest = rows_digest(signature.subject_id, rows)
        if digest != signature.digest:
            problems.append(
                AuditProblem(
                    "signature", "signatures", str(signature.id), "digest",
                    f"signature {signature.id} of {signature.subject_id} by {signature.signer} "
                    f"({when(signature.signed_at)}): the signed rows no longer match its digest",
                )
            )  # fmt: skip
    return checked, problems


def void_moved_visits(
    session: Session,
    signatures: Mapping[str, Sequence[Signature]],
    causes: Mapping[str, Sequence[tuple[Any, str]]],
    moment: datetime,
) -> None:
    """Void the visit signatures whose visit no longer holds the rows they signed.

    Run before a commit, once its changes are flushed, for the subjects it changed: a new
    entry dated in a signed visit's reporting period, an entry moved into or out of it, or a
    new visit that splits it changes the visit's rows without changing a row it signed.

    Parameters
    ----------
    session
        The session of the transaction.
    signatures
        Per subject, its valid visit signatures.
    causes
        Per subject, each row the transaction wrote with the change it is described as
        ("the entry of a new lab on … by …"); the signature is voided by the first change of
        a row that entered or left the visit, else by the subject's first change.
    moment
        When the signatures are voided.
    """
    actor = session.info.get("metsor_actor")
    for subject_id, signed in signatures.items():
        changes = causes.get(subject_id) or []
        if not changes:
            continue
        for signature in signed:
            rows = entry_rows(session, subject_id, visit_id=signature.visit_id)
            if rows_digest(subject_id, rows) == signature.digest:
                continue
            moved = {f"{t}:{i}" for t, i, _ in rows} ^ set(signature.signed_rows)
            cause = next(
                (text for obj, text in changes if _row_key(session, obj) in moved), changes[0][1]
            )
            signature.status = "voided"
            signature.voided_at = moment
            signature.voided_by = actor
            signature.voided_because = f"voided by {cause}"


def _row_key(session: Session, obj: Any) -> str | None:
    found = entry_of(session, obj)
    return None if found is None else f"{found[0].table}:{found[0].record_id}"


def printed_name_of(ctx: ServiceContext, username: str) -> str | None:
    """The printed name a user signs with, or None before their first signature."""
    signer = ctx.session.scalars(select(Signer).where(Signer.username == username)).first()
    return signer.printed_name if signer is not None else None


def signable_visits(ctx: ServiceContext, subject_id: str) -> tuple[tuple[int, str], ...]:
    """The visits of a subject one may sign: (id, ``treatment 2 on 2016-04-01``), by date."""
    subject = subject_for(ctx, subject_id)
    visits = ctx.session.scalars(
        select(Visit)
        .where(Visit.subject_id == subject.subject_id)
        .order_by(Visit.actual_date, Visit.id)
    )
    return tuple(
        (v.id, f"{v.visit_type.replace('_', ' ')} {v.number} on {v.actual_date}") for v in visits
    )
