"""Edit checks: rules over a subject's casebook that raise data queries as the system user.

The rules (:data:`RULES`):

- ``lab_plausible``: a laboratory value outside the plausible range of its analyte and unit
  (:func:`metsor.clinical.plausibility.check_lab`; entry refuses one, so this finds values
  stored before the range was enforced or written behind the application's back);
- ``ae_action``: an adverse event of grade 3 or more with no action recorded for a study drug
  (no drug row, or ``not_applicable``);
- ``visit_overdue``: the next treatment visit, tumour assessment or follow-up visit expected
  (:func:`metsor.services.expected_visits.expected_visits`, on the trial's own schedule)
  neither recorded nor recorded as not done although the end of its window has passed; the
  query is raised on the subject's randomization, from which the schedule counts;
- ``target_lesion``: a follow-up tumour assessment that does not measure every target lesion
  of the baseline;
- ``death_cause``: a death of unknown cause with no detail;
- ``dose_after_progression``: a dose recorded after a RECIST progression without a reason.

The record rules run on every save (the unit of work's check, :mod:`.guard`) for the subjects
the transaction changed, each rule when the transaction wrote one of its tables
(:data:`RULE_TABLES`); ``visit_overdue`` depends on the day rather than on a save and runs on
demand with the others (:func:`run_edit_checks`, ``metsor checks run``). A query is raised
once per finding; it closes itself (closed by ``system``) when its condition no longer holds;
a finding whose query a person closed is not raised again. A run reads what the rules that
follow a subject's dosing history need (allocations, visits, dosing events, doses after a
progression) once for all its subjects, with a fixed number of statements.

On save a subject's rules read what they need with one statement each at most, on the
transaction's connection (:class:`_SubjectReads`): the laboratory values that the plausible
ranges do not clear at once (:data:`_DOUBTFUL_LABS`), the severe adverse events, the tumour
assessments with their targets and responses (read once for the targets and for the first
progression; the doses after it only when there is one), the death.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    ColumnExpressionArgument,
    Connection,
    Date,
    Executable,
    Row,
    Select,
    TextClause,
    and_,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session

from metsor.clinical import units
from metsor.clinical.plausibility import ANALYTE_RANGES, check_lab
from metsor.errors import InputError, PermissionDeniedError
from metsor.plurals import counted
from metsor.services.access import visible
from metsor.services.context import ServiceContext
from metsor.services.expected_visits import expected_visits_of
from metsor.services.monitoring.guard import lock_view
from metsor.store.audit import set_reason
from metsor.store.driver import prepared
from metsor.store.models import casebook as tables
from metsor.store.models.core import Allocation, Site, Subject
from metsor.store.models.monitoring import EditCheckQuery

__all__ = ["RULES", "SYSTEM_USER", "CheckRun", "Finding", "check_on_save", "run_edit_checks"]

SYSTEM_USER = "system"
"""Who raises and closes the queries of edit checks."""

_ROLES = frozenset({"admin", "data_manager", "monitor"})


@dataclass(frozen=True)
class Finding:
    """One condition an edit check found: the rule, what it is about, the question asked."""

    rule: str
    finding: str
    table: str
    record_id: int
    field: str
    question: str


@dataclass(frozen=True)
class CheckRun:
    """What a run of the edit checks did."""

    subjects: int
    findings: int
    raised: int
    closed: int
    skipped_locked: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """The run as JSON-ready data."""
        return {
            "subjects": self.subjects,
            "findings": self.findings,
            "raised": self.raised,
            "closed": self.closed,
            "skipped_locked": list(self.skipped_locked),
        }

    @property
    def summary(self) -> str:
        """What the run did, in one line, each count with its noun's number (``1 subject
        checked: 2 findings, 1 query raised, 0 closed``), for every face that reports it."""
        text = (
            f"{counted(self.subjects, 'subject')} checked: {counted(self.findings, 'finding')}, "
            f"{counted(self.raised, 'query', 'queries')} raised, {self.closed} closed"
        )
        if self.skipped_locked:
            text += f"; locked, not checked: {', '.join(self.skipped_locked)}"
        return text


_SUBJECT: BindParameter[str] = bindparam("subject_id")


class _SubjectReads:
    """What the record rules read of one subject in one check, each statement once.

    The rules run on every commit: they read plain rows on the transaction's connection, past
    the ORM's per-query work, not ORM objects (pending changes are flushed first, as a session
    query would). The tumour assessments are read once for the rule of target lesions and for
    the first progression of the rule of doses after it.

    Parameters
    ----------
    session
        The session of the transaction.
    subject_id
        The subject checked.
    """

    def __init__(self, session: Session, subject_id: str) -> None:
        if session.autoflush:
            session.flush()
        self._connection: Connection = session.connection()
        self._subject_id = subject_id
        self._assessments: Sequence[Row[Any]] | None = None

    def rows(self, statement: Executable, **values: object) -> Sequence[Any]:
        """The rows of a statement built once, for the subject (bound as ``subject_id``); on
        SQLite sent straight to the driver (:func:`metsor.store.driver.prepared`)."""
        return prepared(statement).rows(
            self._connection, {"subject_id": self._subject_id, **values}
        )

    def assessments(self) -> Sequence[Row[Any]]:
        """The subject's tumour assessments, with their target lesions and responses."""
        if self._assessments is None:
            self._assessments = self.rows(_ASSESSED_TARGETS)
        return self._assessments

    def doses_after_progression(self) -> Sequence[Row[Any]]:
        """The subject's doses after its first RECIST progression, with that progression's day:
        from the assessments when they are read already (none without a progression), else in
        one statement with them."""
        if self._assessments is None:
            return self.rows(_DOSES_AFTER_PROGRESSION)
        progression = min(
            (row.assessed_on for row in self._assessments if row.recist_response == "PD"),
            default=None,
        )
        if progression is None:
            return []
        return self.rows(_DOSES_AFTER_DAY, progression=progression)


