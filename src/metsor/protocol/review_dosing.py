"""Review of doses: plausibility against the label, food rules of co-administered drugs,
and label cautions that the trial's population or schedule runs into."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import combinations

from metsor.protocol.dosing import MG_PER_UNIT, daily_amount_mg, format_dose, normalize_unit
from metsor.protocol.finding import Finding
from metsor.protocol.labels import DrugLabel, label_for
from metsor.protocol.model import FoodRule, Intervention, Protocol

__all__ = ["dose_findings", "food_findings", "label_caution_findings"]

_LIVER = re.compile(r"hepat|liver|\bhcc\b|cirrho", re.IGNORECASE)
_IMAGING = re.compile(r"progression|response|recist|tumou?r size|radiolog", re.IGNORECASE)
_FREQUENCY_WORDS = {"QD": "once a day", "BID": "twice a day", "TID": "three times a day"}


def dose_findings(protocol: Protocol) -> Iterator[Finding]:
    """Doses outside their label's daily range (error), or corrected in the record (info)."""
    for intervention in protocol.interventions:
        label = label_for(intervention)
        field = f"interventions[{intervention.name}].dose"
        corrections = [c for c in protocol.corrections if c.field.startswith(field)]
        for correction in corrections:
            yield Finding(
                code="dose_corrected",
                severity="info",
                field=correction.field,
                message=(
                    f"{intervention.name}: registered {correction.registered!r}, corrected to "
                    f"{correction.corrected!r}: {correction.reason}"
                ),
                source=correction.source,
            )
        if label is None or intervention.dose is None:
            continue
        problem = _implausibility(intervention, label)
        if problem is not None:
            yield Finding(
                code="dose_implausible",
                severity="error",
                field=field,
                message=problem,
                source=label.source,
            )


def _implausibility(intervention: Intervention, label: DrugLabel) -> str | None:
    dose = intervention.dose
    assert dose is not None
    daily = daily_amount_mg(dose)
    standard = format_dose(label.standard_dose)
    low, high = label.daily_mg
    if daily is None:
        return (
            f"{intervention.name} {format_dose(dose)}: unit or frequency not understood; "
            f"the label dose is {standard}"
        )
    if low <= daily <= high:
        return None
    message = (
        f"{intervention.name} {format_dose(dose)} gives {daily:g} mg a day; the label dose is "
        f"{standard} ({daily_amount_mg(label.standard_dose):g} mg a day, range {low:g}-{high:g})"
    )
    unit = normalize_unit(dose.unit)
    for other in MG_PER_UNIT:
        if unit is None or other == unit:
            continue
        rescaled = daily * MG_PER_UNIT[other] / MG_PER_UNIT[unit]
        if low <= rescaled <= high:
            factor = MG_PER_UNIT[other] / MG_PER_UNIT[unit]
            size = (
                f"{factor:,.0f} times too low"
                if factor > 1
                else f"{1 / factor:,.0f} times too high"
            )
            return f"{message}: {size}, the unit {dose.unit} is probably a slip for {other}"
    return f"{message}: outside the label's range"


def _food_rule(intervention: Intervention) -> tuple[FoodRule | None, str]:
    """The food rule in force and where it comes from (the protocol, else the label)."""
    if intervention.dose is not None and intervention.dose.food_rule is not None:
        return intervention.dose.food_rule, "per the protocol"
    label = label_for(intervention)
    if label is not None:
        return label.food_rule, "per its label"
    return None, ""


def food_findings(protocol: Protocol) -> Iterator[Finding]:
    """Drugs of one arm, given at the same frequency, one with food and one without."""
    for arm in protocol.arms:
        drugs = [protocol.intervention(n) for n in arm.intervention_names]
        dosed = [d for d in drugs if d.dose is not None]
        for first, second in combinations(dosed, 2):
            assert first.dose is not None
            assert second.dose is not None
            if first.dose.frequency != second.dose.frequency:
                continue
            rules = {first.name: _food_rule(first), second.name: _food_rule(second)}
            with_food = [n for n, (r, _) in rules.items() if r == "with_food"]
            without = [n for n, (r, _) in rules.items() if r == "without_food"]
            if not with_food or not without:
                continue
            how_often = _FREQUENCY_WORDS.get(first.dose.frequency, first.dose.frequency)
            sources = [lab.source for d in (first, second) if (lab := label_for(d))]
            fed, fasting = with_food[0], without[0]
            yield Finding(
                code="food_conflict",
                severity="warning",
                field=f"arms[{arm.label}]",
                message=(
                    f"{fed} is taken with meals ({rules[fed][1]}) and {fasting} without food "
                    f"({rules[fasting][1]}), both {how_often}: the dosing schedule must "
                    f"separate them, e.g. {fasting} at least 1 hour before or 2 hours after "
                    f"the meal that goes with {fed}"
                ),
                source="; ".join(sources) or "protocol dosing",
            )


def label_caution_findings(protocol: Protocol) -> Iterator[Finding]:
    """Label cautions that the trial's condition or its tumour imaging run into."""
    liver = any(_LIVER.search(t) for t in (*protocol.conditions, protocol.brief_title))
    imaging = any(_IMAGING.search(o.measure) for o in protocol.outcomes)
    triggered = {"liver_disease": liver, "contrast_imaging": imaging}
    for intervention in protocol.interventions:
        label = label_for(intervention)
        for caution in label.cautions if label else ():
            if triggered[caution.trigger]:
                yield Finding(
                    code=caution.code,
                    severity="warning",
                    field=f"interventions[{intervention.name}]",
                    message=f"{intervention.name}: {caution.text}",
                    source=caution.source,
                )
