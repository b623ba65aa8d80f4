"""Source data verification: a monitor marks an entry verified against source.

Any later change of the entry clears the mark (:mod:`.guard`: audited, with the change that
cleared it); the entry is then to verify again. The SDV plan (``monitoring_settings``) says
which entries need verifying: ``full`` (100% SDV: every entry) or ``targeted`` (eligibility,
consent, randomization, adverse events of grade 3 or more, deaths and tumour assessments).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import select

from metsor.errors import ConflictError, InputError, NotFoundError
from metsor.services.access import subject_for, visible
from metsor.services.context import ServiceContext
from metsor.services.monitoring._roles import require_role
from metsor.services.monitoring.entries import (
    ENTRY_LABELS,
    ENTRY_TABLES,
    MAX_RECORD_ID,
    EntryKey,
)
from metsor.services.monitoring.guard import when
from metsor.services.records import FrozenRecord
from metsor.store.models.core import Site, Subject
from metsor.store.models.monitoring import MonitoringSetting, SdvMark

__all__ = [
    "SDV_PLANS",
    "TARGETED_TABLES",
    "EntryState",
    "SdvMarkRecord",
    "SdvStatus",
    "SubjectSdv",
    "sdv_plan",
    "sdv_status",
    "set_sdv_plan",
    "subject_entries",
    "verify_entry",
]

SDV_PLANS: tuple[str, ...] = ("full", "targeted")
"""``full``: every entry is verified; ``targeted``: only the critical ones."""

TARGETED_TABLES: tuple[str, ...] = (
    "screenings",
    "consents",
    "allocations",
    "adverse_events",
    "deaths",
    "tumour_assessments",
)
"""The entries targeted SDV verifies (adverse events only of grade 3 or more)."""

_PLAN = "sdv_plan"


def sdv_plan(ctx: ServiceContext) -> str:
    """The SDV plan in force (``full`` until a data manager sets another)."""
    row = ctx.session.scalars(
        select(MonitoringSetting).where(MonitoringSetting.name == _PLAN)
    ).one_or_none()
    return row.value if row is not None else "full"


def set_sdv_plan(ctx: ServiceContext, *, plan: str, reason: str) -> str:
    """Choose 100% (``full``) or ``targeted`` SDV; audited with the reason. Returns the plan."""
    require_role(ctx, "set_sdv_plan")
    if plan not in SDV_PLANS:
        raise InputError(
            f"SDV plan must be one of {', '.join(SDV_PLANS)}, got {plan!r}", field="plan"
        )
    if not reason.strip():
        raise InputError("give the reason for the SDV plan", field="reason")
    ctx.set_reason(reason.strip())
    row = ctx.session.scalars(
        select(MonitoringSetting).where(MonitoringSetting.name == _PLAN)
    ).one_or_none()
    if row is None:
        ctx.session.add(
            MonitoringSetting(name=_PLAN, value=plan, changed_by=ctx.username, changed_at=ctx.now())
        )
    else:
        row.value, row.changed_by, row.changed_at = plan, ctx.username, ctx.now()
    ctx.session.flush()
    return plan


@dataclass(frozen=True)
class SdvMarkRecord(FrozenRecord):
    """An entry marked verified against source.

    Attributes
    ----------
    id
        The mark's number.
    subject_id
        The entry's subject.
    table_name, record_id
        The entry (``lab_results`` 12).
    status
        ``verified`` (a later change of the entry clears it).
    verified_by, verified_at
        The monitor who verified it, and when (UTC).
    """

    id: int
    subject_id: str
    table_name: str
    record_id: int
    status: str
    verified_by: str
    verified_at: datetime


@dataclass(frozen=True)
class SubjectSdv:
    """One subject's verification: entries to verify, verified, and the rest of the worklist."""

    subject_id: str
    site: str
    required: int
    verified: int
    worklist: tuple[str, ...]
    cleared: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "subject_id": self.subject_id, "site": self.site, "required": self.required,
            "verified": self.verified, "to_verify": self.required - self.verified,
            "worklist": list(self.worklist), "cleared": list(self.cleared),
        }  # fmt: skip


@dataclass(frozen=True)
class SdvStatus:
    """SDV per subject and per site under the plan in force."""

    plan: str
    subjects: tuple[SubjectSdv, ...]
    descriptions: Mapping[str, str] = field(default_factory=dict)
    """What each entry of the worklists is (``lab_results 12``: ``albumin 36.0 g/L · …``)."""

    def per_site(self) -> dict[str, tuple[int, int]]:
        """Site code: (entries to verify under the plan, verified)."""
        sites: dict[str, tuple[int, int]] = {}
        for row in self.subjects:
            required, verified = sites.get(row.site, (0, 0))
            sites[row.site] = (required + row.required, verified + row.verified)
        return sites

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "plan": self.plan,
            "sites": {
                site: {"required": r, "verified": v, "to_verify": r - v}
                for site, (r, v) in sorted(self.per_site().items())
            },
            "subjects": [row.to_dict() for row in self.subjects],
        }