#: How much a surely plausible range is narrower than the plausible one, relatively: far more
#: than the rounding of a unit conversion (a few parts in 10^16), far less than a value's
#: precision.
_MARGIN = 1e-9


def _doubtful_lab() -> TextClause:
    """Whether a stored laboratory value may be implausible, as SQL: true unless its analyte
    is known, its unit in its accepted spelling and its value within the analyte's plausible
    range in that unit, narrowed by :data:`_MARGIN` so that no rounding of the conversion can
    take a value inside out of the range.

    What it lets through is checked by :func:`check_lab` itself, the one place of the rule: it
    only spares reading the values that surely pass. (The columns are ``NOT NULL``; a NaN, on
    PostgreSQL, lies within no range.) A text with its constants written in: nothing to bind
    at each run, one clause to compile.
    """
    surely_plausible = []
    for analyte, plausible in ANALYTE_RANGES.items():
        for unit in units.ACCEPTED_UNITS[analyte]:
            if units.normalize_unit(analyte, unit) != unit or "'" in analyte + unit:
                continue
            low = units.convert(analyte, plausible.low, plausible.unit, unit) * (1 + _MARGIN)
            high = units.convert(analyte, plausible.high, plausible.unit, unit) * (1 - _MARGIN)
            surely_plausible.append(
                f"(analyte = '{analyte}' AND unit = '{unit}' AND value >= {low!r} "
                f"AND value <= {high!r})"
            )
    return text(f"NOT ({' OR '.join(surely_plausible)})")


#: The subject's laboratory values that :func:`_doubtful_lab` does not clear, by id: on a
#: clean casebook none, whatever the number of values stored.
_DOUBTFUL_LABS = (
    select(
        tables.LabResult.id,
        tables.LabResult.analyte,
        tables.LabResult.value,
        tables.LabResult.unit,
        tables.LabResult.collected_on,
    )
    .where(tables.LabResult.subject_id == _SUBJECT, _doubtful_lab())
    .order_by(tables.LabResult.id)
)


@functools.lru_cache(maxsize=65536)
def _implausible(analyte: str, value: float, unit: str) -> str | None:
    """Why a stored value is not plausible (None: it is). Kept per process: every save of a
    subject's laboratory values checks the doubtful ones again."""
    try:
        check_lab(analyte, value, unit, field="value")
    except InputError as exc:
        return exc.message
    return None


def _lab_plausible(reads: _SubjectReads, today: date) -> list[Finding]:
    found = []
    for lab in reads.rows(_DOUBTFUL_LABS):
        message = _implausible(lab.analyte, lab.value, lab.unit)
        if message is not None:
            found.append(
                Finding(
                    "lab_plausible", f"lab_results:{lab.id}", "lab_results", lab.id, "value",
                    f"{lab.analyte} {lab.value:g} {lab.unit} on {lab.collected_on}: {message}",
                )
            )  # fmt: skip
    return found


