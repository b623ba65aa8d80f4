"""Review of eligibility criteria: contradictions between criteria and with the registry's
own fields, a stage given as diagnostic evidence, reported discrepancies, foreign words."""

from __future__ import annotations

import re
from collections.abc import Iterator

from metsor.protocol.finding import Finding
from metsor.protocol.model import Criterion, Protocol

__all__ = [
    "REPORTED_ELSEWHERE",
    "age_findings",
    "child_pugh_findings",
    "ecog_findings",
    "language_findings",
    "stage_as_diagnosis_findings",
]

_PUGH = "Pugh RN et al., Br J Surg 1973;60:646-649 (class A 5-6 points, B 7-9, C 10-15)"
#: Child-Pugh points of each class.
_CHILD_PUGH_POINTS: dict[str, range] = {"A": range(5, 7), "B": range(7, 10), "C": range(10, 16)}
_CHILD_PUGH = re.compile(r"child[- ]?pugh", re.IGNORECASE)
_CP_CLASS = re.compile(r"class(?:es)?\s+([ABC](?:\s*(?:or|and|,|/|-)\s*[ABC])*)\b", re.IGNORECASE)
_CP_SCORE = re.compile(r"score\s*(?:is|of|=|:)?\s*(\d{1,2})\b", re.IGNORECASE)

