"""The CTCAE v5.0 term each graded laboratory analyte is graded under.

A laboratory result is graded under one term (a decrease for blood counts, an increase for
bilirubin and transaminases, hypoglycaemia for glucose); an analyte not listed here (albumin,
creatinine, INR, AFP…) is stored without a grade.

References
----------
National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE) v5.0, 2017:
Investigations, Blood and lymphatic system disorders, Metabolism and nutrition disorders.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["LAB_CTCAE_TERMS"]

LAB_CTCAE_TERMS: Mapping[str, str] = MappingProxyType(
    {
        "anc": "Neutrophil count decreased",
        "platelets": "Platelet count decreased",
        "hemoglobin": "Anemia",
        "glucose": "Hypoglycemia",
        "total_bilirubin": "Blood bilirubin increased",
        "ast": "Aspartate aminotransferase increased",
        "alt": "Alanine aminotransferase increased",
    }
)
"""The CTCAE term each graded analyte is graded under (others are stored without a grade)."""