#: The subject's adverse events of grade 3 or more, each with its study drugs (if any).
_SEVERE_EVENTS = (
    select(
        tables.AdverseEvent.id,
        tables.AdverseEvent.grade,
        tables.AdverseEvent.term,
        tables.AdverseEvent.onset_date,
        tables.AdverseEventDrug.id.label("drug_row"),
        tables.AdverseEventDrug.drug,
        tables.AdverseEventDrug.action_taken,
    )
    .outerjoin(
        tables.AdverseEventDrug,
        tables.AdverseEventDrug.adverse_event_id == tables.AdverseEvent.id,
    )
    .where(tables.AdverseEvent.subject_id == _SUBJECT, tables.AdverseEvent.grade >= 3)
    .order_by(tables.AdverseEvent.id, tables.AdverseEventDrug.id)
)


def _ae_action(reads: _SubjectReads, today: date) -> list[Finding]:
    found = []
    for ae in reads.rows(_SEVERE_EVENTS):
        if ae.drug_row is None:
            found.append(
                Finding(
                    "ae_action", f"adverse_events:{ae.id}", "adverse_events", ae.id, "grade",
                    f"grade {ae.grade} {ae.term} of {ae.onset_date}: no action with the study "
                    "drugs is recorded",
                )
            )  # fmt: skip
        elif ae.action_taken == "not_applicable":
            found.append(
                Finding(
                    "ae_action", f"adverse_event_drugs:{ae.drug_row}", "adverse_event_drugs",
                    ae.drug_row, "action_taken",
                    f"grade {ae.grade} {ae.term} of {ae.onset_date}: no action recorded "
                    f"with {ae.drug}",
                )
            )  # fmt: skip
    return found


#: The subject's tumour assessments by date with their RECIST responses, each with its
#: measured target lesions (if any).
_ASSESSED_TARGETS = (
    select(
        tables.TumourAssessment.id,
        tables.TumourAssessment.assessed_on,
        tables.TumourAssessment.is_baseline,
        tables.TumourAssessment.recist_response,
        tables.TumourLesion.lesion_id,
    )
    .outerjoin(
        tables.TumourLesion,
        and_(
            tables.TumourLesion.assessment_id == tables.TumourAssessment.id,
            tables.TumourLesion.kind == "target",
            tables.TumourLesion.diameter_mm.is_not(None),
        ),
    )
    .where(tables.TumourAssessment.subject_id == _SUBJECT)
    .order_by(tables.TumourAssessment.assessed_on, tables.TumourAssessment.id)
)


def _target_lesion(reads: _SubjectReads, today: date) -> list[Finding]:
    assessments: dict[int, tuple[date, bool, set[str]]] = {}
    for row in reads.assessments():
        _, _, targets = assessments.setdefault(row.id, (row.assessed_on, row.is_baseline, set()))
        if row.lesion_id is not None:
            targets.add(row.lesion_id)
    baseline = next((ids for _, is_base, ids in assessments.values() if is_base), None)
    if baseline is None:
        return []
    found = []
    for assessment_id, (assessed_on, is_baseline, targets) in assessments.items():
        if is_baseline:
            continue
        missing = sorted(baseline - targets)
        if missing:
            found.append(
                Finding(
                    "target_lesion", f"tumour_assessments:{assessment_id}", "tumour_assessments",
                    assessment_id, "sum_diameters_mm",
                    f"tumour assessment of {assessed_on}: baseline target lesion "
                    f"{', '.join(missing)} not measured",
                )
            )  # fmt: skip
    return found


_DEATH = select(
    tables.Death.id, tables.Death.death_date, tables.Death.cause, tables.Death.cause_detail
).where(tables.Death.subject_id == _SUBJECT)


def _death_cause(reads: _SubjectReads, today: date) -> list[Finding]:
    deaths = reads.rows(_DEATH)
    death = deaths[0] if deaths else None
    if death is None or death.cause != "unknown" or (death.cause_detail or "").strip():
        return []
    return [
        Finding(
            "death_cause", f"deaths:{death.id}", "deaths", death.id, "cause",
            f"death of {death.death_date} has no cause: give the cause or what is known of it",
        )
    ]  # fmt: skip


