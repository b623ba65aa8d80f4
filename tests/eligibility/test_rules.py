"""Each rule on both sides of its threshold.

Thresholds are those of the registry record of NCT02672488 (ClinicalTrials.gov, verified
December 2015; shared/protocol/NCT02672488-registry-record.txt): Hb ≥ 9 g/dL; ANC ≥ 1,500/mm3;
platelets ≥ 50,000/µL; total bilirubin < 2 mg/dL; AST and ALT ≤ 5 × ULN; ALP < 4 × ULN;
prothrombin time > 50% or PT-INR < 2.3 ("或" = or); Child-Pugh class A; ECOG 0–2; age > 18;
exclusion of Child-Pugh 7 with ascites, infection > grade 2 (NCI-CTCAE v3.0), encephalopathy.
Child-Pugh points per the Cleveland Clinic J Med / Harrison's table (CLINICAL-REFERENCE.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from metsor.eligibility.record import parse_record
from metsor.eligibility.rules import RULES, EligibilitySettings, rules_for
from metsor.eligibility.thresholds import RuleResult, Status

CRITERION_IDS = (
    "consent",
    "hcc_confirmed",
    "age",
    "child_pugh_a",
    "ecog",
    "hemoglobin",
    "anc",
    "platelets",
    "total_bilirubin",
    "transaminases",
    "alkaline_phosphatase",
    "sex_any",
    "coagulation",
    "child_pugh_7_ascites",
    "severe_cardiovascular_disease",
    "uncontrolled_hypertension",
    "hiv",
    "active_infection",
    "pregnancy",
    "recent_systemic_chemo",
    "gi_bleeding",
    "seizures",
    "allograft",
    "bleeding",
    "dialysis",
    "metastatic_liver_cancer",
    "uncontrollable_ascites",
    "encephalopathy",
)


Judge = Callable[..., RuleResult]


@pytest.fixture
def judge(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Judge:
    """``judge(rule, changes, settings=None)``: a rule applied to the eligible record changed."""

    def apply(
        rule: str, changes: dict[str, Any], settings: EligibilitySettings | None = None
    ) -> RuleResult:
        rules = RULES if settings is None else rules_for(settings)
        return rules[rule](parse_record(change(changes)))

    return apply


def test_one_rule_per_criterion_id() -> None:
    assert tuple(RULES) == CRITERION_IDS


@pytest.mark.parametrize("rule", CRITERION_IDS)
def test_every_rule_passes_the_eligible_record(rule: str, eligible: dict[str, Any]) -> None:
    result = RULES[rule](parse_record(eligible))
    assert result.status == "pass", result.reason
    assert result.reason


@pytest.mark.parametrize("rule", [r for r in CRITERION_IDS if r != "sex_any"])
def test_every_rule_is_unknown_on_an_empty_record(rule: str) -> None:
    result = RULES[rule](parse_record({}))
    assert result.status == "unknown", result.reason


def test_sex_any_passes_whatever_the_record(judge: Judge) -> None:
    assert RULES["sex_any"](parse_record({})).status == "pass"
    assert judge("sex_any", {"sex": "female"}).status == "pass"


# (rule, changes, status, exact reason or None)
THRESHOLD_CASES = [
    # Hemoglobin ≥ 9 g/dL (registry inclusion).
    (
        "hemoglobin",
        {"labs.hemoglobin": {"value": 9.0, "unit": "g/dL"}},
        "pass",
        "hemoglobin 9 g/dL ≥ 9 g/dL",
    ),
    (
        "hemoglobin",
        {"labs.hemoglobin": {"value": 8.5, "unit": "g/dL"}},
        "fail",
        "hemoglobin 8.5 g/dL < 9 g/dL",
    ),
    (
        "hemoglobin",
        {"labs.hemoglobin": {"value": 90, "unit": "g/L"}},
        "pass",
        "hemoglobin 90 g/L (9 g/dL) ≥ 9 g/dL",
    ),
    ("hemoglobin", {"labs.hemoglobin": {"value": 89, "unit": "g/L"}}, "fail", None),
    ("hemoglobin", {"labs.hemoglobin": {"value": 5.6, "unit": "mmol/L"}}, "pass", None),
    ("hemoglobin", {"labs.hemoglobin": {"value": 5.5, "unit": "mmol/L"}}, "fail", None),
    # ANC ≥ 1,500/mm3.
    ("anc", {"labs.anc": {"value": 1500, "unit": "/mm3"}}, "pass", "ANC 1,500/mm3 ≥ 1,500/mm3"),
    ("anc", {"labs.anc": {"value": 1499, "unit": "/mm3"}}, "fail", "ANC 1,499/mm3 < 1,500/mm3"),
    ("anc", {"labs.anc": {"value": 1.5, "unit": "10^9/L"}}, "pass", None),
    (
        "anc",
        {"labs.anc": {"value": 1.4, "unit": "10^9/L"}},
        "fail",
        "ANC 1.4 10^9/L (1,400/mm3) < 1,500/mm3",
    ),
    # Platelets ≥ 50,000/µL.
    (
        "platelets",
        {"labs.platelets": {"value": 50000, "unit": "/uL"}},
        "pass",
        "platelets 50,000/uL ≥ 50,000/uL",
    ),
    (
        "platelets",
        {"labs.platelets": {"value": 49000, "unit": "/uL"}},
        "fail",
        "platelets 49,000/uL < 50,000/uL",
    ),
    ("platelets", {"labs.platelets": {"value": 50, "unit": "10^9/L"}}, "pass", None),
    ("platelets", {"labs.platelets": {"value": 49, "unit": "10^9/L"}}, "fail", None),
    # Total bilirubin < 2 mg/dL; 1 mg/dL = 17.1 µmol/L.
    (
        "total_bilirubin",
        {"labs.total_bilirubin": {"value": 1.99, "unit": "mg/dL"}},
        "pass",
        "total bilirubin 1.99 mg/dL < 2 mg/dL",
    ),
    (
        "total_bilirubin",
        {"labs.total_bilirubin": {"value": 2.0, "unit": "mg/dL"}},
        "fail",
        "total bilirubin 2 mg/dL ≥ 2 mg/dL",
    ),
    (
        "total_bilirubin",
        {"labs.total_bilirubin": {"value": 2.3, "unit": "mg/dL"}},
        "fail",
        "total bilirubin 2.3 mg/dL ≥ 2 mg/dL",
    ),
    ("total_bilirubin", {"labs.total_bilirubin": {"value": 34.1, "unit": "umol/L"}}, "pass", None),
    (
        "total_bilirubin",
        {"labs.total_bilirubin": {"value": 34.2, "unit": "umol/L"}},
        "fail",
        "total bilirubin 34.2 umol/L (2 mg/dL) ≥ 2 mg/dL",
    ),
    # AST and ALT no more than 5 × ULN.
    ("transaminases", {"labs.ast.value": 200, "labs.alt.value": 200}, "pass", None),
    (
        "transaminases",
        {"labs.ast.value": 201},
        "fail",
        "AST 201 U/L = 5.03 × ULN (40 U/L) > 5 × ULN",
    ),
    (
        "transaminases",
        {"labs.alt.value": 201},
        "fail",
        "ALT 201 U/L = 5.03 × ULN (40 U/L) > 5 × ULN",
    ),
    ("transaminases", {"labs.ast.value": 250, "labs.alt": None}, "fail", None),
    ("transaminases", {"labs.alt": None}, "unknown", None),
    ("transaminases", {"labs.ast.uln": None}, "unknown", None),
    # Alkaline phosphatase < 4 × ULN.
    (
        "alkaline_phosphatase",
        {"labs.alp.value": 499},
        "pass",
        "alkaline phosphatase 499 U/L = 3.99 × ULN (125 U/L) < 4 × ULN",
    ),
    (
        "alkaline_phosphatase",
        {"labs.alp.value": 500},
        "fail",
        "alkaline phosphatase 500 U/L = 4 × ULN (125 U/L) ≥ 4 × ULN",
    ),
    ("alkaline_phosphatase", {"labs.alp.uln": None}, "unknown", None),
    # ECOG 0, 1 or 2.
    ("ecog", {"ecog": 2}, "pass", "ECOG 2 ≤ 2"),
    ("ecog", {"ecog": 3}, "fail", "ECOG 3 > 2"),
    # Age > 18 years (the criterion's text, the default setting).
    ("age", {"age_years": 19}, "pass", "age 19 years > 18 years"),
    ("age", {"age_years": 18}, "fail", "age 18 years ≤ 18 years"),
    # Consent.
    ("consent", {"consent_signed": False}, "fail", None),
    # Exclusion: active infection > grade 2 (NCI-CTCAE v3.0).
    (
        "active_infection",
        {"history.active_infection_grade": 2},
        "pass",
        "active infection grade 2 (CTCAE v3.0) ≤ 2",
    ),
    (
        "active_infection",
        {"history.active_infection_grade": 3},
        "fail",
        "active infection grade 3 (CTCAE v3.0) > 2",
    ),
    # Exclusion: encephalopathy, any grade.
    ("encephalopathy", {"liver.encephalopathy_grade": 0}, "pass", None),
    ("encephalopathy", {"liver.encephalopathy_grade": 1}, "fail", "encephalopathy grade 1 ≥ 1"),
]


@pytest.mark.parametrize(("rule", "changes", "status", "reason"), THRESHOLD_CASES)
def test_threshold(
    rule: str, changes: dict[str, Any], status: str, reason: str | None, judge: Judge
) -> None:
    result = judge(rule, changes)
    assert result.status == status, result.reason
    if reason is not None:
        assert result.reason == reason


def test_structured_age_setting_takes_18_and_older(judge: Judge) -> None:
    """The registry's structured field reads "18 Years and older"."""
    structured = EligibilitySettings(age_rule="structured")
    assert judge("age", {"age_years": 18}, structured) == RuleResult(
        "pass", "age 18 years ≥ 18 years"
    )
    assert judge("age", {"age_years": 17}, structured).status == "fail"


