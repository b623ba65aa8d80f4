"""Fixtures of the eligibility tests: a complete record of an eligible candidate."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from metsor.protocol import Protocol, builtin

ELIGIBLE: dict[str, Any] = {
    "age_years": 54,
    "sex": "male",
    "consent_signed": True,
    "hcc_confirmation": {"histopathology": True, "typical_imaging_techniques": 2},
    "metastatic_liver_cancer": False,
    "ecog": 1,
    "tumour": {
        "macrovascular_invasion": True,
        "extrahepatic_spread": False,
        "nodules": 2,
        "largest_nodule_cm": 6.5,
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
        "severe_cardiovascular_disease": False,
        "uncontrolled_hypertension": False,
        "hiv": False,
        "active_infection_grade": 0,
        "systemic_chemo_within_6_months": False,
        "gi_bleeding_history": False,
        "seizures_requiring_drugs": False,
        "allograft_transplant": False,
        "bleeding_signs": False,
        "dialysis": False,
        "uncontrollable_ascites": False,
    },
}


def with_changes(changes: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of a record with values set at dotted paths; the value ``None`` deletes."""
    data = copy.deepcopy(ELIGIBLE if base is None else base)
    for path, value in changes.items():
        *parents, leaf = path.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return data


@pytest.fixture
def eligible() -> dict[str, Any]:
    """A complete record of a candidate who meets every criterion."""
    return copy.deepcopy(ELIGIBLE)


@pytest.fixture
def change() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """``change({"labs.hemoglobin.value": 8.5})``: the eligible record with changes."""
    return with_changes


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    """The built-in NCT02672488 protocol."""
    return builtin("NCT02672488")