#: A dose given, not an interruption or a discontinuation (two comparisons rather than a list
#: expanded at each run).
_GIVEN = and_(tables.DoseEvent.event != "interrupt", tables.DoseEvent.event != "discontinue")


def _doses_after(
    progression: ColumnElement[date], which: ColumnExpressionArgument[bool]
) -> Executable:
    """The doses given after ``progression`` (not interruptions or discontinuations), with
    that day as ``progression``, of the subjects ``which`` chooses."""
    return select(
        tables.DoseEvent.subject_id,
        tables.DoseEvent.id,
        tables.DoseEvent.drug,
        tables.DoseEvent.event,
        tables.DoseEvent.event_date,
        tables.DoseEvent.reason,
        progression.label("progression"),
    ).where(which, tables.DoseEvent.event_date > progression, _GIVEN)


def _doses_after_progression(
    subject: ColumnExpressionArgument[str], which: ColumnExpressionArgument[bool]
) -> Executable:
    """The doses given after the first RECIST progression of their subject (not interruptions
    or discontinuations), with that progression's day, of the subjects ``which`` chooses; the
    progression is the one of ``subject`` (a parameter, or each dose's own subject)."""
    first = (
        select(func.min(tables.TumourAssessment.assessed_on))
        .where(
            tables.TumourAssessment.subject_id == subject,
            tables.TumourAssessment.recist_response == "PD",
        )
        .scalar_subquery()
    )
    return _doses_after(first, which)


#: One subject's doses after their first progression, in one statement built once.
_DOSES_AFTER_PROGRESSION = _doses_after_progression(
    _SUBJECT, tables.DoseEvent.subject_id == _SUBJECT
)

#: One subject's doses after a progression of a day already known (bound as ``progression``).
_DOSES_AFTER_DAY = _doses_after(
    bindparam("progression", type_=Date), tables.DoseEvent.subject_id == _SUBJECT
)


def _unexplained_doses(doses: Sequence[Row[Any]]) -> list[Finding]:
    found = []
    for dose in doses:
        if not (dose.reason or "").strip():
            found.append(
                Finding(
                    "dose_after_progression", f"dose_events:{dose.id}", "dose_events", dose.id,
                    "reason",
                    f"{dose.drug} {dose.event} on {dose.event_date}, after the progression of "
                    f"{dose.progression}, has no reason",
                )
            )  # fmt: skip
    return found


def _dose_after_progression(reads: _SubjectReads, today: date) -> list[Finding]:
    return _unexplained_doses(reads.doses_after_progression())


def _overdue_findings(
    session: Session, subjects: Select[str], today: date
) -> dict[str, list[Finding]]:
    """The ``visit_overdue`` findings of the subjects ``subjects`` selects, by subject: their
    allocations, visits and dosing histories read with one statement each, whatever their
    number."""
    chosen = subjects.order_by(None)
    courses = session.execute(
        select(Subject, Allocation)
        .join(Allocation, Allocation.subject_id == Subject.subject_id)
        .where(Subject.subject_id.in_(chosen))
    ).all()
    of = expected_visits_of(session, [(s, a) for s, a in courses], chosen)
    found: dict[str, list[Finding]] = {}
    for subject, allocation in courses:
        # Anchored to what the schedule counts from, the randomization: a subject's latest
        # visit (a follow-up of 2018 for a scan missed in 2016) is not the record at fault.
        anchor = ("allocations", allocation.id, "randomized_at")
        for expected in of[subject.subject_id].expected:
            late = expected.days_overdue(today)
            if late is None:
                continue
            visit_type, number, planned = expected.visit_type, expected.number, expected.planned
            found.setdefault(subject.subject_id, []).append(
                Finding(
                    "visit_overdue", f"{visit_type}:{number}", anchor[0], anchor[1], anchor[2],
                    f"{visit_type.replace('_', ' ')} {number} was due on {planned.planned} "
                    f"(window to {planned.window_end}) and is not recorded: "
                    f"{counted(late, 'day')} overdue",
                )
            )  # fmt: skip
    return found


def _visit_overdue(session: Session, subject_id: str, today: date) -> list[Finding]:
    one = select(Subject.subject_id).where(Subject.subject_id == subject_id)
    return _overdue_findings(session, one, today).get(subject_id, [])


_Rule = Callable[[Session, str, date], list[Finding]]
_RecordRule = Callable[[_SubjectReads, date], list[Finding]]