COAGULATION_CASES = [
    # "Prothrombin time > 50% 或 PT-INR < 2.3": either condition suffices.
    pytest.param(51, 2.5, "pass", id="pt-only"),
    pytest.param(40, 2.2, "pass", id="inr-only"),
    pytest.param(50, 2.3, "fail", id="both-on-the-boundary"),
    pytest.param(30, 3.0, "fail", id="neither"),
    pytest.param(None, 2.29, "pass", id="pt-missing-inr-passes"),
    pytest.param(60, None, "pass", id="inr-missing-pt-passes"),
    pytest.param(None, 2.3, "unknown", id="pt-missing-inr-fails"),
    pytest.param(50, None, "unknown", id="inr-missing-pt-fails"),
    pytest.param(None, None, "unknown", id="both-missing"),
]


@pytest.mark.parametrize(("activity", "inr", "status"), COAGULATION_CASES)
def test_coagulation_either_suffices(
    activity: float | None, inr: float | None, status: str, judge: Judge
) -> None:
    changes: dict[str, Any] = {
        "labs.prothrombin_activity": None if activity is None else {"value": activity, "unit": "%"},
        "labs.inr": None if inr is None else {"value": inr, "unit": ""},
    }
    result = judge("coagulation", changes)
    assert result.status == status, result.reason


