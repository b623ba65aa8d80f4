"""Baseline characteristics by arm (metsor.analysis.baseline): the classification at each
cut-off and counts that add up."""

from __future__ import annotations

from typing import Any

import pytest

from metsor.analysis.baseline import (
    AFP_CUTOFF_NG_ML,
    SUBGROUP_FACTORS,
    afp_class,
    child_pugh_class,
    ecog_class,
    sex,
    summarise_baseline,
)


@pytest.mark.parametrize(
    ("afp", "level"),
    [pytest.param(399.9, "< 400", id="below"), pytest.param(AFP_CUTOFF_NG_ML, "≥ 400", id="at"),
     pytest.param(400.1, "≥ 400", id="above"), pytest.param(None, None, id="not-recorded"),
     pytest.param("", None, id="empty-csv-cell")],
)  # fmt: skip
def test_afp_at_and_on_both_sides_of_400(afp: Any, level: str | None) -> None:
    assert afp_class({"AFP": afp}) == level


@pytest.mark.parametrize(
    ("points", "level"),
    [pytest.param(5, "A5", id="5"), pytest.param(6, "A6", id="6"),
     pytest.param(7, "B/C (≥ 7)", id="7"), pytest.param("6", "A6", id="text-6"),
     pytest.param(None, None, id="not-recorded")],
)  # fmt: skip
def test_child_pugh_class_from_points(points: Any, level: str | None) -> None:
    assert child_pugh_class({"CHILDPGH": points}) == level


@pytest.mark.parametrize(
    ("ecog", "level"),
    [pytest.param(0, "0", id="0"), pytest.param(1, "1–2", id="1"), pytest.param(2, "1–2", id="2"),
     pytest.param(None, None, id="not-recorded")],
)  # fmt: skip
def test_ecog_class(ecog: Any, level: str | None) -> None:
    assert ecog_class({"ECOG": ecog}) == level


@pytest.mark.parametrize(
    ("value", "level"),
    [pytest.param("F", "Female", id="adam-F"), pytest.param("male", "Male", id="casebook-male"),
     pytest.param(None, None, id="not-recorded")],
)  # fmt: skip
def test_sex_from_adam_or_casebook_codes(value: Any, level: str | None) -> None:
    assert sex({"SEX": value}) == level


def _row(arm: str, **values: Any) -> dict[str, Any]:
    base = {"ARMCD": arm, "AGE": 60, "SEX": "M", "AETIOL": "HBV", "ECOG": 1, "CHILDPGH": 5,
            "BCLC": "C", "MVI": "Y", "EHS": "N", "AFP": 12.0, "STRATUM": "s1"}  # fmt: skip
    return {**base, **values}


ADSL = [
    _row("a", AGE=50, AETIOL="HCV"),
    _row("a", AGE=70, SEX="F", AFP=None),
    _row("b", AGE=66, AETIOL=None, MVI=None, AFP=900.0),
]


def test_counts_per_arm_and_total_add_up() -> None:
    summary = summarise_baseline(ADSL, ["a", "b"])
    assert summary.groups == ("a", "b", None)
    assert summary.sizes == (2, 1, 3)
    for characteristic in summary.characteristics:
        columns = list(zip(*characteristic.counts, strict=True))
        assert [sum(c) for c in columns] == list(summary.sizes), characteristic.column
    aetiology = summary.of("AETIOL")
    assert aetiology.levels == ("HBV", "HCV", None)
    assert aetiology.counts == ((1, 0, 1), (1, 0, 1), (0, 1, 1))
    assert summary.of("AFP").levels == ("< 400", "≥ 400", None)
    assert summary.of("MVI").counts[-1] == (0, 1, 1)


def test_age_median_and_range() -> None:
    summary = summarise_baseline(ADSL, ["a", "b"])
    assert [(a.median, a.minimum, a.maximum) for a in summary.age] == [
        (60.0, 50, 70), (66.0, 66, 66), (66.0, 50, 70),
    ]  # fmt: skip


def test_an_arm_without_subjects_has_no_age() -> None:
    summary = summarise_baseline(ADSL, ["a", "c"])
    assert summary.sizes == (2, 0, 3)
    assert summary.age[1].median is None


def test_the_aetiology_subgroup_reads_adsl_aetiol() -> None:
    """The forest plot's aetiology subgroup reads the ADSL variable, ``AETIOL``."""
    classify = {code: read for code, _, read in SUBGROUP_FACTORS}["AETIOLOGY"]
    assert [classify(row) for row in ADSL] == ["HCV", "HBV", None]
