"""Clinical rules: units, liver function, staging, performance status, renal function,
toxicity grading and tumour response. Pure functions over values; nothing here does I/O."""

from metsor.clinical.albi import albi_grade, albi_score
from metsor.clinical.bclc import BclcStage, bclc_stage
from metsor.clinical.best_response import best_overall_response
from metsor.clinical.child_pugh import ChildPughScore, child_pugh
from metsor.clinical.ctcae import (
    CLINICAL_TERMS,
    LAB_TERMS,
    CtcaeGrade,
    grade_clinical,
    grade_lab,
)
from metsor.clinical.ecog import ECOG_DESCRIPTIONS, validate_ecog
from metsor.clinical.egfr import egfr_ckd_epi_2021
from metsor.clinical.tumour import Assessment, Lesion, Response
from metsor.clinical.units import ACCEPTED_UNITS, convert

__all__ = [
    "ACCEPTED_UNITS",
    "CLINICAL_TERMS",
    "ECOG_DESCRIPTIONS",
    "LAB_TERMS",
    "Assessment",
    "BclcStage",
    "ChildPughScore",
    "CtcaeGrade",
    "Lesion",
    "Response",
    "albi_grade",
    "albi_score",
    "bclc_stage",
    "best_overall_response",
    "child_pugh",
    "convert",
    "egfr_ckd_epi_2021",
    "grade_clinical",
    "grade_lab",
    "validate_ecog",
]
