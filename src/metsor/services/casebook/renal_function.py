"""Renal function and a study drug's eGFR limits, checked when the drug is given.

A study drug whose label limits it by renal function carries the limits in the protocol
(:class:`metsor.protocol.treatment.RenalLimits`, each with its label source). When such a drug
is started or resumed, the subject's latest serum creatinine collected on or before that day
(a casebook laboratory result, analyte ``creatinine``) gives the eGFR by the race-free CKD-EPI
2021 equation (:func:`metsor.clinical.egfr.egfr_ckd_epi_2021`), with age and sex from the
latest screening record:

- eGFR below ``contraindicated_below``: the start or resumption is refused;
- eGFR from there to below ``start_not_recommended_below``: a start is refused unless an
  override reason is given (kept in the dosing event's own column ``egfr_override``, set only
  by the override parameter and audited; the free-text reason is never searched for it); a
  resumption is allowed;
- no creatinine recorded up to that day: nothing to check.

The eGFR is compared as it is reported, rounded to one decimal. The age is the age at screening
plus the time since; when the record does not give the sex, the lower of the female and male
estimates is taken. The check is made when a dosing event is entered or corrected; a creatinine
result recorded later is a fact and is never refused because of the dosing already recorded.

References
----------
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
from metsor.protocol.treatment import StudyDrug
from metsor.services.context import ServiceContext
from metsor.services.enrollment import latest_screening
from metsor.store.models.casebook import LabResult

__all__ = ["RenalFunction", "check_renal_limits", "renal_function"]

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


def check_renal_limits(
    ctx: ServiceContext,
    *,
    drug: StudyDrug,
    subject_id: str,
    event: str,
    on: date,
    overridden: bool,
) -> RenalFunction | None:
    """Refuse a start or resumption of a drug that its label's eGFR limits forbid.

    Parameters
    ----------
    ctx
        The service context.
    drug
        The study drug; nothing is checked when it has no renal limits.
    subject_id
        The subject.
    event
        The dosing event; only ``start`` and ``resume`` are checked.
    on
        Its date.
    overridden
        Whether an override reason is given for a start where the label does not recommend it.

    Returns
    -------
    RenalFunction or None
        The eGFR judged, or None when there was nothing to check.

    Raises
    ------
    ConflictError
        Naming the drug and the eGFR with its value: below the contraindication limit (field
        ``event_date``), or below the start limit for a start without an override (field
        ``egfr_override``).
    """
    limits = drug.renal_limits
    if limits is None or event not in ("start", "resume"):
        return None
    found = renal_function(ctx, subject_id, on)
    if found is None:
        return None
    low, start = limits.contraindicated_below, limits.start_not_recommended_below
    if found.egfr < low:
        raise ConflictError(
            f"{drug.code} is contraindicated at an eGFR below {low:g} "
            f"(label): subject {subject_id} has {found.describe()}; it cannot {event} on {on}",
            field="event_date",
        )
    if event == "start" and found.egfr < start and not overridden:
        raise ConflictError(
            f"starting {drug.code} at an eGFR from {low:g} to {start:g} is not recommended "
            f"(label): subject {subject_id} has {found.describe()}; give an override reason to "
            "start anyway",
            field="egfr_override",
        )
    return found