def test_coagulation_fail_quotes_both_values(judge: Judge) -> None:
    result = judge(
        "coagulation",
        {"labs.prothrombin_activity.value": 45, "labs.inr.value": 2.4},
    )
    assert result == RuleResult(
        "fail", "neither holds: prothrombin activity 45% ≤ 50%; PT-INR 2.4 ≥ 2.3"
    )


# Child-Pugh: eligible record scores 5 (bilirubin 0.8, albumin 3.9, INR 1.1, no ascites, HE 0).
CHILD_PUGH_CASES = [
    pytest.param({"labs.albumin.value": 3.0}, "pass", "Child-Pugh 6 points, class A", id="6-A"),
    pytest.param(
        {"labs.albumin.value": 3.0, "liver.ascites": "mild"},
        "fail",
        "Child-Pugh 7 points, class B",
        id="7-B",
    ),
    pytest.param(
        {"labs.albumin": None},
        "unknown",
        "Child-Pugh 5–7 points: albumin not recorded",
        id="missing",
    ),
    pytest.param(
        {"labs.albumin.value": 2.5, "liver.ascites": "moderate", "labs.inr": None},
        "fail",
        "Child-Pugh ≥ 9 points, not class A (INR not recorded)",
        id="fails-whatever-is-missing",
    ),
    pytest.param(
        {"labs.albumin": {"value": 29, "unit": "g/L"}},
        "pass",
        "Child-Pugh 6 points, class A",
        id="albumin-in-g-per-l",
    ),
]


