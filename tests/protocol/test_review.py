"""Protocol review: each fault of the registered NCT02672488 record is found, with its source.

Clinical facts behind the expected findings (see domain/CLINICAL-REFERENCE.md):
sorafenib 400 mg twice daily without food (Nexavar label); metformin 500-2550 mg a day with
meals, avoid in hepatic disease, hold around iodinated contrast (Glucophage label); Child-Pugh
class A is 5-6 points, 7 is class B (Pugh 1973).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from metsor.protocol import Assumptions, Finding, Protocol, from_ctgov_v2, review_protocol
from metsor.protocol.review import detectable_hazard_ratio

RTOL = 1e-9
#: Power and expected deaths of N 82, median OS 10.7 vs 14 months, accrual 24, follow-up 12,
#: two-sided alpha 0.05 (rpact 3.3.4, STATISTICS-REFERENCE.md); here only passed through.
POWER, EVENTS = 0.1786, 59.2


class RecordingPower:
    """A ``power_of`` that returns fixed figures and records what it was asked."""

    def __init__(self, power: float = POWER, events: float = EVENTS) -> None:
        self.figures = (power, events)
        self.calls: list[tuple[Assumptions, int]] = []

    def __call__(self, assumptions: Assumptions, n: int) -> tuple[float, float]:
        self.calls.append((assumptions, n))
        return self.figures


def by_code(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


@pytest.fixture
def registered_findings(registered: Protocol) -> list[Finding]:
    return review_protocol(registered, power_of=RecordingPower())


@pytest.mark.parametrize(
    ("code", "severity", "field", "words", "source"),
    [
        (
            "dose_implausible",
            "error",
            "interventions[Sorafenib].dose",
            ["400 µg", "400 mg BID", "1,000 times too low", "slip for mg"],
            "Nexavar",
        ),
        (
            "child_pugh_contradiction",
            "warning",
            "criteria[child_pugh_7_ascites]",
            ["score 7 (class B)", "class A (5-6 points)", "redundant"],
            "Pugh",
        ),
        (
            "food_conflict",
            "warning",
            "arms[Sorafenib and Metformin]",
            ["Metformin is taken with meals", "Sorafenib without food", "twice a day"],
            "Nexavar",
        ),
        (
            "label_hepatic_disease",
            "warning",
            "interventions[Metformin]",
            ["hepatic disease"],
            "Glucophage",
        ),
        (
            "label_iodinated_contrast",
            "warning",
            "interventions[Metformin]",
            ["iodinated contrast", "eGFR 48 hours after"],
            "Glucophage",
        ),
        (
            "age_contradiction",
            "warning",
            "criteria[age]",
            ["'Age > 18 years old'", "aged exactly 18", "18 years and older"],
            "minimum age",
        ),
        (
            "stage_as_diagnosis",
            "warning",
            "criteria[hcc_confirmed]",
            ["BCLC stage C", "staging system, not diagnostic evidence"],
            "Reig",
        ),
        (
            "ecog_range",
            "info",
            "criteria[ecog]",
            ["ECOG 0, 1, 2", "ECOG 0-1 is reported"],
            "not verified",
        ),
        (
            "non_english_text",
            "warning",
            "criteria[coagulation]",
            ["'或' means 'or'", "either condition suffices"],
            "criteria text",
        ),
        (
            "power",
            "warning",
            "design.target_enrollment",
            ["N 82", "power 0.1786", "10.7 vs 14 months", "HR 0.764", "59.2 expected deaths"],
            "Schoenfeld",
        ),
    ],
)
def test_each_fault_of_the_registered_record_is_found(
    registered_findings: list[Finding],
    code: str,
    severity: str,
    field: str,
    words: list[str],
    source: str,
) -> None:
    [finding] = by_code(registered_findings, code)
    assert (finding.severity, finding.field) == (severity, field)
    for word in words:
        assert word in finding.message
    assert source in finding.source


def test_findings_come_errors_first(registered_findings: list[Finding]) -> None:
    order = {"error": 0, "warning": 1, "info": 2}
    ranks = [order[f.severity] for f in registered_findings]
    assert ranks == sorted(ranks)
    assert registered_findings[0].code == "dose_implausible"


def test_the_corrected_dose_is_reported_as_corrected_not_as_an_error(corrected: Protocol) -> None:
    findings = review_protocol(corrected)
    assert by_code(findings, "dose_implausible") == []
    unit = next(f for f in by_code(findings, "dose_corrected") if f.field.endswith(".unit"))
    assert unit.severity == "info"
    assert "registered 'µg', corrected to 'mg'" in unit.message
    assert "Nexavar" in unit.source


def test_faults_not_corrected_remain_in_the_builtin_protocol(corrected: Protocol) -> None:
    codes = {f.code for f in review_protocol(corrected)}
    assert {"child_pugh_contradiction", "age_contradiction", "food_conflict"} <= codes
    assert "power" not in codes  # no power_of given


def test_power_finding_uses_the_protocols_assumptions_and_size(registered: Protocol) -> None:
    power_of = RecordingPower()
    [finding] = by_code(review_protocol(registered, power_of=power_of), "power")
    assert power_of.calls == [(registered.assumptions, 82)]
    hr_80 = detectable_hazard_ratio(EVENTS, alpha=0.05, sides=2, power=0.8)
    assert f"HR {hr_80:.2f} or below" in finding.message
    assert "HR 0.48 or below" in finding.message


def test_enough_power_is_a_note(registered: Protocol) -> None:
    [finding] = by_code(review_protocol(registered, power_of=RecordingPower(0.85, 300)), "power")
    assert finding.severity == "info"


def test_without_assumptions_power_is_not_computed(record: dict[str, Any]) -> None:
    power_of = RecordingPower()
    [finding] = by_code(review_protocol(from_ctgov_v2(record), power_of=power_of), "power")
    assert finding.severity == "info"
    assert "power not known" in finding.message
    assert power_of.calls == []


def test_detectable_hazard_ratio_inverts_schoenfelds_event_count() -> None:
    """Schoenfeld: D = (z_{1-a/2} + z_{power})^2 / (p (1-p) log(HR)^2)."""
    z_alpha, z_power = 1.959963984540054, 0.8416212335729143
    for allocation in (0.5, 2 / 3):
        hr = detectable_hazard_ratio(59.2, alpha=0.05, sides=2, power=0.8, allocation=allocation)
        events = (z_alpha + z_power) ** 2 / (allocation * (1 - allocation) * math.log(hr) ** 2)
        assert events == pytest.approx(59.2, rel=RTOL)
    # CLINICAL-REFERENCE.md: ~59 deaths detect only a hazard ratio near 0.48 with 80% power.
    assert detectable_hazard_ratio(59.2, alpha=0.05, sides=2, power=0.8) == pytest.approx(
        0.48, abs=5e-3
    )


def _edit(protocol: Protocol, criterion_id: str, text: str) -> Protocol:
    criteria = tuple(
        c.model_copy(update={"text": text}) if c.id == criterion_id else c
        for c in protocol.criteria
    )
    return protocol.model_copy(update={"criteria": criteria})


@pytest.mark.parametrize(
    ("criterion_id", "text", "code"),
    [
        ("age", "Age ≥ 18 years old", "age_contradiction"),
        ("child_pugh_7_ascites", "Child Pugh Score is 6 with ascites", "child_pugh_contradiction"),
        ("coagulation", "Prothrombin time > 50% or PT-INR < 2.3", "non_english_text"),
        ("ecog", "ECOG performance status 0 or 1", "ecog_range"),
        ("hcc_confirmed", "Confirmed hepatocellular carcinoma by histology", "stage_as_diagnosis"),
    ],
)
def test_a_mended_criterion_is_no_longer_found(
    registered: Protocol, criterion_id: str, text: str, code: str
) -> None:
    assert by_code(review_protocol(registered), code) != []
    assert by_code(review_protocol(_edit(registered, criterion_id, text)), code) == []


def test_an_age_bound_other_than_the_minimum_age(registered: Protocol) -> None:
    [finding] = by_code(review_protocol(_edit(registered, "age", "Age ≥ 20")), "age_contradiction")
    assert "disagrees with the registry's minimum age of 18 years" in finding.message


def test_an_exclusion_of_class_b_points_when_class_b_is_admitted(registered: Protocol) -> None:
    widened = _edit(registered, "child_pugh_a", "Child Pugh class A or B")
    assert by_code(review_protocol(widened), "child_pugh_contradiction") == []


def _dose(protocol: Protocol, name: str, **update: Any) -> Protocol:
    interventions = tuple(
        i.model_copy(update={"dose": i.dose.model_copy(update=update)})
        if i.name == name and i.dose is not None
        else i
        for i in protocol.interventions
    )
    return protocol.model_copy(update={"interventions": interventions})


def test_a_dose_outside_the_label_range_without_a_unit_slip(registered: Protocol) -> None:
    # Metformin label: at most 2550 mg a day; 2000 mg twice daily is 4000 mg.
    protocol = _dose(registered, "Metformin", quantity=2000)
    [finding] = [
        f for f in by_code(review_protocol(protocol), "dose_implausible") if "Metformin" in f.field
    ]
    assert finding.message.endswith("outside the label's range")
    assert "4000 mg a day" in finding.message


def test_an_unknown_unit_is_an_error(registered: Protocol) -> None:
    protocol = _dose(registered, "Metformin", unit="tablet")
    [finding] = [
        f for f in by_code(review_protocol(protocol), "dose_implausible") if "Metformin" in f.field
    ]
    assert "unit or frequency not understood" in finding.message


def test_no_food_conflict_at_different_frequencies(registered: Protocol) -> None:
    protocol = _dose(registered, "Metformin", frequency="QD")
    assert by_code(review_protocol(protocol), "food_conflict") == []


class RecordingRegisteredPower:
    """A ``registered_power_of`` that returns fixed figures and records what it was asked."""

    def __init__(self, power: float = 0.1372, events: float = 40.5) -> None:
        self.figures = (power, events)
        self.calls: list[tuple[Assumptions, int, float]] = []

    def __call__(self, assumptions: Assumptions, n: int, horizon: float) -> tuple[float, float]:
        self.calls.append((assumptions, n, horizon))
        return self.figures


def test_registered_power_sits_beside_the_full_follow_up_power(registered: Protocol) -> None:
    """The registry's OS time frame is 12 months; the design's 59.2 deaths count to month 36."""
    registered_power_of = RecordingRegisteredPower()
    findings = review_protocol(
        registered, power_of=RecordingPower(), registered_power_of=registered_power_of
    )
    [finding] = by_code(findings, "registered_power")
    assert registered_power_of.calls == [(registered.assumptions, 82, 12.0)]
    assert finding.severity == "warning"
    assert finding.field == "outcomes[Overall Survival].time_frame"
    for words in (
        "within 12 months of randomization",
        "40.5 expected deaths and power 0.1372",
        "month 36 (full follow-up) gives 59.2 and power 0.1786",
        "The design assumes the full-follow-up analysis, which is not the analysis registered",
    ):
        assert words in finding.message


def test_a_time_frame_covering_the_analysis_is_one_analysis(registered: Protocol) -> None:
    outcomes = tuple(
        o.model_copy(update={"time_frame_months": 36.0}) if o.type == "primary" else o
        for o in registered.outcomes
    )
    protocol = registered.model_copy(update={"outcomes": outcomes})
    findings = review_protocol(
        protocol, power_of=RecordingPower(), registered_power_of=RecordingRegisteredPower()
    )
    [finding] = by_code(findings, "registered_power")
    assert finding.severity == "info"
    assert "the time frame covers it, so the two are one" in finding.message


def test_registered_power_needs_both_figures(registered: Protocol) -> None:
    registered_power_of = RecordingRegisteredPower()
    findings = review_protocol(registered, registered_power_of=registered_power_of)
    assert by_code(findings, "registered_power") == []
    assert registered_power_of.calls == []


def test_registered_power_of_the_builtin_design(registered: Protocol) -> None:
    """With metsor.design's figures: 40.5 deaths within 12 months (power 0.1372), 59.2 in all."""
    from metsor.design.registered_analysis import power_within

    def figures(a: Assumptions, n: int, horizon: float = math.inf) -> tuple[float, float]:
        r = power_within(
            n=n,
            median_control=a.median_os_control_months,
            median_experimental=a.median_os_experimental_months,
            alpha=a.alpha,
            sides=a.sides,
            accrual_months=a.accrual_months,
            follow_up_months=a.follow_up_months,
            horizon_months=horizon,
        )
        return r.power, r.expected_events

    findings = review_protocol(registered, power_of=figures, registered_power_of=figures)
    [finding] = by_code(findings, "registered_power")
    assert "40.5 expected deaths and power 0.1372" in finding.message
    assert "gives 59.2 and power 0.1786" in finding.message