_AGE = re.compile(r"\bage[ds]?\b[^\d]{0,20}?(>=|≥|>|=>)\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
_STAGE = re.compile(r"\bBCLC\b|Barcelona Clinic(?:al)? Liver Cancer", re.IGNORECASE)
_DIAGNOSIS = re.compile(r"confirm|diagnos", re.IGNORECASE)
_ECOG = re.compile(r"\becog\b|performance status", re.IGNORECASE)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")

#: Chinese words met in criteria and what they mean.
_GLOSSARY: dict[str, str] = {"或": "or", "和": "and", "及": "and", "且": "and", "不": "not"}

#: Statements about a trial that stand outside its registry record: NCT id → criterion id →
#: (what is reported, the highest value reported, where).
REPORTED_ELSEWHERE: dict[str, dict[str, tuple[str, int, str]]] = {
    "NCT02672488": {
        "ecog": (
            "ECOG 0-1",
            1,
            "the study's longer description, as reported; not part of the registry record "
            "and not verified",
        ),
    },
}


def child_pugh_findings(protocol: Protocol) -> Iterator[Finding]:
    """Exclusions by a Child-Pugh score that the inclusion's Child-Pugh class already excludes."""
    allowed: set[int] = set()
    includes = [c for c in protocol.criteria_of("inclusion") if _CHILD_PUGH.search(c.text)]
    for criterion in includes:
        for match in _CP_CLASS.finditer(criterion.text):
            for letter in re.findall(r"[ABC]", match.group(1).upper()):
                allowed.update(_CHILD_PUGH_POINTS[letter])
    if not allowed:
        return
    for criterion in protocol.criteria_of("exclusion"):
        if not _CHILD_PUGH.search(criterion.text):
            continue
        scores = [int(s) for s in _CP_SCORE.findall(criterion.text)]
        outside = [s for s in scores if s not in allowed]
        if not scores or outside != scores:
            continue
        required = "/".join(k for k, pts in _CHILD_PUGH_POINTS.items() if set(pts) <= allowed)
        named = ", ".join(f"{s} (class {_child_pugh_class(s)})" for s in scores)
        yield Finding(
            code="child_pugh_contradiction",
            severity="warning",
            field=f"criteria[{criterion.id}]",
            message=(
                f"exclusion {criterion.text!r} concerns Child-Pugh score {named}, but the "
                f"inclusion {includes[0].text!r} already requires class {required} "
                f"({min(allowed)}-{max(allowed)} points): the exclusion is redundant, or the "
                "intent (admitting some class B patients) is unclear"
            ),
            source=_PUGH,
        )


def _child_pugh_class(score: int) -> str:
    return next((k for k, pts in _CHILD_PUGH_POINTS.items() if score in pts), "none")


def age_findings(protocol: Protocol) -> Iterator[Finding]:
    """An age criterion whose lower bound differs from the registry's minimum age."""
    minimum = protocol.eligibility.minimum_age_years
    if minimum is None:
        return
    for criterion in protocol.criteria_of("inclusion"):
        match = _AGE.search(criterion.text)
        if match is None:
            continue
        strict = match.group(1) == ">"
        bound = float(match.group(2))
        if bound == minimum and not strict:
            continue
        if bound == minimum:
            detail = (
                f"excludes patients aged exactly {bound:g}, whom the registry's minimum age "
                f"({minimum:g} years and older) admits"
            )
        else:
            detail = f"disagrees with the registry's minimum age of {minimum:g} years"
        yield Finding(
            code="age_contradiction",
            severity="warning",
            field=f"criteria[{criterion.id}]",
            message=f"{criterion.text!r} {detail}; the screening rule must pick one",
            source="Registry record: eligibility minimum age and criteria text",
        )


def stage_as_diagnosis_findings(protocol: Protocol) -> Iterator[Finding]:
    """A diagnostic criterion that lists a BCLC stage among the ways to confirm the disease."""
    for criterion in protocol.criteria_of("inclusion"):
        if _DIAGNOSIS.search(criterion.text) and _STAGE.search(criterion.text):
            yield Finding(
                code="stage_as_diagnosis",
                severity="warning",
                field=f"criteria[{criterion.id}]",
                message=(
                    "BCLC stage C is listed as one of the ways to confirm hepatocellular "
                    "carcinoma, but BCLC is a staging system, not diagnostic evidence: "
                    "confirmation is by histology or typical imaging, and stage C is a "
                    "separate requirement of the advanced-disease population"
                ),
                source=(
                    "Reig M et al., J Hepatol 2022;76:681-693 (BCLC staging); EASL Clinical "
                    "Practice Guidelines, J Hepatol 2018;69:182-236 (diagnosis)"
                ),
            )


def ecog_findings(protocol: Protocol) -> Iterator[Finding]:
    """An ECOG range in the criteria that differs from what is reported elsewhere."""
    reported = REPORTED_ELSEWHERE.get(protocol.nct_id, {}).get("ecog")
    if reported is None:
        return
    for criterion in protocol.criteria_of("inclusion"):
        if not _ECOG.search(criterion.text):
            continue
        grades = _ecog_grades(criterion)
        if not grades or max(grades) == reported[1]:
            continue
        listed = ", ".join(str(g) for g in grades)
        yield Finding(
            code="ecog_range",
            severity="info",
            field=f"criteria[{criterion.id}]",
            message=(
                f"the registry admits ECOG {listed}; {reported[0]} is reported elsewhere. "
                "ECOG 2 widens the population (and, under BCLC 2018, makes a patient stage C "
                "on performance status alone)"
            ),
            source=reported[2],
        )


def _ecog_grades(criterion: Criterion) -> list[int]:
    after = _ECOG.split(criterion.text, maxsplit=1)[-1]
    after = re.sub(r"\(.*?\)", "", after)  # "(Appendix I)"
    return sorted({int(g) for g in re.findall(r"\b([0-4])\b", after)})


def language_findings(protocol: Protocol) -> Iterator[Finding]:
    """Criteria with words in another script (a Chinese "或" is "or")."""
    for criterion in protocol.criteria:
        foreign = sorted(set(_CJK.findall(criterion.text)))
        if not foreign:
            continue
        meanings = [f"'{ch}' means '{_GLOSSARY[ch]}'" for ch in foreign if ch in _GLOSSARY]
        unknown = [ch for ch in foreign if ch not in _GLOSSARY]
        told = "; ".join(meanings)
        if "或" in foreign:
            told += ": either condition suffices"
        if unknown:
            told += f"{'; ' if told else ''}untranslated: {''.join(unknown)}"
        yield Finding(
            code="non_english_text",
            severity="warning",
            field=f"criteria[{criterion.id}]",
            message=f"{criterion.text!r} contains Chinese text ({told}); state it in English",
            source="Registry record: criteria text",
        )
