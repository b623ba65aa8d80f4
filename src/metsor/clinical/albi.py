"""ALBI (albumin–bilirubin) grade of liver function.

score = 0.66 × log10(bilirubin, µmol/L) − 0.085 × (albumin, g/L); grade 1 at or below −2.60,
grade 2 above −2.60 and at or below −1.39, grade 3 above −1.39 (Johnson et al. 2015).
"""

from __future__ import annotations

import math

from metsor.clinical._checks import finite, non_negative, positive

__all__ = ["ALBI_GRADE_1_MAX", "ALBI_GRADE_2_MAX", "albi_grade", "albi_score"]

ALBI_GRADE_1_MAX = -2.60
"""Highest score of grade 1."""
ALBI_GRADE_2_MAX = -1.39
"""Highest score of grade 2."""


def albi_score(*, bilirubin_umol_l: float, albumin_g_l: float) -> float:
    """Compute the ALBI score.

    Parameters
    ----------
    bilirubin_umol_l
        Total bilirubin in µmol/L; must be above zero (it enters as a logarithm).
    albumin_g_l
        Serum albumin in g/L.

    Returns
    -------
    float
        ``0.66 × log10(bilirubin) − 0.085 × albumin``.

    Raises
    ------
    InputError
        For bilirubin not above zero, negative albumin, or a non-finite value.

    References
    ----------
    Johnson PJ, Berhane S, Kagebayashi C, et al. Assessment of liver function in patients with
    hepatocellular carcinoma: a new evidence-based approach — the ALBI grade.
    J Clin Oncol 2015;33:550–558.
    """
    bilirubin = positive(bilirubin_umol_l, "bilirubin_umol_l")
    albumin = non_negative(albumin_g_l, "albumin_g_l")
    return 0.66 * math.log10(bilirubin) - 0.085 * albumin


def albi_grade(score: float) -> int:
    """Return the ALBI grade (1, 2 or 3) of an ALBI score.

    Parameters
    ----------
    score
        An ALBI score from :func:`albi_score`.

    Returns
    -------
    int
        1 if ``score <= -2.60``; 2 if ``-2.60 < score <= -1.39``; 3 if ``score > -1.39``.

    References
    ----------
    Johnson PJ et al. J Clin Oncol 2015;33:550–558.
    """
    value = finite(score, "score")
    if value <= ALBI_GRADE_1_MAX:
        return 1
    return 2 if value <= ALBI_GRADE_2_MAX else 3