#: The record rules, on what they read of a subject.
_READ_RULES: dict[str, _RecordRule] = {
    "lab_plausible": _lab_plausible,
    "ae_action": _ae_action,
    "target_lesion": _target_lesion,
    "death_cause": _death_cause,
    "dose_after_progression": _dose_after_progression,
}


def _on_session(rule: _RecordRule) -> _Rule:
    """A record rule called with the session and the subject, reading on its own."""

    def run(session: Session, subject_id: str, today: date) -> list[Finding]:
        return rule(_SubjectReads(session, subject_id), today)

    return functools.wraps(rule)(run)


#: The record rules, run on every save.
RECORD_RULES: dict[str, _Rule] = {name: _on_session(rule) for name, rule in _READ_RULES.items()}

#: The tables whose change can make or unmake a finding of each record rule.
RULE_TABLES: dict[str, frozenset[str]] = {
    "lab_plausible": frozenset({"lab_results"}),
    "ae_action": frozenset({"adverse_events", "adverse_event_drugs"}),
    "target_lesion": frozenset({"tumour_assessments", "tumour_lesions"}),
    "death_cause": frozenset({"deaths"}),
    "dose_after_progression": frozenset({"dose_events", "tumour_assessments"}),
}

#: Every rule, run on demand.
RULES: dict[str, _Rule] = {**RECORD_RULES, "visit_overdue": _visit_overdue}


def _rules_of_run(session: Session, subjects: Select[str], today: date) -> dict[str, _Rule]:
    """:data:`RULES` for a run over the subjects ``subjects`` selects: the rules that read a
    subject's dosing history (``dose_after_progression``, ``visit_overdue``) answer from
    statements read once for all of them, not once per subject."""
    chosen = subjects.order_by(None)
    doses: dict[str, list[Row[Any]]] = {}
    statement = _doses_after_progression(
        tables.DoseEvent.subject_id, tables.DoseEvent.subject_id.in_(chosen)
    )
    for dose in session.execute(statement):
        doses.setdefault(dose.subject_id, []).append(dose)
    overdue = _overdue_findings(session, chosen, today)

    def after_progression(_: Session, subject_id: str, __: date) -> list[Finding]:
        return _unexplained_doses(doses.get(subject_id, []))

    def visit_overdue(_: Session, subject_id: str, __: date) -> list[Finding]:
        return overdue.get(subject_id, [])

    return {
        **RULES,
        "dose_after_progression": after_progression,
        "visit_overdue": visit_overdue,
    }


#: The subject's edit-check queries: rule, finding, the query and its state.
_EXISTING = (
    select(
        EditCheckQuery.rule,
        EditCheckQuery.finding,
        EditCheckQuery.query_id,
        tables.DataQuery.status,
        tables.DataQuery.closed_by,
    )
    .join(tables.DataQuery, tables.DataQuery.id == EditCheckQuery.query_id)
    .where(EditCheckQuery.subject_id == _SUBJECT)
    .order_by(EditCheckQuery.id)
)


def _by_key(findings: Iterable[Finding]) -> dict[tuple[str, str], Finding]:
    """Findings by rule and finding (the last of a key stands)."""
    return {(finding.rule, finding.finding): finding for finding in findings}


def _apply(
    session: Session,
    subject_id: str,
    rules: dict[str, _Rule],
    now: datetime,
) -> tuple[int, int, int]:
    """Run ``rules`` on the subject, raise and close its queries; (findings, raised, closed)."""
    today = now.date()
    current = _by_key(
        finding for rule in rules.values() for finding in rule(session, subject_id, today)
    )
    return _settle(session, subject_id, rules.keys(), current, now, queried=True)


