"""Metformin and renal function: the label's eGFR limits, checked when metformin is given.

Glucophage (metformin) US label, section 4 and 2.3: metformin is contraindicated at an eGFR
below 30 mL/min/1.73 m², and starting it at an eGFR between 30 and 45 is not recommended.
When metformin is started or resumed, the subject's latest serum creatinine collected on or
before that day (a casebook laboratory result, analyte ``creatinine``) gives the eGFR by the
race-free CKD-EPI 2021 equation (:func:`metsor.clinical.egfr.egfr_ckd_epi_2021`), with age and
sex from the latest screening record:

- eGFR below 30: the start or resumption is refused;
- eGFR from 30 to below 45: a start is refused unless an override reason is given (kept in the
  dosing event's own column ``egfr_override``, set only by the override parameter and audited;
  the free-text reason is never searched for it); a resumption is allowed;
- no creatinine recorded up to that day: nothing to check.

The eGFR is compared as it is reported, rounded to one decimal. The age is the age at screening
plus the time since; when the record does not give the sex, the lower of the female and male
estimates is taken. The check is made when a dosing event is entered or corrected; a creatinine
result recorded later is a fact and is never refused because of the dosing already recorded.

References
----------
Glucophage (metformin hydrochloride) tablets, US prescribing information, revised 2017
(FDA drug safety communication of 8 April 2016 on eGFR).
Inker LA, Eneanya ND, Coresh J, et al. New creatinine- and cystatin C-based equations to
estimate GFR without race. N Engl J Med 2021;385:1737–1749.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from metsor.clinical import units
from metsor.clinical.egfr import Sex, egfr_ckd_epi_2021
from metsor.errors import ConflictError
from metsor.services.context import ServiceContext
from metsor.services.enrollment import latest_screening
from metsor.store.models.casebook import LabResult

__all__ = [
    "EGFR_CONTRAINDICATED_BELOW",
    "EGFR_START_NOT_RECOMMENDED_BELOW",
    "RenalFunction",
    "check_metformin_egfr",
    "renal_function",
]

EGFR_CONTRAINDICATED_BELOW = 30.0
"""Metformin label: contraindicated at an eGFR below 30 mL/min/1.73 m²."""
EGFR_START_NOT_RECOMMENDED_BELOW = 45.0
"""Metformin label: starting is not recommended at an eGFR from 30 to 45 mL/min/1.73 m²."""

_DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class RenalFunction:
    """A subject's eGFR on one day, from their latest creatinine up to it.

    Attributes
    ----------
    egfr
        eGFR in mL/min/1.73 m², rounded to one decimal as reported.
    creatinine_mg_dl
        The serum creatinine it comes from, in mg/dL.
    collected_on
        The day that creatinine was sampled.
    sex_known
        False when the screening record gives no sex and the lower estimate is taken.
    """

    egfr: float
    creatinine_mg_dl: float
    collected_on: date
    sex_known: bool

    def describe(self) -> str:
        """``eGFR 28.4 mL/min/1.73 m² (CKD-EPI 2021, creatinine 2.50 mg/dL on 2026-03-01)``."""
        sex = "" if self.sex_known else ", sex unknown: the lower estimate"
        return (
            f"eGFR {self.egfr:.1f} mL/min/1.73 m² (CKD-EPI 2021, creatinine "
            f"{self.creatinine_mg_dl:.2f} mg/dL on {self.collected_on}{sex})"
        )


def renal_function(ctx: ServiceContext, subject_id: str, on: date) -> RenalFunction | None:
    """The subject's eGFR on ``on``, from the latest creatinine collected on or before it.

    Parameters
    ----------
    ctx
        The service context.
    subject_id
        The subject.
    on
        The day.

    Returns
    -------
    RenalFunction or None
        None when no creatinine is recorded up to ``on``.

    Raises
    ------
    ConflictError
        When a creatinine is recorded but the screening record gives no age (naming
        ``age_years``).
    """
    latest = ctx.session.scalars(
        select(LabResult)
        .where(
            LabResult.subject_id == subject_id,
            LabResult.analyte == "creatinine",
            LabResult.collected_on <= on,
        )
        .order_by(LabResult.collected_on.desc(), LabResult.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    creatinine = units.convert("creatinine", latest.value, latest.unit, "mg/dL")
    screening = latest_screening(ctx, subject_id)
    record = {} if screening is None else screening.record
    age_at_screening = record.get("age_years")
    if screening is None or not isinstance(age_at_screening, int):
        raise ConflictError(
            f"the eGFR of subject {subject_id} needs the age, and the screening record gives none",
            field="age_years",
        )
    age = age_at_screening + max((on - screening.screened_on).days, 0) / _DAYS_PER_YEAR
    sex = record.get("sex")
    sexes: tuple[Sex, ...] = ("female", "male")
    if sex == "female" or sex == "male":
        sexes = (sex,)
    egfr = min(
        egfr_ckd_epi_2021(creatinine_mg_dl=creatinine, age_years=age, sex=one) for one in sexes
    )
    return RenalFunction(round(egfr, 1), creatinine, latest.collected_on, len(sexes) == 1)


def check_metformin_egfr(
    ctx: ServiceContext,
    *,
    subject_id: str,
    event: str,
    on: date,
    overridden: bool,
) -> RenalFunction | None:
    """Refuse a metformin start or resumption that the label's eGFR limits forbid.

    Parameters
    ----------
    ctx
        The service context.
    subject_id
        The subject.
    event
        The dosing event of metformin; only ``start`` and ``resume`` are checked.
    on
        Its date.
    overridden
        Whether an override reason is given for a start at an eGFR from 30 to below 45.

    Returns
    -------
    RenalFunction or None
        The eGFR judged, or None when there was nothing to check.

    Raises
    ------
    ConflictError
        Naming metformin and the eGFR with its value: below 30 (field ``event_date``), or from
        30 to below 45 for a start without an override (field ``egfr_override``).
    """
    if event not in ("start", "resume"):
        return None
    found = renal_function(ctx, subject_id, on)
    if found is None:
        return None
    if found.egfr < EGFR_CONTRAINDICATED_BELOW:
        raise ConflictError(
            f"metformin is contraindicated at an eGFR below {EGFR_CONTRAINDICATED_BELOW:g} "
            f"(label): subject {subject_id} has {found.describe()}; it cannot {event} on {on}",
            field="event_date",
        )
    if event == "start" and found.egfr < EGFR_START_NOT_RECOMMENDED_BELOW and not overridden:
        raise ConflictError(
            f"starting metformin at an eGFR from {EGFR_CONTRAINDICATED_BELOW:g} to "
            f"{EGFR_START_NOT_RECOMMENDED_BELOW:g} is not recommended (label): subject "
            f"{subject_id} has {found.describe()}; give an override reason to start anyway",
            field="egfr_override",
        )
    return found
