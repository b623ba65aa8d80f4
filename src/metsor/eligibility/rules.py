"""The eligibility criteria of NCT02672488 as rules over a screening record.

One named rule per criterion id; each takes a :class:`~metsor.eligibility.record.ScreeningRecord`
and returns a :class:`~metsor.eligibility.thresholds.RuleResult`: "pass" when the criterion does
not stand in the way (an inclusion met, an exclusion's condition absent), "fail" when it makes
the patient ineligible, "unknown" when the record lacks what the rule needs. Every threshold is
the registry record's (ClinicalTrials.gov NCT02672488, verified December 2015).

Choices the record leaves open are settings (:class:`EligibilitySettings`, documented in
:mod:`metsor.eligibility.interpretations`): the age rule, BCLC-C, first line, the Child-Pugh
albumin cut-off, the bleeding windows, "metastatic liver cancer" and severe cardiovascular
disease.

"Child Pugh score is 7 with ascites" is redundant with the inclusion "Child Pugh class A"
(7 points is class B); both are checked as written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from metsor.eligibility.derived import BCLC_VERSION, bclc_of, child_pugh_bounds
from metsor.eligibility.interpretations import (
    EligibilitySettings,
    cardiovascular_rule,
    first_line_rule,
    flag,
    metastatic_rule,
    within_window_rule,
)
from metsor.eligibility.record import ScreeningRecord
from metsor.eligibility.thresholds import (
    RuleResult,
    Threshold,
    UlnThreshold,
    both,
    either,
)

__all__ = [
    "RULES",
    "EligibilitySettings",
    "Rule",
    "RuleResult",
    "age_rule",
    "ecog_rule",
    "infection_rule",
    "rules_for",
]

Rule = Callable[[ScreeningRecord], RuleResult]

AGE_CRITERION_YEARS = 18
"""Registry criterion "Age > 18 years old"; the structured field reads "18 Years and older"."""
ECOG_MAX = 2
"""Registry criterion "ECOG performance status 0, 1 or 2"."""
INFECTION_GRADE_MAX = 2
"""Registry exclusion "Active clinical severe infection (> grade 2, NCI-CTCAE Version 3.0)"."""
IMAGING_TECHNIQUES_MIN = 2
"""Registry: "Two radiographic techniques (US, MRI, CT, or Angiography)" confirm HCC."""


def consent(record: ScreeningRecord) -> RuleResult:
    """Written informed consent signed (by the patient or a legal representative)."""
    if record.consent_signed is None:
        return RuleResult("unknown", "informed consent not recorded")
    if record.consent_signed:
        return RuleResult("pass", "written informed consent signed")
    return RuleResult("fail", "written informed consent not signed")


def _hcc_confirmation(record: ScreeningRecord) -> RuleResult:
    confirmation = record.hcc_confirmation
    histopathology = confirmation.histopathology if confirmation else None
    imaging = confirmation.typical_imaging_techniques if confirmation else None
    if histopathology:
        return RuleResult("pass", "HCC confirmed by histopathology")
    if imaging is not None and imaging >= IMAGING_TECHNIQUES_MIN:
        return RuleResult(
            "pass",
            f"HCC confirmed by {imaging} imaging techniques with typical arterial "
            f"hypervascularization (≥ {IMAGING_TECHNIQUES_MIN})",
        )
    imaging_text = (
        "imaging not recorded"
        if imaging is None
        else f"{imaging} typical imaging technique(s) (< {IMAGING_TECHNIQUES_MIN})"
    )
    if histopathology is False and imaging is not None:
        return RuleResult("fail", f"HCC not confirmed: no histopathology, {imaging_text}")
    histology_text = (
        "histopathology not recorded" if histopathology is None else "no histopathology"
    )
    return RuleResult("unknown", f"HCC confirmation incomplete: {histology_text}, {imaging_text}")


def _hcc_confirmed(settings: EligibilitySettings) -> Rule:
    def hcc_confirmed(record: ScreeningRecord) -> RuleResult:
        """HCC confirmed by histopathology or ≥ 2 imaging techniques (and BCLC-C if required)."""
        confirmed = _hcc_confirmation(record)
        if confirmed.status != "pass" or not settings.require_bclc_c:
            return confirmed
        stage = bclc_of(record, child_pugh_bounds(record, settings.albumin_cutoff_g_dl))
        if stage is None:
            return RuleResult("unknown", f"{confirmed.reason}; BCLC stage not derivable")
        text = f"{confirmed.reason}; BCLC stage {stage} ({BCLC_VERSION})"
        return RuleResult(
            "pass" if stage == "C" else "fail", text + ("" if stage == "C" else ", not C")
        )

    return hcc_confirmed


def age_rule(
    settings: EligibilitySettings, years: int = AGE_CRITERION_YEARS, inclusive: bool | None = None
) -> Rule:
    """Age above ``years`` (criterion) or ``years`` and older (structured field, or
    ``inclusive``: a protocol that states "and above" itself)."""
    strict = settings.age_rule == "criterion" if inclusive is None else not inclusive
    sign, negation = (">", "≤") if strict else ("≥", "<")

    def age(record: ScreeningRecord) -> RuleResult:
        needs = f"{sign} {years} years"
        if record.age_years is None:
            return RuleResult("unknown", f"age not recorded (needs {needs})")
        recorded = record.age_years
        ok = recorded > years if strict else recorded >= years
        if ok:
            return RuleResult("pass", f"age {recorded} years {needs}")
        return RuleResult("fail", f"age {recorded} years {negation} {years} years")

    return age


def _child_pugh_a(settings: EligibilitySettings) -> Rule:
    def child_pugh_a(record: ScreeningRecord) -> RuleResult:
        """Liver disease of Child-Pugh class A (5–6 points)."""
        bounds = child_pugh_bounds(record, settings.albumin_cutoff_g_dl)
        missing = ", ".join(bounds.missing)
        best, worst = bounds.best.points, bounds.worst.points
        cls = bounds.child_pugh_class
        if bounds.known is not None:
            text = f"Child-Pugh {best} points, class {bounds.known.child_pugh_class}"
            return RuleResult("pass" if cls == "A" else "fail", text)
        if best >= 7:
            return RuleResult(
                "fail", f"Child-Pugh ≥ {best} points, not class A ({missing} not recorded)"
            )
        return RuleResult("unknown", f"Child-Pugh {best}–{worst} points: {missing} not recorded")

    return child_pugh_a


def ecog_rule(most: int = ECOG_MAX) -> Rule:
    """ECOG performance status at most ``most`` (the registry's 0, 1 or 2 by default)."""

    def ecog(record: ScreeningRecord) -> RuleResult:
        if record.ecog is None:
            return RuleResult("unknown", f"ECOG not recorded (needs 0–{most})")
        if record.ecog <= most:
            return RuleResult("pass", f"ECOG {record.ecog} ≤ {most}")
        return RuleResult("fail", f"ECOG {record.ecog} > {most}")

    return ecog


ecog = ecog_rule()
"""ECOG performance status 0, 1 or 2."""


def sex_any(record: ScreeningRecord) -> RuleResult:
    """Both men and women, of all races and ethnic groups, are eligible."""
    recorded = f"{record.sex}; " if record.sex else ""
    return RuleResult("pass", f"{recorded}both men and women are eligible")


def _child_pugh_7_ascites(settings: EligibilitySettings) -> Rule:
    def child_pugh_7_ascites(record: ScreeningRecord) -> RuleResult:
        """Exclusion: Child-Pugh score of 7 with ascites."""
        ascites = record.liver.ascites if record.liver else None
        if ascites == "none":
            return RuleResult("pass", "no ascites")
        bounds = child_pugh_bounds(record, settings.albumin_cutoff_g_dl)
        best, worst = bounds.best.points, bounds.worst.points
        score = (
            f"Child-Pugh {best} points" if best == worst else f"Child-Pugh {best}–{worst} points"
        )
        if not best <= 7 <= worst:
            return RuleResult("pass", f"{score}, not 7")
        if ascites is None:
            return RuleResult("unknown", f"{score}; ascites not recorded")
        if best == worst == 7:
            return RuleResult("fail", f"Child-Pugh 7 points with {ascites} ascites")
        return RuleResult(
            "unknown", f"{score} with {ascites} ascites: {', '.join(bounds.missing)} not recorded"
        )

    return child_pugh_7_ascites


def infection_rule(most: int = INFECTION_GRADE_MAX) -> Rule:
    """Exclusion: active clinical infection above grade ``most`` (NCI-CTCAE v3.0)."""

    def active_infection(record: ScreeningRecord) -> RuleResult:
        grade = record.history.active_infection_grade if record.history else None
        if grade is None:
            return RuleResult("unknown", "active infection grade not recorded")
        text = f"active infection grade {grade} (CTCAE v3.0)"
        if grade > most:
            return RuleResult("fail", f"{text} > {most}")
        return RuleResult("pass", f"{text} ≤ {most}")

    return active_infection


active_infection = infection_rule()
"""Exclusion: active clinical severe infection, > grade 2 (NCI-CTCAE v3.0)."""


def pregnancy(record: ScreeningRecord) -> RuleResult:
    """Exclusion: women who are pregnant."""
    if record.pregnant:
        return RuleResult("fail", "pregnant")
    if record.pregnant is False:
        return RuleResult("pass", "not pregnant")
    if record.sex == "male":
        return RuleResult("pass", "male")
    return RuleResult("unknown", "pregnancy status not recorded")


def encephalopathy(record: ScreeningRecord) -> RuleResult:
    """Exclusion: hepatic encephalopathy of any grade (≥ 1)."""
    grade = record.liver.encephalopathy_grade if record.liver else None
    if grade is None:
        return RuleResult("unknown", "encephalopathy grade not recorded")
    if grade >= 1:
        return RuleResult("fail", f"encephalopathy grade {grade} ≥ 1")
    return RuleResult("pass", "no encephalopathy (grade 0)")


def rules_for(settings: EligibilitySettings | None = None) -> Mapping[str, Rule]:
    """The rules of NCT02672488 by name, under the given settings.

    Parameters
    ----------
    settings
        Choices the registry leaves open; the defaults when None.

    Returns
    -------
    Mapping
        Rule name (the criterion id) to rule.
    """
    chosen = settings or EligibilitySettings()
    rules: dict[str, Rule] = {
        "consent": consent,
        "hcc_confirmed": _hcc_confirmed(chosen),
        "age": age_rule(chosen),
        "child_pugh_a": _child_pugh_a(chosen),
        "ecog": ecog,
        "hemoglobin": Threshold("hemoglobin", "hemoglobin", ">=", 9.0),
        "anc": Threshold("anc", "ANC", ">=", 1500.0),
        "platelets": Threshold("platelets", "platelets", ">=", 50_000.0),
        "total_bilirubin": Threshold("total_bilirubin", "total bilirubin", "<", 2.0),
        "transaminases": both(
            UlnThreshold("ast", "AST", "<=", 5.0), UlnThreshold("alt", "ALT", "<=", 5.0)
        ),
        "alkaline_phosphatase": UlnThreshold("alp", "alkaline phosphatase", "<", 4.0),
        "sex_any": sex_any,
        "coagulation": either(
            Threshold("prothrombin_activity", "prothrombin activity", ">", 50.0),
            Threshold("inr", "PT-INR", "<", 2.3),
        ),
        "child_pugh_7_ascites": _child_pugh_7_ascites(chosen),
        "severe_cardiovascular_disease": cardiovascular_rule(chosen),
        "uncontrolled_hypertension": flag(
            "history", "uncontrolled_hypertension", "uncontrolled hypertension"
        ),
        "hiv": flag("history", "hiv", "history of HIV infection"),
        "active_infection": active_infection,
        "pregnancy": pregnancy,
        "recent_systemic_chemo": first_line_rule(chosen),
        "gi_bleeding": within_window_rule(
            "gi_bleeding_history",
            "gi_bleeding_days_ago",
            "history of gastrointestinal bleeding",
            chosen.gi_bleeding_window_days,
        ),
        "seizures": flag("history", "seizures_requiring_drugs", "seizures requiring drug therapy"),
        "allograft": flag(
            "history", "allograft_transplant", "history of allograft transplantation"
        ),
        "bleeding": within_window_rule(
            "bleeding_signs",
            "bleeding_days_ago",
            "signs or history of bleeding",
            chosen.bleeding_window_days,
        ),
        "dialysis": flag("history", "dialysis", "kidney dialysis"),
        "metastatic_liver_cancer": metastatic_rule(chosen),
        "uncontrollable_ascites": flag(
            "history", "uncontrollable_ascites", "uncontrollable ascites"
        ),
        "encephalopathy": encephalopathy,
    }
    return MappingProxyType(rules)


RULES: Mapping[str, Rule] = rules_for()
"""The rules under the default settings, by name."""
