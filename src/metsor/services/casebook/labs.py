"""Recording laboratory results, graded by CTCAE on entry.

The grade uses the subject's baseline value of the analyte — the last result collected on or
before randomization — so that CTCAE v5.0's rule for an abnormal baseline applies: bilirubin
and AST/ALT above the ULN at baseline are graded against multiples of the baseline, not of the
ULN. Results collected on or before randomization are graded against the ULN alone. Whenever a
result of an analyte is added or corrected, every result of that analyte for the subject is
graded again, so a late baseline entry reaches the results already recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Protocol

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator
from sqlalchemy import Row, bindparam, or_, select

from metsor.clinical import ctcae, units
from metsor.clinical.lab_terms import LAB_CTCAE_TERMS
from metsor.clinical.plausibility import check_lab
from metsor.errors import ConflictError, InputError
from metsor.services.access import require
from metsor.services.casebook._boundary import (
    CasebookInput,
    Day,
    FrozenRecord,
    checked,
    one_of,
    set_changed,
)
from metsor.services.casebook._timeline import Timeline, load_timeline, read_rows
from metsor.services.context import ServiceContext
from metsor.store.audit.hooks import insert_records
from metsor.store.models.casebook import LabResult

__all__ = [
    "LAB_CTCAE_TERMS",
    "PANEL_FIELDS",
    "LabInput",
    "LabPanelInput",
    "LabPanelResult",
    "LabRecord",
    "Panel",
    "enter_lab_panel",
    "record_lab",
    "record_lab_panel",
    "regrade_labs",
    "revalidate_lab",
]


class LabPanelResult(CasebookInput):
    """One laboratory value of a sample as given: the analyte, its unit (any spelling
    :mod:`metsor.clinical.units` knows, kept in its accepted spelling), the value and the
    laboratory's normal range in that unit, each within the analyte's plausible range
    (:func:`metsor.clinical.plausibility.check_lab`), and the CTCAE version to grade by."""

    analyte: Annotated[str, one_of(units.ANALYTES)]
    unit: Annotated[str, Field(max_length=16)]
    value: float
    uln: float | None = None
    lln: float | None = None
    ctcae_version: Annotated[str, one_of(ctcae.CTCAE_VERSIONS)] = "5.0"

    @field_validator("unit")
    @classmethod
    def _accepted_unit(cls, unit: str, info: ValidationInfo) -> str:
        analyte = info.data.get("analyte")
        if analyte is None:
            return unit
        try:
            return units.normalize_unit(analyte, unit)
        except InputError as exc:
            raise ValueError(exc.message) from None

    @field_validator("value", "uln", "lln")
    @classmethod
    def _plausible(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is None:
            return value
        name = str(info.field_name)
        if name != "value" and value < 0:
            raise ValueError(f"{name} must be ≥ 0, got {value:g}")
        analyte, unit = info.data.get("analyte"), info.data.get("unit")
        if analyte is not None and unit is not None and (name == "value" or value > 0):
            try:  # a limit of normal is itself a plausible value
                check_lab(analyte, value, unit, field=name)
            except InputError as exc:
                raise ValueError(exc.message) from None
        uln = info.data.get("uln")
        if name == "lln" and uln is not None and value > uln:
            raise ValueError(f"lln {value:g} is above uln {uln:g}")
        return value


def _a_list(results: object) -> object:
    if isinstance(results, str | bytes) or not isinstance(results, Sequence) or not results:
        raise ValueError("must be a non-empty list of laboratory values")
    return results


def _distinct_analytes(results: tuple[LabPanelResult, ...]) -> tuple[LabPanelResult, ...]:
    seen: set[str] = set()
    for position, result in enumerate(results, start=1):
        if result.analyte in seen:
            raise ValueError(
                f"result {position}: analyte {result.analyte!r} is given twice in the panel"
            )
        seen.add(result.analyte)
    return results


Panel = Annotated[
    tuple[LabPanelResult, ...], BeforeValidator(_a_list), AfterValidator(_distinct_analytes)
]
"""The laboratory values of one sample: at least one, an analyte at most once."""


class LabInput(LabPanelResult):
    """One laboratory value as given, with its day of sampling (the web's JSON body too)."""

    collected_on: Day


class LabPanelInput(CasebookInput):
    """A panel as given: the day of sampling and the values of the sample."""

    collected_on: Day
    results: Panel


@dataclass(frozen=True)
class LabRecord(FrozenRecord):
    """A stored laboratory result.

    Attributes
    ----------
    id, subject_id, visit_id
        The record, its subject and its visit (None: not tied to one).
    collected_on, analyte, value, unit, lln, uln
        As :class:`LabInput` (the unit in its accepted spelling).
    standard_value, standard_unit
        The value in the analyte's reference unit.
    baseline_value
        The subject's baseline value of the analyte, in ``unit`` (None: none or not used).
    ctcae_term, ctcae_grade, ctcae_version, ctcae_basis
        The CTCAE grading (None: the analyte is not graded).
    recorded_by, recorded_at
        Who entered it, and when.
    """

    id: int
    subject_id: str
    visit_id: int | None
    collected_on: date
    analyte: str
    value: float
    unit: str
    lln: float | None
    uln: float | None
    standard_value: float
    standard_unit: str
    baseline_value: float | None
    ctcae_term: str | None
    ctcae_grade: int | None
    ctcae_version: str | None
    ctcae_basis: str | None
    recorded_by: str
    recorded_at: datetime


def record_lab(
    ctx: ServiceContext,
    *,
    subject_id: str,
    analyte: str,
    value: float,
    unit: str,
    collected_on: date | str,
    lln: float | None = None,
    uln: float | None = None,
    ctcae_version: str = "5.0",
) -> LabRecord:
    """Record one laboratory value and grade it by CTCAE.

    Parameters
    ----------
    ctx
        The service context (role allowed to enter casebook data).
    subject_id
        The subject.
    analyte
        One of :data:`metsor.clinical.units.ANALYTES` (``ast``, ``total_bilirubin``, …).
    value
        The value, in ``unit``; not negative.
    unit
        A unit :mod:`metsor.clinical.units` accepts for the analyte (``umol/L``, ``U/L``, …).
    collected_on
        The day of sampling.
    lln, uln
        The laboratory's normal range, in ``unit``. Bilirubin and AST/ALT need the ULN to be
        graded; the falling counts need the LLN to tell grade 0 from grade 1.
    ctcae_version
        ``"5.0"`` (default) or ``"3.0"`` (AST/ALT).

    Returns
    -------
    LabRecord
        The stored result, with the value in the reference unit and the CTCAE term, grade,
        version and basis (``x ULN``, ``x baseline``, ``absolute``).

    Raises
    ------
    InputError
        An unknown analyte or unit, a negative value, a normal range upside down, or a limit
        the grade needs that is missing.
    ConflictError
        A result of the analyte already recorded on that day, or a date before consent or
        after death or end of follow-up.
    """
    require(ctx, "enter_casebook")
    given = checked(
        LabInput,
        {
            "analyte": analyte,
            "value": value,
            "unit": unit,
            "collected_on": collected_on,
            "lln": lln,
            "uln": uln,
            "ctcae_version": ctcae_version,
        },
    )
    timeline = load_timeline(ctx, subject_id)
    result = _result(ctx, subject_id, given.collected_on, given)
    _store(ctx, timeline, [result])
    insert_records(ctx.session, [result])
    return LabRecord.of(result)


#: What each result of a panel may give (``analyte``, ``value`` and ``unit`` it must).
PANEL_FIELDS: tuple[str, ...] = tuple(LabPanelResult.model_fields)


def record_lab_panel(
    ctx: ServiceContext,
    *,
    subject_id: str,
    collected_on: date | str,
    results: Sequence[Mapping[str, Any]],
) -> list[LabRecord]:
    """Record the laboratory values of one sample (a panel), each as :func:`record_lab` would.

    Every result is checked, graded and audited exactly as one :func:`record_lab` call each;
    the panel's stored results are read in one statement and its rows written in one flush,
    which is what makes a page of laboratory values cheap to enter.

    Parameters
    ----------
    ctx
        The service context (role allowed to enter casebook data).
    subject_id
        The subject.
    collected_on
        The day of sampling, the same for every result of the panel.
    results
        One mapping per analyte, with the fields of :data:`PANEL_FIELDS` (``analyte``,
        ``value`` and ``unit`` required; ``lln``, ``uln``, ``ctcae_version`` as in
        :func:`record_lab`); an analyte at most once.

    Returns
    -------
    list of LabRecord
        The stored results, in the order given.

    Raises
    ------
    InputError
        As :func:`record_lab`, naming the result's field (``results.0.value``); also an
        empty panel, a result that is not a mapping of :data:`PANEL_FIELDS`, or an analyte
        given twice (naming ``results``).
    ConflictError
        As :func:`record_lab`.
    """
    require(ctx, "enter_casebook")
    given = checked(LabPanelInput, {"collected_on": collected_on, "results": results})
    entered = enter_lab_panel(ctx, subject_id, given.collected_on, given.results)
    insert_records(ctx.session, entered)
    return [LabRecord.of(result) for result in entered]


def enter_lab_panel(
    ctx: ServiceContext, subject_id: str, collected_on: date, results: Sequence[LabPanelResult]
) -> list[LabResult]:
    """Check and grade a panel given as :func:`record_lab_panel` checks it; the new results,
    not yet written.

    For a service that writes several records of a page at once; the caller has checked the
    user's role and the input, and inserts them
    (:func:`metsor.store.audit.hooks.insert_records`).
    """
    timeline = load_timeline(ctx, subject_id)
    entered = [_result(ctx, subject_id, collected_on, given) for given in results]
    _store(ctx, timeline, entered)
    return entered


def _result(
    ctx: ServiceContext, subject_id: str, collected_on: date, given: LabPanelResult
) -> LabResult:
    return LabResult(
        subject_id=subject_id,
        collected_on=collected_on,
        recorded_by=ctx.username,
        **{name: getattr(given, name) for name in PANEL_FIELDS},
    )


def _store(ctx: ServiceContext, timeline: Timeline, results: list[LabResult]) -> None:
    """Check and grade results of one day, of distinct analytes (the caller inserts them).

    Results after randomization are checked and graded with one read: their analytes'
    results on that day (none allowed) and up to randomization. A result of the baseline
    period may be the baseline of results already recorded, which are graded again: their
    analytes' results are read in one statement too.
    """
    start = timeline.randomized_on
    with ctx.session.no_autoflush:
        later = [r for r in results if start is not None and r.collected_on > start]
        earlier = [r for r in results if start is None or r.collected_on <= start]
        of_analyte = _results_of(ctx, timeline.subject_id, [r.analyte for r in earlier])
        stored: dict[str, list[Row[Any]]] = {result.analyte: [] for result in later}
        if later:
            for row in read_rows(
                ctx,
                _SAME_DAY_OR_BASELINE,
                {"subject_id": timeline.subject_id, "on": later[0].collected_on, "start": start},
            ):
                if row.analyte in stored:
                    stored[row.analyte].append(row)
        for result in results:
            if start is not None and result.collected_on > start:
                rows = stored.get(result.analyte, [])
                _check(ctx, timeline, result, [(row.id, row.collected_on) for row in rows])
                before = [row for row in rows if row.collected_on <= start]
                _grade(result, max(before, key=lambda r: r.collected_on) if before else None)
            else:
                known = of_analyte.get(result.analyte, [])
                _check(ctx, timeline, result, [(other.id, other.collected_on) for other in known])
                regrade_labs(ctx, timeline, result.analyte, new=result, stored=known)


class _Measured(Protocol):
    """A stored result as grading reads it: its value in its unit."""

    @property
    def value(self) -> float: ...

    @property
    def unit(self) -> str: ...


#: A subject's results collected on a day or on or before randomization (of every analyte:
#: a panel's own are picked out of these few rows, so that the statement, written once, is
#: not rewritten for each list of analytes).
_SAME_DAY_OR_BASELINE = select(
    LabResult.id, LabResult.analyte, LabResult.collected_on, LabResult.value, LabResult.unit
).where(
    LabResult.subject_id == bindparam("subject_id"),
    or_(
        LabResult.collected_on == bindparam("on"),
        LabResult.collected_on <= bindparam("start"),
    ),
)


def _results_of(
    ctx: ServiceContext, subject_id: str, analytes: Sequence[str]
) -> dict[str, list[LabResult]]:
    """The subject's stored results of ``analytes``, by analyte, in one statement (none for
    no analyte)."""
    if not analytes:
        return {}
    found: dict[str, list[LabResult]] = {analyte: [] for analyte in analytes}
    for result in ctx.session.scalars(
        select(LabResult).where(
            LabResult.subject_id == subject_id, LabResult.analyte.in_(list(found))
        )
    ):
        found[result.analyte].append(result)
    return found


def revalidate_lab(ctx: ServiceContext, result: LabResult) -> None:
    """Check a corrected result again, as if it were entered so, and regrade the subject's
    results of its analyte."""
    given = checked(LabInput, {name: getattr(result, name) for name in _GIVEN})
    set_changed(result, given)
    with ctx.session.no_autoflush:  # the corrected value is checked before it is written
        timeline = load_timeline(ctx, result.subject_id)
        _check(ctx, timeline, result)
        regrade_labs(ctx, timeline, result.analyte)


#: The fields a result is given by (and may be corrected in).
_GIVEN = tuple(LabInput.model_fields)


def _check(
    ctx: ServiceContext,
    timeline: Timeline,
    result: LabResult,
    stored: Iterable[tuple[int, date]] | None = None,
) -> None:
    """Check a result; ``stored``: the (id, day) of the analyte's stored results that matter
    (default: all of them, read here)."""
    analyte = result.analyte
    timeline.check(result.collected_on, field="collected_on")
    if stored is None:
        stored = [
            (other.id, other.collected_on)
            for other in _results_of(ctx, result.subject_id, [analyte])[analyte]
            if other is not result
        ]
    for other_id, collected_on in stored:
        if collected_on == result.collected_on and other_id != result.id:
            raise ConflictError(
                f"subject {result.subject_id} already has a {analyte} result collected on "
                f"{result.collected_on} (record {other_id})",
                field="collected_on",
            )
    result.standard_unit = units.ACCEPTED_UNITS[analyte][0]
    result.standard_value = units.convert(analyte, result.value, result.unit, result.standard_unit)


def regrade_labs(
    ctx: ServiceContext,
    timeline: Timeline,
    analyte: str,
    *,
    new: LabResult | None = None,
    stored: Sequence[LabResult] | None = None,
) -> None:
    """Grade every result of ``analyte`` of the subject again, against its baseline.

    Every grade is computed before any result is changed, so a refusal leaves them as they were.

    Parameters
    ----------
    ctx
        The service context.
    timeline
        The subject's timeline (gives the randomization date).
    analyte
        The analyte.
    new
        A result about to be stored, to include.
    stored
        The subject's stored results of ``analyte``, when the caller has just read them
        (default: read here).
    """
    results = (
        _results_of(ctx, timeline.subject_id, [analyte])[analyte]
        if stored is None
        else list(stored)
    )
    if new is not None and new not in results:
        results.append(new)
    start = timeline.randomized_on
    baseline = None
    if start is not None:
        before = [r for r in results if r.collected_on <= start]
        baseline = max(before, key=lambda r: r.collected_on) if before else None
    grades = [
        (result, _grading(result, baseline if _after(result, start) else None))
        for result in results
    ]
    for result, (base_value, grade) in grades:
        _apply(result, base_value, grade)


def _after(result: LabResult, start: date | None) -> bool:
    return start is not None and result.collected_on > start


def _grade(result: LabResult, baseline: _Measured | None) -> None:
    _apply(result, *_grading(result, baseline))


def _grading(
    result: LabResult, baseline: _Measured | None
) -> tuple[float | None, ctcae.CtcaeGrade | None]:
    """The baseline value in the result's unit and the CTCAE grade (None: not graded)."""
    base_value = (
        None
        if baseline is None
        else units.convert(result.analyte, baseline.value, baseline.unit, result.unit)
    )
    term = LAB_CTCAE_TERMS.get(result.analyte)
    if term is None:
        return base_value, None
    grade = ctcae.grade_lab(
        term,
        result.value,
        unit=result.unit,
        uln=result.uln,
        lln=result.lln,
        baseline=base_value,
        version=result.ctcae_version or "5.0",
    )
    return base_value, grade


def _apply(result: LabResult, base_value: float | None, grade: ctcae.CtcaeGrade | None) -> None:
    result.baseline_value = base_value
    if grade is None:
        result.ctcae_term = result.ctcae_grade = result.ctcae_basis = None
        return
    result.ctcae_term = grade.term
    result.ctcae_grade = grade.grade
    result.ctcae_version = grade.version
    result.ctcae_basis = grade.basis
