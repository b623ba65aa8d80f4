"""Doses in free text and in numbers: parsing registry wording, daily amounts, display.

Registry arm descriptions state doses in prose ("Sorafenib 400μg tablet by mouth and
Metformin 500mg tablet by mouth with meal, twice per day"). :func:`doses_in_text` finds each
named drug's part of such a sentence and reads quantity, unit, route and food rule from it;
the frequency, often stated once for the whole sentence, is read from the drug's part or,
failing that, from the whole text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TypeVar

from metsor.protocol.model import Dose, FoodRule

__all__ = [
    "ADMINISTRATIONS_PER_DAY",
    "MG_PER_UNIT",
    "daily_amount_mg",
    "doses_in_text",
    "format_dose",
    "normalize_unit",
]

_L = TypeVar("_L", bound=str)

#: Milligrams in one of each mass unit.
MG_PER_UNIT: Mapping[str, float] = {"g": 1000.0, "mg": 1.0, "µg": 1e-3, "ng": 1e-6}

#: Administrations a day of each frequency code.
ADMINISTRATIONS_PER_DAY: Mapping[str, float] = {
    "QD": 1.0,
    "BID": 2.0,
    "TID": 3.0,
    "QID": 4.0,
    "QOD": 0.5,
    "QW": 1.0 / 7.0,
}

_UNIT_SPELLINGS: Mapping[str, str] = {
    "g": "g",
    "gram": "g",
    "grams": "g",
    "mg": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "μg": "µg",  # Greek small mu U+03BC; the micro sign U+00B5 casefolds to it
    "ug": "µg",
    "mcg": "µg",
    "microgram": "µg",
    "micrograms": "µg",
    "ng": "ng",
}

_QUANTITY = re.compile(
    r"(?P<q>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(?P<u>micrograms?|milligrams?|grams?|mcg|µg|μg|ug|mg|ng|g)\b",
    re.IGNORECASE,
)

_FREQUENCIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("QOD", re.compile(r"every other day|every second day|\bq\.?o\.?d\b", re.I)),
    ("QID", re.compile(r"four times (?:a|per|each) day|four times daily|\bq\.?i\.?d\b", re.I)),
    ("TID", re.compile(r"three times (?:a|per|each) day|three times daily|\bt\.?i\.?d\b", re.I)),
    (
        "BID",
        re.compile(
            r"twice (?:a|per|each) day|twice daily|two times (?:a|per) day|"
            r"\bb\.?i\.?d\b|every 12 hours",
            re.I,
        ),
    ),
    ("QW", re.compile(r"once (?:a|per|each) week|weekly|\bq\.?w\b", re.I)),
    (
        "QD",
        re.compile(r"once (?:a|per|each) day|once daily|\bdaily\b|\bq\.?d\b|every 24 hours", re.I),
    ),
)

_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("oral", re.compile(r"by mouth|\borally\b|\boral\b|\bp\.?o\.?\b|tablets?|capsules?", re.I)),
    ("intravenous", re.compile(r"intravenous(?:ly)?|\bi\.?v\.?\b|infusion", re.I)),
    ("subcutaneous", re.compile(r"subcutaneous(?:ly)?|\bs\.?c\.?\b", re.I)),
)

#: Food rules in test order: "with or without food" holds the words of both others.
_FOOD: tuple[tuple[FoodRule, re.Pattern[str]], ...] = (
    ("any", re.compile(r"with or without (?:food|meals?)", re.I)),
    ("without_food", re.compile(r"without (?:food|a meal|meals)|empty stomach|fasting", re.I)),
    ("with_food", re.compile(r"with (?:a |the )?(?:food|meals?)|during (?:a )?meals?", re.I)),
)


def normalize_unit(unit: str) -> str | None:
    """The canonical spelling of a mass unit (``μg``, ``ug``, ``mcg`` → ``µg``), or None."""
    return _UNIT_SPELLINGS.get(unit.strip().casefold())


def daily_amount_mg(dose: Dose) -> float | None:
    """Milligrams a day that a dose gives, or None when its unit or frequency is not known.

    Parameters
    ----------
    dose
        The dose.

    Returns
    -------
    float or None
        ``quantity × mg per unit × administrations per day``.
    """
    unit = normalize_unit(dose.unit)
    per_day = ADMINISTRATIONS_PER_DAY.get(dose.frequency.upper())
    if unit is None or per_day is None:
        return None
    return dose.quantity * MG_PER_UNIT[unit] * per_day


def format_dose(dose: Dose) -> str:
    """A dose in words: ``400 mg BID, oral, without food``."""
    quantity = f"{dose.quantity:g}"
    parts = [f"{quantity} {dose.unit} {dose.frequency}"]
    if dose.route:
        parts.append(dose.route)
    if dose.food_rule:
        parts.append(dose.food_rule.replace("_", " "))
    return ", ".join(parts)


def doses_in_text(text: str, drugs: Mapping[str, Sequence[str]]) -> dict[str, Dose]:
    """Read each named drug's dose from a sentence of registry prose.

    Parameters
    ----------
    text
        The description, e.g. an arm description of the registry.
    drugs
        Each drug's name mapped to other names it may go by (brand names).

    Returns
    -------
    dict of str to Dose
        The drugs whose part of the text states a quantity with a unit and whose frequency is
        stated; drugs not mentioned, or mentioned without both, are absent.

    Examples
    --------
    >>> d = doses_in_text("Metformin 500mg tablet by mouth with meal, twice per day",
    ...                   {"Metformin": ["Glucophage"]})
    >>> d["Metformin"].quantity, d["Metformin"].unit, d["Metformin"].food_rule
    (500.0, 'mg', 'with_food')
    """
    mentions = sorted(
        (match.start(), name)
        for name, others in drugs.items()
        for match in [_first_mention(text, (name, *others))]
        if match is not None
    )
    whole_text_frequency = _frequency(text)
    doses: dict[str, Dose] = {}
    for index, (start, name) in enumerate(mentions):
        end = mentions[index + 1][0] if index + 1 < len(mentions) else len(text)
        part = text[start:end]
        amount = _QUANTITY.search(part)
        frequency = _frequency(part) or whole_text_frequency
        if amount is None or frequency is None:
            continue
        unit = normalize_unit(amount.group("u"))
        if unit is None:  # pragma: no cover - the pattern admits only known spellings
            continue
        doses[name] = Dose(
            quantity=float(amount.group("q").replace(",", "")),
            unit=unit,
            frequency=frequency,
            route=_first_label(_ROUTES, part),
            food_rule=_first_label(_FOOD, part),
        )
    return doses


def _first_mention(text: str, names: Sequence[str]) -> re.Match[str] | None:
    found = [
        m
        for name in names
        if name
        for m in [re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE)]
        if m is not None
    ]
    return min(found, key=lambda m: m.start(), default=None)


def _frequency(text: str) -> str | None:
    return _first_label(_FREQUENCIES, text)


def _first_label(table: Sequence[tuple[_L, re.Pattern[str]]], text: str) -> _L | None:
    for label, pattern in table:
        if pattern.search(text):
            return label
    return None
