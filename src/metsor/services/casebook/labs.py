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
from datetime import date
from typing import Any, Protocol

from sqlalchemy import Row, bindparam, or_, select

from metsor.clinical import ctcae, units
from metsor.clinical.lab_terms import LAB_CTCAE_TERMS
from metsor.clinical.plausibility import bounded, check_lab
from metsor.errors import ConflictError, InputError
from metsor.services.access import require
from metsor.services.casebook._timeline import (
    Timeline,
    as_date,
    choice,
    load_timeline,
    read_rows,
)
from metsor.services.context import ServiceContext
from metsor.store.models.casebook import LabResult

__all__ = [
    "LAB_CTCAE_TERMS",
    "PANEL_FIELDS",
    "enter_lab_panel",
    "record_lab",
    "record_lab_panel",
    "regrade_labs",
    "revalidate_lab",
]


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
) -> LabResult:
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
    LabResult
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
    timeline = load_timeline(ctx, subject_id)
    result = LabResult(
        subject_id=subject_id,
        analyte=analyte,
        value=value,
        unit=unit,
        lln=lln,
        uln=uln,
        collected_on=as_date(collected_on, "collected_on"),
        ctcae_version=ctcae_version,
        recorded_by=ctx.username,
    )
    _store(ctx, timeline, [result])
    ctx.session.flush()
    return result


#: What each result of a panel may give (``analyte``, ``value`` and ``unit`` it must).
PANEL_FIELDS: tuple[str, ...] = ("analyte", "value", "unit", "lln", "uln", "ctcae_version")


def record_lab_panel(
    ctx: ServiceContext,
    *,
    subject_id: str,
    collected_on: date | str,
    results: Sequence[Mapping[str, Any]],
) -> list[LabResult]:
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
    list of LabResult
        The stored results, in the order given.

    Raises
    ------
    InputError
        As :func:`record_lab`; also an empty panel, a result that is not a mapping of
        :data:`PANEL_FIELDS`, or an analyte given twice (naming ``results``).
    ConflictError
        As :func:`record_lab`.
    """
    require(ctx, "enter_casebook")
    entered = enter_lab_panel(
        ctx, subject_id=subject_id, collected_on=collected_on, results=results
    )
    ctx.session.flush()
    return entered


def enter_lab_panel(
    ctx: ServiceContext,
    *,
    subject_id: str,
    collected_on: date | str,
    results: Sequence[Mapping[str, Any]],
) -> list[LabResult]:
    """Check and grade a panel as :func:`record_lab_panel` does and add it to the session,
    unflushed.

    For a service that writes several records of a page in one flush; the caller has
    checked the user's role and flushes.
    """
    timeline = load_timeline(ctx, subject_id)
    on = as_date(collected_on, "collected_on")
    entered = [_panel_result(ctx, subject_id, on, fields) for fields in _panel(results)]
    _store(ctx, timeline, entered)
    return entered


def _panel(results: object) -> list[Mapping[str, Any]]:
    """The results of a panel, each a mapping of known fields, each analyte once."""
    if not isinstance(results, Sequence) or isinstance(results, str) or not results:
        raise InputError("results must be a non-empty list of laboratory values", field="results")
    seen: set[object] = set()
    for position, fields in enumerate(results, start=1):
        if not isinstance(fields, Mapping):
            raise InputError(f"result {position} must be a mapping of fields", field="results")
        unknown = sorted(str(key) for key in fields if key not in PANEL_FIELDS)
        missing = [name for name in ("analyte", "value", "unit") if name not in fields]
        if unknown or missing:
            wrong = f"unknown field {unknown[0]!r}" if unknown else f"no {missing[0]}"
            raise InputError(
                f"result {position}: {wrong}; fields are {', '.join(PANEL_FIELDS)}",
                field="results",
            )
        analyte = fields["analyte"]
        if isinstance(analyte, str) and analyte in seen:
            raise InputError(
                f"result {position}: analyte {analyte!r} is given twice in the panel",
                field="results",
            )
        seen.add(analyte)
    return list(results)


def _panel_result(
    ctx: ServiceContext, subject_id: str, on: date, fields: Mapping[str, Any]
) -> LabResult:
    return LabResult(
        subject_id=subject_id,
        analyte=fields["analyte"],
        value=fields["value"],
        unit=fields["unit"],
        lln=fields.get("lln"),
        uln=fields.get("uln"),
        collected_on=on,
        ctcae_version=fields.get("ctcae_version", "5.0"),
        recorded_by=ctx.username,
    )


def _store(ctx: ServiceContext, timeline: Timeline, results: list[LabResult]) -> None:
    """Check and grade results of one day, of distinct analytes, and add them to the session.

    Results after randomization are checked and graded with one read: their analytes'
    results on that day (none allowed) and up to randomization. A result of the baseline
    period may be the baseline of results already recorded, which are graded again.
    """
    start = timeline.randomized_on
    with ctx.session.no_autoflush:
        later = [r for r in results if start is not None and r.collected_on > start]
        stored: dict[str, list[Row[Any]]] = {}
        if later:
            for result in later:
                choice(result.analyte, "analyte", units.ANALYTES)
            for row in read_rows(
                ctx,
                _SAME_DAY_OR_BASELINE,
                {
                    "subject_id": timeline.subject_id,
                    "analytes": [result.analyte for result in later],
                    "on": later[0].collected_on,
                    "start": start,
                },
            ):
                stored.setdefault(row.analyte, []).append(row)
        for result in results:
            if start is not None and result.collected_on > start:
                rows = stored.get(result.analyte, [])
                _check(ctx, timeline, result, [(row.id, row.collected_on) for row in rows])
                before = [row for row in rows if row.collected_on <= start]
                _grade(result, max(before, key=lambda r: r.collected_on) if before else None)
            else:
                _check(ctx, timeline, result)
                regrade_labs(ctx, timeline, result.analyte, new=result)
            ctx.session.add(result)


class _Measured(Protocol):
    """A stored result as grading reads it: its value in its unit."""

    @property
    def value(self) -> float: ...

    @property
    def unit(self) -> str: ...


#: A subject's results of some analytes collected on a day or on or before randomization.
_SAME_DAY_OR_BASELINE = select(
    LabResult.id, LabResult.analyte, LabResult.collected_on, LabResult.value, LabResult.unit
).where(
    LabResult.subject_id == bindparam("subject_id"),
    LabResult.analyte.in_(bindparam("analytes", expanding=True)),
    or_(
        LabResult.collected_on == bindparam("on"),
        LabResult.collected_on <= bindparam("start"),
    ),
)


def _results_of(ctx: ServiceContext, subject_id: str, analyte: str) -> list[LabResult]:
    """The subject's stored results of ``analyte``."""
    return list(
        ctx.session.scalars(
            select(LabResult).where(
                LabResult.subject_id == subject_id, LabResult.analyte == analyte
            )
        )
    )