@pytest.mark.parametrize(("changes", "status", "reason"), CHILD_PUGH_CASES)
def test_child_pugh_a(changes: dict[str, Any], status: Status, reason: str, judge: Judge) -> None:
    assert judge("child_pugh_a", changes) == RuleResult(status, reason)


def test_child_pugh_albumin_cutoff_is_a_setting(judge: Judge) -> None:
    """Albumin 2.9 g/dL: 2 points with the 2.8 cut-off (oncology), 3 with 3.0 (textbooks)."""
    changes = {"labs.albumin.value": 2.9}
    assert judge("child_pugh_a", changes).status == "pass"
    strict = EligibilitySettings(albumin_cutoff_g_dl=3.0)
    assert judge("child_pugh_a", changes, strict).status == "fail"


SEVEN_WITH_ASCITES_CASES = [
    # Exclusion "Child Pugh Score is 7 with ascites".
    pytest.param({"labs.albumin.value": 3.0, "liver.ascites": "mild"}, "fail", id="7-with-ascites"),
    pytest.param({"liver.ascites": "mild"}, "pass", id="6-with-ascites"),
    pytest.param({"labs.albumin.value": 2.5, "liver.ascites": "mild"}, "pass", id="8-with-ascites"),
    pytest.param({"labs.albumin.value": 3.0}, "pass", id="no-ascites"),
    pytest.param({"liver.ascites": None}, "unknown", id="ascites-missing"),
    pytest.param({"labs.albumin": None, "liver.ascites": "mild"}, "unknown", id="score-6-to-8"),
    pytest.param(
        {"liver.ascites": None, "labs.albumin.value": 2.5, "labs.total_bilirubin.value": 3.5},
        "pass",
        id="ascites-missing-score-above-7",
    ),
]


@pytest.mark.parametrize(("changes", "status"), SEVEN_WITH_ASCITES_CASES)
def test_child_pugh_7_with_ascites(changes: dict[str, Any], status: str, judge: Judge) -> None:
    result = judge("child_pugh_7_ascites", changes)
    assert result.status == status, result.reason


HCC_CASES = [
    # "histopathology, Two radiographic techniques ... with typical arterial hypervascularization".
    pytest.param({"hcc_confirmation": {"histopathology": True}}, "pass", id="histopathology"),
    pytest.param(
        {"hcc_confirmation": {"histopathology": False, "typical_imaging_techniques": 2}},
        "pass",
        id="two-imaging",
    ),
    pytest.param(
        {"hcc_confirmation": {"histopathology": False, "typical_imaging_techniques": 1}},
        "fail",
        id="one-imaging",
    ),
    pytest.param(
        {"hcc_confirmation": {"typical_imaging_techniques": 1}}, "unknown", id="histo-missing"
    ),
    pytest.param({"hcc_confirmation": {"histopathology": False}}, "unknown", id="imaging-missing"),
]


