"""An example screening record: a candidate who meets every criterion of NCT02672488.

The record is complete, so every criterion is judged pass (none unknown), and each value sits
clear of its threshold. It is a starting point for a record file (``metsor screen --example``
prints it as JSON) and the base record of examples and tests that change one value at a time.

=============================  ==============================  ===============================
field                          value                           criterion of the registry record
=============================  ==============================  ===============================
``age_years``                  54                              age > 18 years
``hcc_confirmation``           histopathology, 2 techniques    confirmed hepatocellular carcinoma
``ecog``                       1                               ECOG 0, 1 or 2
``labs.hemoglobin``            12.8 g/dL                       ≥ 9 g/dL
``labs.anc``                   3,100 /mm3                      ≥ 1,500 /mm3
``labs.platelets``             120,000 /uL                     ≥ 50,000 /uL
``labs.total_bilirubin``       0.8 mg/dL                       < 2 mg/dL
``labs.ast``, ``labs.alt``     80 and 60 U/L (ULN 40)          ≤ 5 × ULN
``labs.alp``                   150 U/L (ULN 125)               < 4 × ULN
``labs.inr``                   1.1                             PT-INR < 2.3 (or PT > 50 %)
``labs.prothrombin_activity``  85 %                            PT > 50 %
``liver``, ``labs.albumin``    no ascites, no encephalopathy,  Child-Pugh class A (5 points)
                               albumin 3.9 g/dL
``history``                    every exclusion absent          the exclusion criteria
=============================  ==============================  ===============================

In ``history``, ``prior_systemic_therapy`` is false (first line: no prior systemic therapy for
HCC) and ``nyha_class`` is 1 (no heart failure).

The tumour (two nodules, the largest 6.5 cm, macrovascular invasion, no extrahepatic spread,
AFP 420 ng/mL) in an Asian man with hepatitis B (``history.aetiology`` HBV) is BCLC stage C,
and with ECOG 1 the candidate falls in the randomization stratum ``ecog1_2-mvi_ehs_yes``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["ELIGIBLE_RECORD", "eligible_record"]

_HISTORY_ABSENT = (
    "severe_cardiovascular_disease",
    "uncontrolled_hypertension",
    "hiv",
    "systemic_chemo_within_6_months",
    "gi_bleeding_history",
    "seizures_requiring_drugs",
    "allograft_transplant",
    "bleeding_signs",
    "dialysis",
    "uncontrollable_ascites",
    "prior_systemic_therapy",
)

_ELIGIBLE: dict[str, Any] = {
    "age_years": 54,
    "sex": "male",
    "race": "asian",
    "consent_signed": True,
    "hcc_confirmation": {"histopathology": True, "typical_imaging_techniques": 2},
    "metastatic_liver_cancer": False,
    "ecog": 1,
    "tumour": {
        "macrovascular_invasion": True,
        "extrahepatic_spread": False,
        "nodules": 2,
        "largest_nodule_cm": 6.5,
        "afp_ng_ml": 420.0,
    },
    "liver": {"ascites": "none", "encephalopathy_grade": 0},
    "labs": {
        "hemoglobin": {"value": 12.8, "unit": "g/dL"},
        "anc": {"value": 3100, "unit": "/mm3"},
        "platelets": {"value": 120000, "unit": "/uL"},
        "total_bilirubin": {"value": 0.8, "unit": "mg/dL"},
        "albumin": {"value": 3.9, "unit": "g/dL"},
        "ast": {"value": 80, "unit": "U/L", "uln": 40},
        "alt": {"value": 60, "unit": "U/L", "uln": 40},
        "alp": {"value": 150, "unit": "U/L", "uln": 125},
        "inr": {"value": 1.1, "unit": ""},
        "prothrombin_activity": {"value": 85, "unit": "%"},
    },
    "history": {
        **dict.fromkeys(_HISTORY_ABSENT, False),
        "active_infection_grade": 0,
        "nyha_class": 1,
        "aetiology": "HBV",
    },
}


def _read_only(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({key: _read_only(item) for key, item in value.items()})
    return value


#: The example record, read-only at every level (:func:`eligible_record` gives a copy to change).
ELIGIBLE_RECORD: Mapping[str, Any] = _read_only(_ELIGIBLE)


def eligible_record(**overrides: Any) -> dict[str, Any]:
    """A fresh copy of the example record, with top-level fields replaced.

    Parameters
    ----------
    **overrides
        Top-level fields to set, e.g. ``ecog=0`` or ``labs={...}``; a value replaces the
        example's value whole (nested objects are not merged). To change one nested value,
        change it in the returned copy: ``record["labs"]["hemoglobin"]["value"] = 8.5``.

    Returns
    -------
    dict
        The record as plain, mutable dictionaries, ready for
        :func:`metsor.eligibility.screen` or :func:`json.dumps`; changing it leaves
        :data:`ELIGIBLE_RECORD` as it is.

    Examples
    --------
    >>> from metsor.eligibility import screen
    >>> screen(eligible_record()).verdict
    'eligible'
    >>> screen(eligible_record(ecog=3)).verdict
    'ineligible'
    """
    record = copy.deepcopy(_ELIGIBLE)
    record.update(copy.deepcopy(overrides))
    return record