def revalidate_lab(ctx: ServiceContext, result: LabResult) -> None:
    """Check a corrected result again and regrade the subject's results of its analyte."""
    timeline = load_timeline(ctx, result.subject_id)
    with ctx.session.no_autoflush:
        _check(ctx, timeline, result)
        regrade_labs(ctx, timeline, result.analyte)


def _check(
    ctx: ServiceContext,
    timeline: Timeline,
    result: LabResult,
    stored: Iterable[tuple[int, date]] | None = None,
) -> None:
    """Check a result; ``stored``: the (id, day) of the analyte's stored results that matter
    (default: all of them, read here)."""
    analyte = choice(result.analyte, "analyte", units.ANALYTES)
    try:
        result.unit = units.normalize_unit(analyte, result.unit)
    except InputError as exc:
        raise InputError(exc.message, field="unit") from None
    result.value = check_lab(analyte, result.value, result.unit, field="value")
    for name in ("lln", "uln"):
        limit = getattr(result, name)
        if limit is not None:
            setattr(result, name, bounded(limit, name, low=0.0))
            if getattr(result, name) > 0:  # a limit of normal is itself a plausible value
                check_lab(analyte, limit, result.unit, field=name)
    if result.lln is not None and result.uln is not None and result.lln > result.uln:
        raise InputError(f"lln {result.lln:g} is above uln {result.uln:g}", field="lln")
    result.ctcae_version = choice(result.ctcae_version, "ctcae_version", ctcae.CTCAE_VERSIONS)
    timeline.check(result.collected_on, field="collected_on")
    if stored is None:
        stored = [
            (other.id, other.collected_on)
            for other in _results_of(ctx, result.subject_id, analyte)
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
    ctx: ServiceContext, timeline: Timeline, analyte: str, *, new: LabResult | None = None
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
    """
    results = _results_of(ctx, timeline.subject_id, analyte)
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
