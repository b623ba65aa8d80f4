"""The built-in protocol NCT02672488: content, recorded corrections, and its registry origin."""

from __future__ import annotations

from typing import Any

import pytest

from metsor.errors import NotFoundError
from metsor.protocol import Protocol, builtin, from_ctgov_v2, known_protocols
from metsor.protocol.model import Dose

# The criteria ids the eligibility rules are keyed by, in registry order.
INCLUSION_IDS = [
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
]
EXCLUSION_IDS = [
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
]


def test_known_protocols() -> None:
    assert known_protocols() == ("NCT00105443", "NCT02672488")


def test_builtin_is_cached_and_case_insensitive() -> None:
    assert builtin() is builtin("NCT02672488")
    assert builtin("nct02672488") == builtin()


def test_unknown_id_lists_the_known_ones() -> None:
    known = "known: NCT00105443, NCT02672488"
    with pytest.raises(NotFoundError, match=f"no built-in protocol 'NCT00000000'; {known}"):
        builtin("NCT00000000")


def test_identity_status_and_dates(corrected: Protocol) -> None:
    assert corrected.nct_id == "NCT02672488"
    assert corrected.acronym == "METSOR"
    assert corrected.brief_title == "Metformin Plus Sorafenib for Advanced HCC"
    assert corrected.official_title is not None
    assert corrected.official_title.endswith("A Phase 2 Randomized Study")
    assert corrected.sponsor.lead == "Tianjin Medical University Cancer Institute and Hospital"
    assert corrected.other_ids == ("METSOR",)
    status = corrected.status
    assert status.start is not None
    assert status.primary_completion is not None
    assert status.completion is not None
    assert (status.start.date, status.primary_completion.date, status.completion.date) == (
        "2015-12",
        "2017-12",
        "2018-12",
    )
    assert status.verified == "2015-12"
    assert status.first_posted is not None
    assert status.first_posted.date == "2016-02-03"
    assert (status.overall_status, status.last_known_status) == ("UNKNOWN", "RECRUITING")
    assert corrected.phases == ("PHASE2",)


def test_design_is_82_patients_randomized_one_to_one(corrected: Protocol) -> None:
    d = corrected.design
    assert d.target_enrollment == 82
    assert d.allocation_ratio == (1, 1)
    assert (d.study_type, d.allocation, d.intervention_model, d.masking, d.primary_purpose) == (
        "INTERVENTIONAL",
        "RANDOMIZED",
        "PARALLEL",
        "NONE",
        "TREATMENT",
    )


def test_arms(corrected: Protocol) -> None:
    assert [(a.label, a.type, a.intervention_names) for a in corrected.arms] == [
        ("Sorafenib and Metformin", "EXPERIMENTAL", ("Sorafenib", "Metformin")),
        ("Sorafenib Alone", "ACTIVE_COMPARATOR", ("Sorafenib",)),
    ]


def test_sorafenib_dose_is_corrected_to_400_mg_twice_daily(corrected: Protocol) -> None:
    # Nexavar label: 400 mg twice daily without food.
    assert corrected.intervention("Sorafenib").dose == Dose(
        quantity=400, unit="mg", frequency="BID", route="oral", food_rule="without_food"
    )
    assert corrected.intervention("Metformin").dose == Dose(
        quantity=500, unit="mg", frequency="BID", route="oral", food_rule="with_food"
    )
    unit = next(c for c in corrected.corrections if c.field.endswith("dose.unit"))
    assert (unit.field, unit.registered, unit.corrected) == (
        "interventions[Sorafenib].dose.unit",
        "µg",
        "mg",
    )
    assert "Nexavar" in unit.source


def test_criteria_ids_text_and_rules(corrected: Protocol) -> None:
    assert [c.id for c in corrected.criteria_of("inclusion")] == INCLUSION_IDS
    assert [c.id for c in corrected.criteria_of("exclusion")] == EXCLUSION_IDS
    assert all(c.rule == c.id for c in corrected.criteria)
    assert corrected.criterion("coagulation").text == "Prothrombin time > 50% 或 PT-INR < 2.3"
    assert corrected.criterion("hcc_confirmed").text.startswith(
        "Confirmed hepatocellular carcinoma according to one of following three criteria: "
        "histopathology,Two radiographic techniques"
    )


def test_outcomes_eligibility_and_people(corrected: Protocol) -> None:
    assert [(o.measure, o.type, o.time_frame_months) for o in corrected.outcomes] == [
        ("Overall Survival", "primary", 12.0),
        ("Time To Progression", "secondary", 12.0),
        ("Progression Free Survival", "secondary", 12.0),
        ("Objective Response Rate", "secondary", 12.0),
    ]
    e = corrected.eligibility
    assert (e.minimum_age_years, e.sexes, e.healthy_volunteers) == (18.0, "ALL", False)
    assert corrected.principal_investigator is not None
    assert corrected.principal_investigator.name == "Ti Zhang, MD"
    assert [c.email for c in corrected.sites[0].contacts] == [
        "zhangti@tjmuch.com",
        "lihuikai@tjmuch.com",
    ]
    assert corrected.contacts[0].phone_ext == "6012"
    assert corrected.ipd_sharing is not None
    assert corrected.ipd_sharing.plan == "YES"


def test_assumptions_and_their_sources(corrected: Protocol) -> None:
    a = corrected.assumptions
    assert a is not None
    assert (a.median_os_control_months, a.median_os_experimental_months) == (10.7, 14.0)
    assert (a.alpha, a.sides, a.accrual_months, a.follow_up_months) == (0.05, 2, 24.0, 12.0)
    assert "SHARP" in a.sources["median_os_control_months"]


def test_builtin_is_the_registry_record_plus_its_recorded_corrections(
    record: dict[str, Any], corrected: Protocol
) -> None:
    """Every difference from the registry record is one the built-in file records, or what
    makes it runnable and the registry does not state (arm codes and short labels, the study
    drugs' dose levels and label rules, the stratification, the design assumptions)."""
    imported = from_ctgov_v2(record)
    recorded = {c.field: c.corrected for c in corrected.corrections}
    assert recorded == {
        "interventions[Sorafenib].dose.unit": "mg",
        "interventions[Sorafenib].dose.food_rule": "without_food",
        "acronym": "METSOR",
        "design.allocation_ratio": "1:1",
    }
    sorafenib = imported.intervention("Sorafenib")
    assert sorafenib.dose is not None
    dose = sorafenib.dose.model_copy(update={"unit": "mg", "food_rule": "without_food"})
    expected = imported.model_copy(
        update={
            "acronym": "METSOR",
            "design": imported.design.model_copy(update={"allocation_ratio": (1, 1)}),
            "interventions": tuple(
                i.model_copy(update={"dose": dose}) if i.name == "Sorafenib" else i
                for i in imported.interventions
            ),
            "arms": tuple(
                arm.model_copy(update={"code": mine.code, "short_label": mine.short_label})
                for arm, mine in zip(imported.arms, corrected.arms, strict=True)
            ),
            "corrections": corrected.corrections,
            "assumptions": corrected.assumptions,
            "monitoring": corrected.monitoring,
            "study_drugs": corrected.study_drugs,
            "stratification": corrected.stratification,
        }
    )
    assert expected.model_dump() == corrected.model_dump()