def _settle(
    session: Session,
    subject_id: str,
    rules: Collection[str],
    current: Mapping[tuple[str, str], Finding],
    now: datetime,
    *,
    queried: bool,
) -> tuple[int, int, int]:
    """Raise and close the subject's queries of ``rules`` by what they found now
    (``current``); (findings, raised, closed). ``queried``: whether the subject may have
    edit-check queries (False: known to have none)."""
    if not current and not queried:
        return 0, 0, 0
    if session.autoflush:
        session.flush()
    existing = session.connection().execute(_EXISTING, {"subject_id": subject_id}).all()
    active: set[tuple[str, str]] = set()
    settled: set[tuple[str, str]] = set()
    raised = closed = 0
    for link in existing:
        if link.rule not in rules:
            continue
        key = (link.rule, link.finding)
        if link.status != "closed":
            if key in current:
                active.add(key)
                continue
            query = session.get_one(tables.DataQuery, link.query_id)
            query.status = "closed"
            query.resolution = "the condition of the edit check no longer holds"
            query.closed_by = SYSTEM_USER
            query.closed_at = now
            closed += 1
        elif link.closed_by != SYSTEM_USER:
            settled.add(key)
    for key, finding in current.items():
        if key in active or key in settled:
            continue
        query = tables.DataQuery(
            subject_id=subject_id, table_name=finding.table, record_id=finding.record_id,
            field=finding.field, question=f"[{finding.rule}] {finding.question}",
            status="open", raised_by=SYSTEM_USER, raised_at=now,
        )  # fmt: skip
        session.add(query)
        session.flush()
        session.add(
            EditCheckQuery(
                query_id=query.id, subject_id=subject_id, rule=finding.rule,
                finding=finding.finding,
            )
        )  # fmt: skip
        raised += 1
    return len(current), raised, closed


@functools.lru_cache(maxsize=256)
def _rules_on_save(written: frozenset[str]) -> tuple[str, ...]:
    """The record rules a write of these tables can affect, in :data:`RECORD_RULES`' order."""
    return tuple(name for name in RECORD_RULES if RULE_TABLES[name] & written)


def check_on_save(
    session: Session,
    written: Mapping[str, set[str]],
    now: datetime,
    *,
    queried: Mapping[str, bool] | None = None,
) -> None:
    """Run, on each subject a transaction changed, the record rules of the tables it wrote.

    Parameters
    ----------
    session
        The session of the transaction (the guard calls this before it commits).
    written
        Subject → the tables of its casebook the transaction wrote (flushed: their rows
        refer to the subject, so it exists).
    now
        The trial's time.
    queried
        Subject → whether it may have edit-check queries (the guard read it); a subject
        known to have none, on which no rule finds anything, is not read again.
    """
    set_reason(session, "edit checks on save")
    today = now.date()
    for subject_id in sorted(written):
        rules = _rules_on_save(frozenset(written[subject_id]))
        if not rules:
            continue
        reads = _SubjectReads(session, subject_id)
        current = _by_key(finding for name in rules for finding in _READ_RULES[name](reads, today))
        may_have = True if queried is None else queried.get(subject_id, True)
        _settle(session, subject_id, rules, current, now, queried=may_have)


def run_edit_checks(ctx: ServiceContext, *, site: str | None = None) -> CheckRun:
    """Run every edit check on every subject the user sees (or of one site).

    Parameters
    ----------
    ctx
        The service context (admin, data manager or monitor).
    site
        A site code, to check only its subjects.

    Returns
    -------
    CheckRun
        Subjects checked, findings, queries raised and closed, locked subjects skipped.

    Raises
    ------
    PermissionDeniedError
        For another role.
    InputError
        For an unknown site.
    """
    if ctx.actor.role not in _ROLES:
        raise PermissionDeniedError(
            f"user {ctx.username!r} (role {ctx.actor.role}) may not run edit checks; allowed "
            f"roles: {', '.join(sorted(_ROLES))}",
            field="user",
        )
    statement = visible(ctx, select(Subject).order_by(Subject.subject_id))
    if site is not None:
        site_row = ctx.session.scalars(select(Site).where(Site.code == site)).one_or_none()
        if site_row is None:
            raise InputError(f"no site {site!r}", field="site")
        statement = statement.where(Subject.site_id == site_row.id)
    subjects = ctx.session.scalars(statement).all()
    ctx.set_reason("edit checks run on demand")
    rules = _rules_of_run(
        ctx.session, statement.with_only_columns(Subject.subject_id), ctx.now().date()
    )
    view = lock_view(ctx.session)
    skipped = []
    findings = raised = closed = 0
    for subject in subjects:
        if view.state_of(subject.subject_id, subject.site_id)[0] == "locked":
            skipped.append(subject.subject_id)
            continue
        counts = _apply(ctx.session, subject.subject_id, rules, ctx.now())
        findings, raised, closed = findings + counts[0], raised + counts[1], closed + counts[2]
    ctx.session.flush()
    return CheckRun(len(subjects) - len(skipped), findings, raised, closed, tuple(skipped))
