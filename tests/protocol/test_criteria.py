"""Splitting the registry's criteria text, and naming each criterion's rule."""

from __future__ import annotations

import pytest

from metsor.protocol.criteria import match_rule, split_criteria


def test_bullets_continuation_lines_and_headings() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "* Confirmed hepatocellular carcinoma by one of:\n\n"
        "histopathology, typical imaging\n"
        "* Age > 18 years old\n\n"
        "Exclusion Criteria:\n\n"
        "- Encephalopathy\n"
        "2. Patients undergoing kidney dialysis\n"
    )
    assert split_criteria(text) == {
        "inclusion": [
            "Confirmed hepatocellular carcinoma by one of: histopathology, typical imaging",
            "Age > 18 years old",
        ],
        "exclusion": ["Encephalopathy", "Patients undergoing kidney dialysis"],
    }


def test_an_empty_bullet_takes_the_lines_that_follow() -> None:
    text = "Inclusion Criteria:\n-\nConfirmed HCC by histology\n- Age > 18 years old"
    assert split_criteria(text)["inclusion"] == ["Confirmed HCC by histology", "Age > 18 years old"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Age > 18", "no 'Inclusion Criteria:'"),
        ("Adults only\nInclusion Criteria:\n* Age > 18", "text before"),
    ],
)
def test_text_without_headings_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        split_criteria(text)


@pytest.mark.parametrize(
    ("kind", "text", "rule"),
    [
        ("inclusion", "Hemoglobin ≥ 9 g/dL", "hemoglobin"),
        ("inclusion", "Child-Pugh class A liver function", "child_pugh_a"),
        ("inclusion", "INR < 2.3", "coagulation"),
        ("exclusion", "History of HIV infection", "hiv"),
        ("exclusion", "Active clinical severe infection", "active_infection"),
        ("exclusion", "Presence of History of gastrointestinal bleeding", "gi_bleeding"),
        ("exclusion", "Patients with signs of bleeding", "bleeding"),
        ("exclusion", "Uncontrollable ascites", "uncontrollable_ascites"),
        ("exclusion", "Known allergy to contrast media", None),
        ("inclusion", "Life expectancy of at least 12 weeks", None),
    ],
)
def test_match_rule(kind: str, text: str, rule: str | None) -> None:
    assert match_rule(kind, text) == rule  # type: ignore[arg-type]


def test_a_rule_is_given_once() -> None:
    assert match_rule("exclusion", "Bleeding of any kind", taken=["bleeding"]) is None
