"""What drug labels say about the doses, food and cautions of the drugs metsor knows.

A protocol review compares a registered dose with its label: an amount a day outside the
label's range, or 1,000 times off it, is a finding. Only the label facts the review uses are
kept, each with its source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from metsor.protocol.model import Dose, FoodRule, Intervention

__all__ = ["LABELS", "DrugLabel", "LabelCaution", "label_for"]

#: What in a protocol makes a caution apply: a liver condition, or tumour imaging with
#: iodinated contrast (response and progression assessed by contrast CT).
Trigger = Literal["liver_disease", "contrast_imaging"]


@dataclass(frozen=True)
class LabelCaution:
    """A warning of a label that some protocols run into."""

    code: str
    trigger: Trigger
    text: str
    source: str


@dataclass(frozen=True)
class DrugLabel:
    """The label facts of one drug that a protocol review checks.

    Attributes
    ----------
    drug
        Generic name.
    names
        Generic and brand names, lower case.
    standard_dose
        The label's usual dose.
    daily_mg
        The lowest and highest amount a day the label provides for, dose reductions included.
    food_rule, food_text
        How the label says to take it with respect to meals.
    source
        The label.
    cautions
        Warnings that apply to some protocols.
    """

    drug: str
    names: tuple[str, ...]
    standard_dose: Dose
    daily_mg: tuple[float, float]
    food_rule: FoodRule
    food_text: str
    source: str
    cautions: tuple[LabelCaution, ...] = ()


_NEXAVAR = (
    "Nexavar (sorafenib) prescribing information, Bayer HealthCare: Dosage and Administration "
    "(400 mg twice daily without food; reductions to 400 mg once daily, then 400 mg every "
    "other day or 200 mg once daily)"
)
_GLUCOPHAGE = (
    "Glucophage (metformin hydrochloride) prescribing information, Bristol-Myers Squibb, "
    "2017: Dosage and Administration 2.1 and 2.4; Warnings and Precautions 5.1"
)

#: The labels the review knows, by generic name.
LABELS: dict[str, DrugLabel] = {
    "sorafenib": DrugLabel(
        drug="sorafenib",
        names=("sorafenib", "nexavar"),
        standard_dose=Dose(
            quantity=400, unit="mg", frequency="BID", route="oral", food_rule="without_food"
        ),
        daily_mg=(200.0, 800.0),
        food_rule="without_food",
        food_text="without food (at least 1 hour before or 2 hours after a meal)",
        source=_NEXAVAR,
    ),
    "metformin": DrugLabel(
        drug="metformin",
        names=("metformin", "glucophage"),
        standard_dose=Dose(
            quantity=500, unit="mg", frequency="BID", route="oral", food_rule="with_food"
        ),
        daily_mg=(500.0, 2550.0),
        food_rule="with_food",
        food_text="with meals",
        source=_GLUCOPHAGE,
        cautions=(
            LabelCaution(
                code="label_hepatic_disease",
                trigger="liver_disease",
                text=(
                    "the label advises avoiding metformin in patients with clinical or "
                    "laboratory evidence of hepatic disease (impaired lactate clearance, "
                    "risk of lactic acidosis); every patient of this trial has liver disease"
                ),
                source=_GLUCOPHAGE,
            ),
            LabelCaution(
                code="label_iodinated_contrast",
                trigger="contrast_imaging",
                text=(
                    "tumour assessments use iodinated contrast CT; the label says to stop "
                    "metformin at or before an iodinated contrast study in patients with "
                    "hepatic impairment or eGFR 30-60 mL/min/1.73 m², and to re-evaluate "
                    "eGFR 48 hours after it before restarting: the visit schedule must "
                    "hold metformin around each scan"
                ),
                source=_GLUCOPHAGE,
            ),
        ),
    ),
}


def label_for(intervention: Intervention) -> DrugLabel | None:
    """The label of an intervention, found by its name or any of its other names."""
    for name in (intervention.name, *intervention.other_names):
        for label in LABELS.values():
            if name.strip().casefold() in label.names:
                return label
    return None
