"""Recording vital signs; blood pressure is graded as CTCAE v5.0 hypertension on entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import ValidationInfo, field_validator
from sqlalchemy import bindparam, select

from metsor.clinical import ctcae
from metsor.clinical.ecog import validate_ecog
from metsor.clinical.plausibility import check_vital_sign
from metsor.errors import ConflictError
from metsor.services.access import require
from metsor.services.casebook._boundary import (
    CasebookInput,
    Day,
    FrozenRecord,
    Whole,
    checked,
    ruled_by,
    set_changed,
)
from metsor.services.casebook._timeline import Timeline, load_timeline, read_rows
from metsor.services.context import ServiceContext
from metsor.store.audit.hooks import insert_records
from metsor.store.models.casebook import VitalSigns

__all__ = [
    "VitalSignsInput",
    "VitalSignsRecord",
    "VitalSignsValues",
    "enter_vital_signs",
    "record_vital_signs",
    "revalidate_vital_signs",
]


def _plausible(name: str) -> Any:
    """The check of vital sign ``name`` against its plausible range
    (:data:`metsor.clinical.plausibility.VITAL_SIGN_RANGES`)."""
    return ruled_by(lambda value: type(value)(check_vital_sign(name, value)))


class VitalSignsValues(CasebookInput):
    """The values of one day's vital signs, each within its plausible range; a visit's page
    gives them so (its day is the visit's)."""

    systolic_mmhg: Annotated[Whole, _plausible("systolic_mmhg")]
    diastolic_mmhg: Annotated[Whole, _plausible("diastolic_mmhg")]
    heart_rate_bpm: Annotated[Whole, _plausible("heart_rate_bpm")] | None = None
    temperature_c: Annotated[float, _plausible("temperature_c")] | None = None
    weight_kg: Annotated[float, _plausible("weight_kg")] | None = None
    ecog: Annotated[Whole, ruled_by(validate_ecog)] | None = None

    @field_validator("diastolic_mmhg")
    @classmethod
    def _below_systolic(cls, diastolic: int, info: ValidationInfo) -> int:
        systolic = info.data.get("systolic_mmhg")
        if systolic is not None and diastolic >= systolic:
            raise ValueError(f"diastolic_mmhg {diastolic} is not below systolic_mmhg {systolic}")
        return diastolic


class VitalSignsInput(VitalSignsValues):
    """One day's vital signs as given (the web's JSON body too)."""

    measured_on: Day


@dataclass(frozen=True)
class VitalSignsRecord(FrozenRecord):
    """Stored vital signs.

    Attributes
    ----------
    id, subject_id, visit_id
        The record, its subject and its visit (None: not tied to one).
    measured_on, systolic_mmhg, diastolic_mmhg, heart_rate_bpm, temperature_c, weight_kg, ecog
        As :class:`VitalSignsInput`.
    hypertension_grade
        The CTCAE v5.0 hypertension grade of the blood pressure.
    recorded_by, recorded_at
        Who entered them, and when.
    """

    id: int
    subject_id: str
    visit_id: int | None
    measured_on: date
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int | None
    temperature_c: float | None
    weight_kg: float | None
    ecog: int | None
    hypertension_grade: int | None
    recorded_by: str
    recorded_at: datetime


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
) -> VitalSignsRecord:
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
    VitalSignsRecord
        The stored record, with the CTCAE v5.0 hypertension grade of the blood pressure.

    Raises
    ------
    InputError
        A value outside its plausible range.
    ConflictError
        Vital signs already recorded that day, or a date breaking the date-order rules.
    """
    require(ctx, "enter_casebook")
    given = checked(
        VitalSignsInput,
        {
            "measured_on": measured_on,
            "systolic_mmhg": systolic_mmhg,
            "diastolic_mmhg": diastolic_mmhg,
            "heart_rate_bpm": heart_rate_bpm,
            "temperature_c": temperature_c,
            "weight_kg": weight_kg,
            "ecog": ecog,
        },
    )
    record = enter_vital_signs(ctx, subject_id, given.measured_on, given)
    insert_records(ctx.session, [record])
    return VitalSignsRecord.of(record)


def enter_vital_signs(
    ctx: ServiceContext, subject_id: str, measured_on: date, values: VitalSignsValues
) -> VitalSigns:
    """Check vital signs given as :func:`record_vital_signs` checks them; the new record, not
    yet written.

    For a service that writes several records of a page at once; the caller has checked the
    user's role and the input, and inserts it
    (:func:`metsor.store.audit.hooks.insert_records`).
    """
    timeline = load_timeline(ctx, subject_id)
    record = VitalSigns(
        subject_id=subject_id,
        measured_on=measured_on,
        recorded_by=ctx.username,
        **{name: getattr(values, name) for name in VitalSignsValues.model_fields},
    )
    with ctx.session.no_autoflush:
        _check(ctx, timeline, record)
    return record


def revalidate_vital_signs(ctx: ServiceContext, record: VitalSigns) -> None:
    """Check corrected vital signs again, as if they were entered so, and regrade the blood
    pressure."""
    given = checked(VitalSignsInput, {name: getattr(record, name) for name in _GIVEN})
    set_changed(record, given)
    with ctx.session.no_autoflush:
        _check(ctx, load_timeline(ctx, record.subject_id), record)


#: The subject's vital signs measured on a day.
_ON_DAY = select(VitalSigns.id).where(
    VitalSigns.subject_id == bindparam("subject_id"), VitalSigns.measured_on == bindparam("on")
)


#: The fields vital signs are given by (and may be corrected in).
_GIVEN = tuple(VitalSignsInput.model_fields)


def _check(ctx: ServiceContext, timeline: Timeline, record: VitalSigns) -> None:
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
