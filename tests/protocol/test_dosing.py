"""Doses read from registry prose, and their amounts a day."""

from __future__ import annotations

import pytest

from metsor.protocol.dosing import daily_amount_mg, doses_in_text, format_dose, normalize_unit
from metsor.protocol.model import Dose

RTOL = 1e-12
DRUGS = {"Sorafenib": ("Nexavar",), "Metformin": ("Glucophage",)}


def test_the_registered_experimental_arm() -> None:
    text = (
        "Sorafenib 400μg tablet by mouth and Metformin 500mg tablet by mouth with meal, "
        "twice per day"
    )
    assert doses_in_text(text, DRUGS) == {
        "Sorafenib": Dose(quantity=400, unit="µg", frequency="BID", route="oral"),
        "Metformin": Dose(
            quantity=500, unit="mg", frequency="BID", route="oral", food_rule="with_food"
        ),
    }


@pytest.mark.parametrize(
    ("text", "quantity", "unit", "frequency", "food_rule"),
    [
        ("Nexavar 400 mg orally twice daily without food", 400, "mg", "BID", "without_food"),
        ("sorafenib 200mg once daily", 200, "mg", "QD", None),
        ("Sorafenib 400 mg every other day", 400, "mg", "QOD", None),
        ("Sorafenib 0.4 g b.i.d. on an empty stomach", 0.4, "g", "BID", "without_food"),
        ("Sorafenib 400 mcg BID", 400, "µg", "BID", None),
        ("Sorafenib 400 µg BID", 400, "µg", "BID", None),  # micro sign U+00B5
        (
            "Sorafenib 1,000 milligrams three times a day with or without food",
            1000,
            "mg",
            "TID",
            "any",
        ),
    ],
)
def test_spellings(
    text: str, quantity: float, unit: str, frequency: str, food_rule: str | None
) -> None:
    dose = doses_in_text(text, DRUGS)["Sorafenib"]
    assert (dose.quantity, dose.unit, dose.frequency, dose.food_rule) == (
        quantity,
        unit,
        frequency,
        food_rule,
    )


def test_a_drug_without_quantity_or_frequency_has_no_dose() -> None:
    assert doses_in_text("Standard treatment for advanced HCC", DRUGS) == {}
    assert doses_in_text("Sorafenib 400 mg", DRUGS) == {}
    assert doses_in_text("Metformin and Sorafenib, twice a day", DRUGS) == {}


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [("μg", "µg"), ("µg", "µg"), ("ug", "µg"), ("MCG", "µg"), ("mg", "mg"), ("kg", None)],
)
def test_normalize_unit(spelling: str, canonical: str | None) -> None:
    assert normalize_unit(spelling) == canonical


@pytest.mark.parametrize(
    ("dose", "mg_a_day"),
    [
        (Dose(quantity=400, unit="mg", frequency="BID"), 800.0),
        (Dose(quantity=400, unit="µg", frequency="BID"), 0.8),
        (Dose(quantity=400, unit="mg", frequency="QOD"), 200.0),
        (Dose(quantity=0.5, unit="g", frequency="TID"), 1500.0),
    ],
)
def test_daily_amount(dose: Dose, mg_a_day: float) -> None:
    assert daily_amount_mg(dose) == pytest.approx(mg_a_day, rel=RTOL)


def test_daily_amount_is_unknown_for_unknown_units_or_frequencies() -> None:
    assert daily_amount_mg(Dose(quantity=1, unit="tablet", frequency="BID")) is None
    assert daily_amount_mg(Dose(quantity=1, unit="mg", frequency="as needed")) is None


def test_format_dose() -> None:
    dose = Dose(quantity=400, unit="mg", frequency="BID", route="oral", food_rule="without_food")
    assert format_dose(dose) == "400 mg BID, oral, without food"
