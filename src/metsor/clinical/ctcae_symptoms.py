"""CTCAE v5.0 grades of the symptoms the study drugs' labels list: gastrointestinal, skin,
weight, pain, bleeding and general deterioration.

CTCAE v5.0 (NCI, 27 Nov 2017), each term with its grades (a term has no grade beyond its last):

- Abdominal pain: 1 mild pain; 2 moderate pain, limiting instrumental ADL; 3 severe pain,
  limiting self-care ADL.
- Headache: as abdominal pain (1 mild; 2 moderate, instrumental ADL; 3 severe, self-care ADL).
- Nausea: 1 loss of appetite without alteration in eating habits; 2 oral intake decreased
  without significant weight loss, dehydration or malnutrition; 3 inadequate oral caloric or
  fluid intake, tube feeding, TPN or hospitalisation indicated.
- Vomiting: 1 intervention not indicated; 2 outpatient IV hydration, medical intervention
  indicated; 3 tube feeding, TPN or hospitalisation indicated; 4 life-threatening; 5 death.
- Anorexia: 1 loss of appetite without alteration in eating habits; 2 oral intake altered
  without significant weight loss or malnutrition, oral nutritional supplements indicated;
  3 associated with significant weight loss or malnutrition, tube feeding or TPN indicated;
  4 life-threatening; 5 death.
- Weight loss: 1 5 to < 10% from baseline, intervention not indicated; 2 10 to < 20% from
  baseline, nutritional support indicated; 3 ≥ 20% from baseline, tube feeding or TPN
  indicated.
- Dyspepsia: 1 mild symptoms, intervention not indicated; 2 moderate symptoms, medical
  intervention indicated; 3 severe symptoms, operative intervention indicated.
- Flatulence: 1 mild symptoms, intervention not indicated; 2 moderate, persistent,
  psychosocial sequelae (no grade 3).
- Rash maculo-papular: 1 macules/papules covering < 10% of body surface area (BSA), with or
  without symptoms; 2 covering 10-30% BSA with or without symptoms, limiting instrumental ADL,
  or covering > 30% BSA with or without mild symptoms; 3 covering > 30% BSA with moderate or
  severe symptoms, limiting self-care ADL (no grade 4 or 5).
- Alopecia: 1 hair loss of < 50% of normal for that individual; 2 hair loss of ≥ 50% of normal,
  readily apparent to others (no grade 3).
- Upper gastrointestinal hemorrhage: 1 mild, intervention not indicated; 2 moderate symptoms,
  intervention indicated; 3 transfusion indicated, invasive intervention indicated,
  hospitalisation; 4 life-threatening, urgent intervention indicated; 5 death.
- General physical health deterioration, graded as CTCAE v5.0 "General disorders and
  administration site conditions - Other, specify": 1 asymptomatic or mild symptoms,
  intervention not indicated; 2 moderate, minimal, local or non-invasive intervention
  indicated, limiting instrumental ADL; 3 severe or medically significant but not immediately
  life-threatening, hospitalisation indicated, limiting self-care ADL; 4 life-threatening;
  5 death.

References
----------
National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE) v5.0,
27 November 2017.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from metsor.clinical._checks import positive
from metsor.clinical._ctcae_observations import (
    Term,
    adl_grade,
    choice,
    outcome_grade,
    percent,
    severity_grade,
)
from metsor.errors import InputError

__all__ = [
    "ANOREXIA_INTAKE",
    "BLEEDING_CARE",
    "NAUSEA_INTAKE",
    "SYMPTOM_ALIASES",
    "SYMPTOM_TERMS",
    "VOMITING_CARE",
]

NAUSEA_INTAKE: tuple[str, ...] = ("none", "appetite_loss", "intake_decreased", "inadequate")
"""Nausea by its effect on eating, grade 0 to 3 (CTCAE v5.0 nausea)."""

ANOREXIA_INTAKE: tuple[str, ...] = ("none", "appetite_loss", "intake_altered", "malnutrition")
"""Anorexia by its effect on eating, grade 0 to 3 (CTCAE v5.0 anorexia)."""

VOMITING_CARE: tuple[str, ...] = ("none", "no_intervention", "outpatient", "hospitalization")
"""Vomiting by the care it needs, grade 0 to 3 (CTCAE v5.0 vomiting: outpatient IV hydration
or medical intervention; tube feeding, TPN or hospitalisation)."""

BLEEDING_CARE: tuple[str, ...] = ("none", "no_intervention", "intervention", "transfusion")
"""Bleeding by the care it needs, grade 0 to 3 (CTCAE v5.0 upper gastrointestinal hemorrhage:
transfusion, invasive intervention or hospitalisation is grade 3)."""

_MILD_MODERATE: tuple[str, ...] = ("none", "mild", "moderate")


def _ladder(name: str, levels: tuple[str, ...], *, fatal: bool) -> Callable[[dict[str, Any]], int]:
    """Grade = the index of the finding ``name`` in ``levels``, with grades 4 and 5 when the
    term has them."""

    def grade(observations: dict[str, Any]) -> int:
        level = levels.index(choice(observations, name, levels))
        return max(level, outcome_grade(observations)) if fatal else level

    return grade


def _severity_only(levels: tuple[str, ...]) -> Callable[[dict[str, Any]], int]:
    """Grade = the severity, for terms graded on symptoms alone (no ADL criterion)."""

    def grade(observations: dict[str, Any]) -> int:
        return levels.index(choice(observations, "severity", levels))

    return grade


def _weight_loss(observations: dict[str, Any]) -> int:
    if "percent_from_baseline" in observations:
        loss = percent(observations, "percent_from_baseline")
    elif "baseline_kg" in observations and "weight_kg" in observations:
        baseline = positive(observations.pop("baseline_kg"), "baseline_kg")
        weight = positive(observations.pop("weight_kg"), "weight_kg")
        loss = max(0.0, round((baseline - weight) / baseline * 100.0, 9))
    else:
        raise InputError(
            "weight loss is graded by the loss from baseline: give percent_from_baseline, or "
            "baseline_kg and weight_kg",
            field="percent_from_baseline",
        )
    return 0 if loss < 5.0 else 1 if loss < 10.0 else 2 if loss < 20.0 else 3


def _alopecia(observations: dict[str, Any]) -> int:
    loss = percent(observations, "hair_loss_percent")
    return 0 if loss == 0.0 else 1 if loss < 50.0 else 2


def _rash(observations: dict[str, Any]) -> int:
    area = percent(observations, "bsa_percent")
    symptoms = choice(observations, "symptoms", ("none", "mild", "moderate", "severe"))
    if area == 0.0:
        grade = 0
    elif area < 10.0:
        grade = 1
    elif area <= 30.0 or symptoms in ("none", "mild"):
        grade = 2
    else:
        grade = 3
    return max(grade, adl_grade(observations))


def _deterioration(observations: dict[str, Any]) -> int:
    return max(severity_grade(observations), outcome_grade(observations))


_TO_3 = (0, 1, 2, 3)
_TO_5 = (0, 1, 2, 3, 4, 5)

SYMPTOM_TERMS: Mapping[str, Term] = MappingProxyType(
    {
        "Abdominal pain": Term("5.0", _TO_3, severity_grade),
        "Headache": Term("5.0", _TO_3, severity_grade),
        "Nausea": Term("5.0", _TO_3, _ladder("intake", NAUSEA_INTAKE, fatal=False)),
        "Vomiting": Term("5.0", _TO_5, _ladder("care", VOMITING_CARE, fatal=True)),
        "Anorexia": Term("5.0", _TO_5, _ladder("intake", ANOREXIA_INTAKE, fatal=True)),
        "Weight loss": Term("5.0", _TO_3, _weight_loss),
        "Dyspepsia": Term("5.0", _TO_3, _severity_only(("none", "mild", "moderate", "severe"))),
        "Flatulence": Term("5.0", (0, 1, 2), _severity_only(_MILD_MODERATE)),
        "Rash maculo-papular": Term("5.0", _TO_3, _rash),
        "Alopecia": Term("5.0", (0, 1, 2), _alopecia),
        "Upper gastrointestinal hemorrhage": Term(
            "5.0", _TO_5, _ladder("care", BLEEDING_CARE, fatal=True)
        ),
        "General physical health deterioration": Term("5.0", _TO_5, _deterioration),
    }
)
"""The symptom terms, spelled as in CTCAE v5.0 (general deterioration as the "Other, specify"
term of its system organ class)."""

SYMPTOM_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "rash": "Rash maculo-papular",
        "maculo-papular rash": "Rash maculo-papular",
        "rash or desquamation": "Rash maculo-papular",
        "weight decreased": "Weight loss",
        "decreased appetite": "Anorexia",
        "indigestion": "Dyspepsia",
        "hair loss": "Alopecia",
        "gastrointestinal bleeding": "Upper gastrointestinal hemorrhage",
        "gastrointestinal haemorrhage": "Upper gastrointestinal hemorrhage",
        "upper gastrointestinal haemorrhage": "Upper gastrointestinal hemorrhage",
    }
)
"""Other spellings (case-folded) of the symptom terms, as labels and casebooks write them."""
