"""Eligibility criteria in registry prose: splitting the text and naming each criterion's rule.

The registry keeps all criteria in one free-text field with an "Inclusion Criteria:" and an
"Exclusion Criteria:" heading and one bullet per criterion; a line without a bullet continues
the criterion above it. :func:`match_rule` gives a criterion the id of the computable rule
that checks it, by keywords of its wording; a criterion no keyword set fits gets None and is
checked by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from metsor.protocol.model import CriterionKind

__all__ = ["RULE_KEYWORDS", "match_rule", "split_criteria"]

_HEADING = re.compile(r"^\s*(?P<kind>inclusion|exclusion)\s+criteria\s*:?\s*$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])\s*")

#: Each rule id with the patterns its criterion's wording must all match, per kind. Order
#: matters: the first fit wins and each rule is given to one criterion only, so a narrower
#: rule ("gastrointestinal bleeding") comes before a broader one ("bleeding").
RULE_KEYWORDS: dict[CriterionKind, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "inclusion": (
        ("consent", (r"informed consent|consent document",)),
        ("hcc_confirmed", (r"hepatocellular carcinoma|\bhcc\b", r"confirm|diagnos")),
        ("age", (r"\bage[sd]?\b", r"\d")),
        ("child_pugh_a", (r"child[- ]?pugh", r"class\s*a\b")),
        ("ecog", (r"\becog\b|performance status",)),
        ("hemoglobin", (r"ha?emoglobin|\bhgb\b",)),
        ("anc", (r"neutrophil|\banc\b",)),
        ("platelets", (r"platelet",)),
        ("total_bilirubin", (r"bilirubin",)),
        ("transaminases", (r"transaminase|\bsgot\b|\bsgpt\b|\bast\b|\balt\b",)),
        ("alkaline_phosphatase", (r"alkaline phosphatase|\balp\b",)),
        ("sex_any", (r"\bmen and women\b|\bboth sexes\b|\ball sexes\b",)),
        ("coagulation", (r"prothrombin|\binr\b",)),
    ),
    "exclusion": (
        ("child_pugh_7_ascites", (r"child[- ]?pugh", r"\b7\b", r"ascites")),
        ("severe_cardiovascular_disease", (r"cardiovascular|cardiac",)),
        ("uncontrolled_hypertension", (r"hypertension",)),
        ("hiv", (r"\bhiv\b|human immunodeficiency",)),
        ("active_infection", (r"infection",)),
        ("pregnancy", (r"pregnan|lactat|breast[- ]?feeding",)),
        ("recent_systemic_chemo", (r"chemotherap",)),
        ("gi_bleeding", (r"gastrointestinal|\bgi\b", r"bleed|haemorrhag|hemorrhag")),
        ("seizures", (r"seizure|epilep",)),
        ("allograft", (r"allograft|transplant",)),
        ("bleeding", (r"bleed|haemorrhag|hemorrhag",)),
        ("dialysis", (r"dialysis",)),
        ("metastatic_liver_cancer", (r"metasta", r"liver")),
        ("uncontrollable_ascites", (r"ascites",)),
        ("encephalopathy", (r"encephalopathy",)),
    ),
}


def split_criteria(text: str) -> dict[CriterionKind, list[str]]:
    """Split the registry's criteria text into inclusion and exclusion criteria.

    Parameters
    ----------
    text
        The free text, with "Inclusion Criteria:" and "Exclusion Criteria:" headings.

    Returns
    -------
    dict
        ``{"inclusion": [...], "exclusion": [...]}``, each criterion one string with its
        continuation lines joined by a space, bullets and surrounding blanks removed.

    Raises
    ------
    ValueError
        If the text has no heading, or text stands before the first heading.
    """
    lines = [raw.strip() for raw in text.replace("\r\n", "\n").split("\n")]
    if not any(_HEADING.match(line) for line in lines):
        raise ValueError("no 'Inclusion Criteria:' or 'Exclusion Criteria:' heading")
    lists: dict[CriterionKind, list[str]] = {"inclusion": [], "exclusion": []}
    current: list[str] | None = None
    open_item = False
    for line in lines:
        heading = _HEADING.match(line)
        if heading:
            current = lists["inclusion" if heading["kind"].lower() == "inclusion" else "exclusion"]
            open_item = False
            continue
        if not line:
            continue
        if current is None:
            raise ValueError("text before the 'Inclusion Criteria:' heading")
        bullet = _BULLET.match(line)
        body = line[bullet.end() :].strip() if bullet else line
        if bullet and body:
            current.append(body)
            open_item = True
        elif bullet:
            # An empty bullet whose text follows on the next lines.
            current.append("")
            open_item = True
        elif open_item:
            current[-1] = f"{current[-1]} {body}".strip()
        else:
            current.append(body)
            open_item = True
    return {kind: [c for c in items if c] for kind, items in lists.items()}


def match_rule(kind: CriterionKind, text: str, taken: Iterable[str] = ()) -> str | None:
    """The id of the rule that checks a criterion, by the keywords of its wording.

    Parameters
    ----------
    kind
        Inclusion or exclusion.
    text
        The criterion in the registry's wording.
    taken
        Rule ids already given to other criteria; they are not given twice.

    Returns
    -------
    str or None
        The first rule of :data:`RULE_KEYWORDS` whose patterns all match; None means the
        criterion is checked by hand.
    """
    used = set(taken)
    for rule, patterns in RULE_KEYWORDS[kind]:
        if rule in used:
            continue
        if all(re.search(p, text, re.IGNORECASE) for p in patterns):
            return rule
    return None