def _entry_record(ctx: ServiceContext, table: str, record_id: int) -> tuple[Any, str]:
    model = ENTRY_TABLES.get(table)
    if model is None:
        raise InputError(
            f"unknown entry table {table!r}; expected one of {', '.join(ENTRY_TABLES)}",
            field="table",
        )
    record = ctx.session.get(model, record_id) if 0 < record_id <= MAX_RECORD_ID else None
    if record is None:
        raise NotFoundError(f"no {table} record {record_id}", field="record_id")
    subject_id = str(record.subject_id)
    try:
        subject_for(ctx, subject_id)
    except NotFoundError:
        raise NotFoundError(f"no {table} record {record_id}", field="record_id") from None
    return record, subject_id


def verify_entry(ctx: ServiceContext, *, table: str, record_id: int) -> SdvMarkRecord:
    """Mark one entry verified against source (monitor or admin); the mark is returned.

    Raises
    ------
    InputError
        An unknown entry table.
    NotFoundError
        No such entry visible to the user.
    ConflictError
        The entry is already verified (and unchanged since), or its subject is locked.
    """
    require_role(ctx, "verify_source")
    _, subject_id = _entry_record(ctx, table, record_id)
    existing = ctx.session.scalars(
        select(SdvMark).where(
            SdvMark.table_name == table,
            SdvMark.record_id == record_id,
            SdvMark.status == "verified",
        )
    ).first()
    if existing is not None:
        raise ConflictError(
            f"{EntryKey(table, record_id)} was verified by {existing.verified_by} on "
            f"{when(existing.verified_at)} and has not changed since",
            field="record_id",
        )
    mark = SdvMark(
        subject_id=subject_id, table_name=table, record_id=record_id, status="verified",
        verified_by=ctx.username, verified_at=ctx.now(),
    )  # fmt: skip
    ctx.session.add(mark)
    ctx.session.flush()
    return SdvMarkRecord.of(mark)


def _required(plan: str, table: str, row: Any) -> bool:
    if plan == "full":
        return True
    if table not in TARGETED_TABLES:
        return False
    return table != "adverse_events" or row.grade >= 3


def sdv_status(
    ctx: ServiceContext, *, site: str | None = None, subject_id: str | None = None
) -> SdvStatus:
    """Entries verified and to verify, per subject and site, with the monitor's worklist.

    Parameters
    ----------
    ctx
        The service context (any role but statistician; a site user sees their site).
    site
        A site code, to show only its subjects.
    subject_id
        One subject only.

    Returns
    -------
    SdvStatus
        Per subject: entries the plan requires, verified, the worklist (entries to verify)
        and the entries whose mark a later change cleared.
    """
    require_role(ctx, "view_sdv")
    plan = sdv_plan(ctx)
    statement = visible(ctx, select(Subject, Site.code).join(Site, Site.id == Subject.site_id))
    if site is not None:
        if ctx.session.scalars(select(Site).where(Site.code == site)).one_or_none() is None:
            raise InputError(f"no site {site!r}", field="site")
        statement = statement.where(Site.code == site)
    if subject_id is not None:
        subject_for(ctx, subject_id)
        statement = statement.where(Subject.subject_id == subject_id)
    subjects = {
        s.subject_id: code
        for s, code in ctx.session.execute(statement.order_by(Subject.subject_id))
    }
    required: dict[str, list[EntryKey]] = {sid: [] for sid in subjects}
    described: dict[str, str] = {}
    for table, model in ENTRY_TABLES.items():
        column = model.subject_id
        rows = ctx.session.scalars(
            select(model).where(column.in_(list(subjects))).order_by(model.id)
        )
        for row in rows:
            if _required(plan, table, row):
                required[str(row.subject_id)].append(EntryKey(table, int(row.id)))
                described[f"{table} {row.id}"] = _describe(table, row)
    marks = ctx.session.scalars(
        select(SdvMark).where(SdvMark.subject_id.in_(list(subjects))).order_by(SdvMark.id)
    ).all()
    verified = {(m.table_name, m.record_id) for m in marks if m.status == "verified"}
    cleared: dict[str, list[str]] = {}
    for mark in marks:
        if mark.status == "cleared" and (mark.table_name, mark.record_id) not in verified:
            label = f"{ENTRY_LABELS.get(mark.table_name, mark.table_name)} {mark.record_id}"
            cleared.setdefault(mark.subject_id, []).append(f"{label}: {mark.cleared_because}")
    rows_out = []
    for sid, code in subjects.items():
        entries = required[sid]
        done = [e for e in entries if (e.table, e.record_id) in verified]
        todo = tuple(
            f"{e.table} {e.record_id}" for e in entries if (e.table, e.record_id) not in verified
        )
        rows_out.append(
            SubjectSdv(sid, code, len(entries), len(done), todo, tuple(cleared.get(sid, ())))
        )
    verified_keys = {f"{t} {i}" for t, i in verified}
    return SdvStatus(
        plan,
        tuple(rows_out),
        MappingProxyType({k: v for k, v in described.items() if k not in verified_keys}),
    )


