"""The shape of a ClinicalTrials.gov API v2 ``resultsSection``, and a check of a document
against it: every key the shape names must be present with its type (``Optional`` keys may be
absent), and no other key may appear.

Written from the API v2 data model as OUTPUTS-REFERENCE.md and issue 11 describe it: group ids
FG/BG/OG/EG, flow counts as text, adverse-event counts as integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Optional:
    """A key that may be absent."""

    shape: Any


@dataclass(frozen=True)
class OneOf:
    """A text value among the given ones."""

    values: tuple[str, ...]


GROUP = {"id": str, "title": str, "description": str}
COUNT = {"groupId": str, "numSubjects": str}
MEASUREMENT = {
    "groupId": str,
    "value": str,
    Optional("spread"): str,
    Optional("lowerLimit"): str,
    Optional("upperLimit"): str,
    Optional("comment"): str,
}
CATEGORY = {Optional("title"): str, "measurements": [MEASUREMENT]}
CLASSES = [{Optional("title"): str, "categories": [CATEGORY]}]
DENOMS = [{"units": str, "counts": [{"groupId": str, "value": str}]}]
ANALYSIS = {
    "groupIds": [str],
    "groupDescription": str,
    "nonInferiorityType": OneOf(("SUPERIORITY", "NON_INFERIORITY", "EQUIVALENCE", "OTHER")),
    "pValue": str,
    "statisticalMethod": str,
    "paramType": str,
    "paramValue": str,
    "ciPctValue": str,
    "ciNumSides": OneOf(("ONE_SIDED", "TWO_SIDED")),
    "ciLowerLimit": str,
    "ciUpperLimit": str,
    "estimateComment": str,
    Optional("statisticalComment"): str,
}
EVENT = {
    "term": str,
    "organSystem": str,
    "sourceVocabulary": str,
    "assessmentType": OneOf(("SYSTEMATIC_ASSESSMENT", "NON_SYSTEMATIC_ASSESSMENT")),
    "stats": [{"groupId": str, "numEvents": int, "numAffected": int, "numAtRisk": int}],
}

RESULTS_SECTION = {
    "participantFlowModule": {
        "recruitmentDetails": str,
        "preAssignmentDetails": str,
        "groups": [GROUP],
        "periods": [
            {
                "title": str,
                "milestones": [
                    {"type": OneOf(("STARTED", "COMPLETED", "NOT COMPLETED")),
                     "achievements": [COUNT]}
                ],
                "dropWithdraws": [{"type": str, "reasons": [COUNT]}],
            }
        ],
    },
    "baselineCharacteristicsModule": {
        "populationDescription": str,
        "groups": [GROUP],
        "denoms": DENOMS,
        "measures": [
            {
                "title": str,
                "paramType": OneOf(("COUNT_OF_PARTICIPANTS", "MEDIAN", "MEAN", "NUMBER")),
                Optional("dispersionType"): OneOf(("FULL_RANGE", "STANDARD_DEVIATION", "NA")),
                "unitOfMeasure": str,
                "classes": CLASSES,
            }
        ],
    },
    "outcomeMeasuresModule": {
        "outcomeMeasures": [
            {
                "type": OneOf(("PRIMARY", "SECONDARY", "OTHER_PRE_SPECIFIED", "POST_HOC")),
                "title": str,
                "description": str,
                "populationDescription": str,
                "reportingStatus": OneOf(("POSTED", "NOT_POSTED")),
                "paramType": OneOf(("MEDIAN", "COUNT_OF_PARTICIPANTS", "NUMBER", "MEAN")),
                Optional("dispersionType"): OneOf(("CONFIDENCE_95", "FULL_RANGE", "NA")),
                "unitOfMeasure": str,
                "timeFrame": str,
                "groups": [GROUP],
                "denoms": DENOMS,
                "classes": CLASSES,
                "analyses": [ANALYSIS],
            }
        ]
    },
    "adverseEventsModule": {
        "frequencyThreshold": str,
        "timeFrame": str,
        "description": str,
        "eventGroups": [
            {**GROUP, "deathsNumAffected": int, "deathsNumAtRisk": int,
             "seriousNumAffected": int, "seriousNumAtRisk": int, "otherNumAffected": int,
             "otherNumAtRisk": int}
        ],
        "seriousEvents": [EVENT],
        "otherEvents": [EVENT],
    },
    "moreInfoModule": {
        "limitationsAndCaveats": {"description": str},
        "pointOfContact": {"title": str, "organization": str, "email": str, "phone": str},
    },
}  # fmt: skip
"""The resultsSection's shape."""


def shape_problems(value: Any, shape: Any, path: str = "resultsSection") -> list[str]:
    """Every way ``value`` departs from ``shape``, each naming its JSON path."""
    if isinstance(shape, OneOf):
        return [] if value in shape.values else [f"{path}: {value!r} not in {shape.values}"]
    if isinstance(shape, type):
        if shape is int and isinstance(value, bool):
            return [f"{path}: expected int, got bool"]
        ok = isinstance(value, shape)
        return [] if ok else [f"{path}: expected {shape.__name__}, got {type(value).__name__}"]
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        inner = shape[0]
        return [
            p for i, item in enumerate(value) for p in shape_problems(item, inner, f"{path}[{i}]")
        ]
    if not isinstance(value, dict):
        return [f"{path}: expected an object"]
    problems = []
    names = set()
    for key, inner in shape.items():
        name = key.shape if isinstance(key, Optional) else key
        names.add(name)
        if name in value:
            problems += shape_problems(value[name], inner, f"{path}.{name}")
        elif not isinstance(key, Optional):
            problems.append(f"{path}.{name}: missing")
    problems += [f"{path}.{extra}: not in the API" for extra in sorted(set(value) - names)]
    return problems
