"""Estimated glomerular filtration rate by the race-free CKD-EPI 2021 creatinine equation.

eGFR = 142 × min(Scr/κ, 1)^α × max(Scr/κ, 1)^−1.200 × 0.9938^age × 1.012 [female],
with κ = 0.7 (female) or 0.9 (male) and α = −0.241 (female) or −0.302 (male); Scr in mg/dL,
eGFR in mL/min/1.73 m² (Inker et al. 2021).
"""

from __future__ import annotations

from typing import Literal

from metsor.clinical._checks import finite, positive
from metsor.errors import InputError

__all__ = ["Sex", "egfr_ckd_epi_2021"]

Sex = Literal["female", "male"]

_KAPPA = {"female": 0.7, "male": 0.9}
_ALPHA = {"female": -0.241, "male": -0.302}
_SEX_FACTOR = {"female": 1.012, "male": 1.0}


def egfr_ckd_epi_2021(*, creatinine_mg_dl: float, age_years: float, sex: Sex) -> float:
    """Estimate GFR from serum creatinine by CKD-EPI 2021 (without race).

    Parameters
    ----------
    creatinine_mg_dl
        Serum creatinine in mg/dL (IDMS-traceable); convert µmol/L with
        :func:`metsor.clinical.units.convert`.
    age_years
        Age in years; the equation is for adults (18 or older).
    sex
        "female" or "male".

    Returns
    -------
    float
        eGFR in mL/min/1.73 m².

    Raises
    ------
    InputError
        For creatinine not above zero, an age under 18 or a sex other than female or male.

    References
    ----------
    Inker LA, Eneanya ND, Coresh J, et al. New creatinine- and cystatin C-based equations to
    estimate GFR without race. N Engl J Med 2021;385:1737–1749.
    """
    if sex not in _KAPPA:
        raise InputError(f"sex must be 'female' or 'male', got {sex!r}", field="sex")
    creatinine = positive(creatinine_mg_dl, "creatinine_mg_dl")
    age = finite(age_years, "age_years")
    if age < 18:
        raise InputError(
            f"CKD-EPI 2021 is an equation for adults; age_years must be 18 or more, got {age!r}",
            field="age_years",
        )
    ratio = creatinine / _KAPPA[sex]
    egfr: float = (
        142.0
        * min(ratio, 1.0) ** _ALPHA[sex]
        * max(ratio, 1.0) ** -1.200
        * 0.9938**age
        * _SEX_FACTOR[sex]
    )
    return egfr