@pytest.mark.parametrize(("changes", "status"), HCC_CASES)
def test_hcc_confirmed(changes: dict[str, Any], status: str, judge: Judge) -> None:
    result = judge("hcc_confirmed", changes)
    assert result.status == status, result.reason


def test_bclc_c_is_required_by_default(judge: Judge) -> None:
    """A BCLC-B candidate (multinodular, no invasion or spread, ECOG 0; Reig 2022) fails by
    default, as the official title asks for BCLC-C, and passes with ``--no-require-bclc-c``."""
    stage_b = {
        "ecog": 0,
        "tumour": {
            "macrovascular_invasion": False,
            "extrahepatic_spread": False,
            "nodules": 4,
            "largest_nodule_cm": 5.0,
        },
    }
    reported = EligibilitySettings(require_bclc_c=False)
    assert judge("hcc_confirmed", stage_b, reported).status == "pass"
    required = EligibilitySettings()
    assert required.require_bclc_c
    assert judge("hcc_confirmed", stage_b) == RuleResult(
        "fail", "HCC confirmed by histopathology; BCLC stage B (2022), not C"
    )
    assert judge("hcc_confirmed", {}, required).status == "pass"  # macrovascular invasion: C
    assert judge("hcc_confirmed", {"tumour": None}, required).status == "unknown"


PREGNANCY_CASES = [
    pytest.param({"sex": "female", "pregnant": True}, "fail", id="pregnant"),
    pytest.param({"sex": "female", "pregnant": False}, "pass", id="not-pregnant"),
    pytest.param({"sex": "female"}, "unknown", id="woman-not-recorded"),
    pytest.param({"sex": "male"}, "pass", id="man"),
]


@pytest.mark.parametrize(("changes", "status"), PREGNANCY_CASES)
def test_pregnancy(changes: dict[str, Any], status: str, judge: Judge) -> None:
    assert judge("pregnancy", changes).status == status


FLAGS = [
    ("severe_cardiovascular_disease", "history.severe_cardiovascular_disease"),
    ("uncontrolled_hypertension", "history.uncontrolled_hypertension"),
    ("hiv", "history.hiv"),
    ("gi_bleeding", "history.gi_bleeding_history"),
    ("seizures", "history.seizures_requiring_drugs"),
    ("allograft", "history.allograft_transplant"),
    ("bleeding", "history.bleeding_signs"),
    ("dialysis", "history.dialysis"),
    ("uncontrollable_ascites", "history.uncontrollable_ascites"),
    ("metastatic_liver_cancer", "metastatic_liver_cancer"),
]


@pytest.mark.parametrize(("rule", "path"), FLAGS)
def test_exclusion_flag(rule: str, path: str, judge: Judge) -> None:
    present = judge(rule, {path: True})
    assert present.status == "fail"
    assert present.reason.endswith(": yes")
    assert judge(rule, {path: False}).status == "pass"
    missing = judge(rule, {path: None})
    assert missing.status == "unknown"
    assert missing.reason.endswith("not recorded")


def test_settings_tag_names_what_differs() -> None:
    assert EligibilitySettings().tag() == ""
    assert EligibilitySettings(age_rule="structured", require_bclc_c=False).tag() == (
        "age=structured,bclc_c=not_required"
    )
    every = EligibilitySettings(
        first_line=False,
        gi_bleeding_window_days=30,
        bleeding_window_days=90,
        metastatic_liver_cancer="with_extrahepatic_spread",
        cardiovascular_nyha_max=2,
    )
    assert every.tag() == (
        "first_line=chemo_6_months,gi_bleeding_window=30d,bleeding_window=90d,"
        "metastatic=with_extrahepatic_spread,nyha_max=2"
    )
