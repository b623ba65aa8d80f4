"""CTCAE grading of adverse events: laboratory terms and clinical terms.

Laboratory terms are graded by :func:`grade_lab`, clinical ones by :func:`grade_clinical`;
every grade carries the CTCAE version that gave it.
"""

from metsor.clinical.ctcae_clinical import CLINICAL_TERMS, clinical_grades, grade_clinical
from metsor.clinical.ctcae_grade import CTCAE_VERSIONS, CtcaeGrade, CtcaeVersion
from metsor.clinical.ctcae_lab import LAB_TERMS, grade_lab

__all__ = [
    "CLINICAL_TERMS",
    "CTCAE_VERSIONS",
    "LAB_TERMS",
    "CtcaeGrade",
    "CtcaeVersion",
    "clinical_grades",
    "grade_clinical",
    "grade_lab",
]