#: What each entry is shown as, besides its label: groups of columns (the columns of a group
#: joined by a space, the groups by a dot).
_DESCRIBED_BY: dict[str, tuple[tuple[str, ...], ...]] = {
    "screenings": (("screened_on",), ("verdict",)),
    "consents": (("consent_date",),),
    "allocations": (("arm",), ("enrollment_number",)),
    "visits": (("visit_type", "number"), ("actual_date",)),
    "missed_visits": (("visit_type", "number"), ("missed_on",), ("reason",)),
    "dose_events": (("drug", "event", "level"), ("event_date",)),
    "lab_results": (("analyte", "value", "unit"), ("collected_on",)),
    "vital_signs": (("systolic_mmhg",), ("diastolic_mmhg",), ("ecog",), ("measured_on",)),
    "adverse_events": (("term",), ("grade",), ("onset_date",)),
    "tumour_assessments": (("method",), ("recist_response", "mrecist_response"), ("assessed_on",)),
    "deaths": (("death_date",), ("cause",)),
    "withdrawals": (("kind",), ("withdrawn_on",)),
    "anticancer_therapies": (("name",), ("started_on",)),
    "survival_contacts": (("status",), ("contact_on",)),
}

_PREFIX = {"grade": "grade ", "enrollment_number": "no. ", "ecog": "ECOG ",
           "systolic_mmhg": "BP ", "diastolic_mmhg": "/ "}  # fmt: skip


@dataclass(frozen=True)
class EntryState:
    """One entry of a subject as the SDV page shows it.

    ``status`` is ``verified``, ``to_verify`` (the plan requires it and no mark holds) or
    ``not_required``; ``cleared`` names the change that cleared the last mark of an entry to
    verify again.
    """

    table: str
    record_id: int
    label: str
    description: str
    status: str
    verified_by: str | None = None
    verified_at: datetime | None = None
    cleared: str | None = None


def _describe(table: str, row: Any) -> str:
    groups = []
    for group in _DESCRIBED_BY.get(table, ()):
        words = []
        for name in group:
            value = getattr(row, name, None)
            if value is not None:
                text = value.replace("_", " ") if isinstance(value, str) else str(value)
                words.append(_PREFIX.get(name, "") + text)
        if words:
            groups.append(" ".join(words))
    return " · ".join(groups)


def subject_entries(ctx: ServiceContext, subject_id: str) -> tuple[EntryState, ...]:
    """Every entry of one subject with its SDV state under the plan in force.

    Parameters
    ----------
    ctx
        The service context (any role that may view SDV; a site user sees their site).
    subject_id
        The subject.

    Returns
    -------
    tuple of EntryState
        By table (in :data:`ENTRY_TABLES` order) and id.
    """
    require_role(ctx, "view_sdv")
    subject = subject_for(ctx, subject_id)
    plan = sdv_plan(ctx)
    marks = ctx.session.scalars(
        select(SdvMark).where(SdvMark.subject_id == subject.subject_id).order_by(SdvMark.id)
    ).all()
    verified = {(m.table_name, m.record_id): m for m in marks if m.status == "verified"}
    cleared = {
        (m.table_name, m.record_id): f"verified by {m.verified_by} on {when(m.verified_at)}, "
        f"{m.cleared_because}"
        for m in marks
        if m.status == "cleared"
    }
    out = []
    for table, model in ENTRY_TABLES.items():
        rows = ctx.session.scalars(
            select(model).where(model.subject_id == subject.subject_id).order_by(model.id)
        )
        for row in rows:
            key = (table, int(row.id))
            mark = verified.get(key)
            if mark is not None:
                status = "verified"
            else:
                status = "to_verify" if _required(plan, table, row) else "not_required"
            out.append(
                EntryState(
                    table, int(row.id), str(EntryKey(table, int(row.id))), _describe(table, row),
                    status, mark.verified_by if mark else None, mark.verified_at if mark else None,
                    None if mark is not None else cleared.get(key),
                )
            )  # fmt: skip
    return tuple(out)
