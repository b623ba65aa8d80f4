"""Recording vital signs; blood pressure is graded as CTCAE v5.0 hypertension on entry."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, select

from metsor.clinical import ctcae
from metsor.clinical.ecog import validate_ecog
from metsor.clinical.plausibility import check_vital_sign
from metsor.errors import ConflictError, InputError
from metsor.services.access import require
from metsor.services.casebook._timeline import Timeline, as_date, load_timeline, read_rows
from metsor.services.context import ServiceContext
from metsor.store.models.casebook import VitalSigns

__all__ = ["enter_vital_signs", "record_vital_signs", "revalidate_vital_signs"]


def record_vital_signs(
    ctx: ServiceContext,
    *,
    subject_id: str,
    measured_on: date | str,
    systolic_mmhg: int,
    diastolic_mmhg: int,
    heart_rate_bpm: int | None = None,
    temperature_c: float | None = None,
    weight_kg: float | None = None,
    ecog: int | None = None,
) -> VitalSigns:
    """Record the vital signs of one day.

    Parameters
    ----------
    ctx
        The service context (role allowed to enter casebook data).
    subject_id
        The subject.
    measured_on
        The day of measurement.
    systolic_mmhg, diastolic_mmhg
        Blood pressure, mm Hg, systolic above diastolic.
    heart_rate_bpm
        Pulse, beats a minute.
    temperature_c
        Body temperature, °C.
    weight_kg
        Body weight, kg. Each value within its plausible range
        (:data:`metsor.clinical.plausibility.VITAL_SIGN_RANGES`).
    ecog
        ECOG performance status, 0–5.

    Returns
    -------
    VitalSigns
        The stored record, with the CTCAE v5.0 hypertension grade of the blood pressure.

    Raises
    ------
    InputError
        A value outside its plausible range.
    ConflictError
        Vital signs already recorded that day, or a date breaking the date-order rules.
    """
    require(ctx, "enter_casebook")
    record = enter_vital_signs(
        ctx,
        subject_id=subject_id,
        measured_on=measured_on,
        systolic_mmhg=systolic_mmhg,
        diastolic_mmhg=diastolic_mmhg,
        heart_rate_bpm=heart_rate_bpm,
        temperature_c=temperature_c,
        weight_kg=weight_kg,
        ecog=ecog,
    )
    ctx.session.flush()
    return record


def enter_vital_signs(
    ctx: ServiceContext,
    *,
    subject_id: str,
    measured_on: date | str,
    systolic_mmhg: int,
    diastolic_mmhg: int,
    heart_rate_bpm: int | None = None,
    temperature_c: float | None = None,
    weight_kg: float | None = None,
    ecog: int | None = None,
) -> VitalSigns:
    """Check vital signs as :func:`record_vital_signs` does and add them to the session,
    unflushed.

    For a service that writes several records of a page in one flush; the caller has
    checked the user's role and flushes.
    """
    timeline = load_timeline(ctx, subject_id)
    record = VitalSigns(
        subject_id=subject_id,
        measured_on=as_date(measured_on, "measured_on"),
        systolic_mmhg=systolic_mmhg,
        diastolic_mmhg=diastolic_mmhg,
        heart_rate_bpm=heart_rate_bpm,
        temperature_c=temperature_c,
        weight_kg=weight_kg,
        ecog=ecog,
        recorded_by=ctx.username,
    )
    with ctx.session.no_autoflush:
        _check(ctx, timeline, record)
    ctx.session.add(record)
    return record


def revalidate_vital_signs(ctx: ServiceContext, record: VitalSigns) -> None:
    """Check corrected vital signs again and regrade the blood pressure."""
    with ctx.session.no_autoflush:
        _check(ctx, load_timeline(ctx, record.subject_id), record)


#: The subject's vital signs measured on a day.
_ON_DAY = select(VitalSigns.id).where(
    VitalSigns.subject_id == bindparam("subject_id"), VitalSigns.measured_on == bindparam("on")
)


def _check(ctx: ServiceContext, timeline: Timeline, record: VitalSigns) -> None:
    record.systolic_mmhg = int(check_vital_sign("systolic_mmhg", record.systolic_mmhg))
    record.diastolic_mmhg = int(check_vital_sign("diastolic_mmhg", record.diastolic_mmhg))
    if record.diastolic_mmhg >= record.systolic_mmhg:
        raise InputError(
            f"diastolic_mmhg {record.diastolic_mmhg} is not below systolic_mmhg "
            f"{record.systolic_mmhg}",
            field="diastolic_mmhg",
        )
    if record.heart_rate_bpm is not None:
        record.heart_rate_bpm = int(check_vital_sign("heart_rate_bpm", record.heart_rate_bpm))
    if record.temperature_c is not None:
        record.temperature_c = check_vital_sign("temperature_c", record.temperature_c)
    if record.weight_kg is not None:
        record.weight_kg = check_vital_sign("weight_kg", record.weight_kg)
    if record.ecog is not None:
        record.ecog = validate_ecog(record.ecog)
    timeline.check(record.measured_on, field="measured_on")
    clash = read_rows(
        ctx, _ON_DAY, {"subject_id": record.subject_id, "on": record.measured_on}
    ).scalar()
    if clash is not None and clash != record.id:
        raise ConflictError(
            f"subject {record.subject_id} already has vital signs on {record.measured_on} "
            f"(record {clash})",
            field="measured_on",
        )
    grade = ctcae.grade_clinical(
        "Hypertension", sbp=record.systolic_mmhg, dbp=record.diastolic_mmhg
    )
    record.hypertension_grade = grade.grade
