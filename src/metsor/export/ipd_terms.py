"""Rare adverse-event terms and baseline categories pooled in the IPD package, so that no
term or category points at a participant.

A coded term (``AEDECOD``) reported by fewer than ``k`` participants in the whole trial (both
arms together) is replaced by its organ class's "other" term, ``<AEBODSYS> - Other`` (the
CTCAE v5.0 convention of an "Other, specify" term in each system organ class); an organ class
(``AEBODSYS``) reported by fewer than ``k`` participants is replaced by ``Other system organ
classes`` with the term ``Other``. ``k`` is :data:`MIN_TERM_SUBJECTS` (3) unless given: a term
of one or two participants is the rare cell the PhUSE standard warns may identify one, and 3
is the smallest cell that the EMA's external guidance on Policy 0070 treats as not
identifying by itself. Grades, seriousness, dates and every other variable are unchanged, so
the overview of adverse events by arm (any, grade ≥ 3, serious, leading to discontinuation)
is the full data's.

The same holds for the categorical baseline characteristics of ADSL that are not analysis
strata (:data:`RARE_CATEGORIES`: race, aetiology of the liver disease): a value held by fewer
than ``k`` participants is written as ``OTHER`` (:func:`rare_values`).

References
----------
PhUSE De-Identification Working Group. De-Identification Standard for CDISC SDTM 3.2 (2015),
rare events and small cells. EMA. External guidance on the implementation of the European
Medicines Agency policy on the publication of clinical data (Policy 0070), 2018, section 3.2.
NCI. Common Terminology Criteria for Adverse Events v5.0 (2017): "<SOC> - Other, specify".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from metsor.errors import InputError

__all__ = [
    "MIN_TERM_SUBJECTS",
    "OTHER_CATEGORY",
    "OTHER_ORGAN_CLASSES",
    "OTHER_TERM",
    "RARE_CATEGORIES",
    "other_term",
    "rare_term_pools",
    "rare_values",
]

#: Terms and organ classes of fewer participants are pooled.
MIN_TERM_SUBJECTS = 3

#: The organ class of pooled rare organ classes.
OTHER_ORGAN_CLASSES = "Other system organ classes"

#: The term of pooled rare organ classes.
OTHER_TERM = "Other"

#: ADSL characteristics whose rare values are pooled (not strata, not analysed by subgroup).
RARE_CATEGORIES: frozenset[str] = frozenset({"RACE", "AETIOL"})

#: What a rare value of :data:`RARE_CATEGORIES` is written as.
OTHER_CATEGORY = "OTHER"


def other_term(organ_class: str) -> str:
    """The "other" term of an organ class (``Gastrointestinal disorders - Other``)."""
    return f"{organ_class} - {OTHER_TERM}"


def _check(minimum: int) -> None:
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
        raise InputError("min_term_subjects must be a positive integer", field="min_term_subjects")


def rare_values(
    rows: Iterable[Mapping[str, Any]], column: str, minimum: int = MIN_TERM_SUBJECTS
) -> dict[Any, Any]:
    """Each value of ``column`` as it is written in the package: one held by fewer than
    ``minimum`` participants (``USUBJID``) as :data:`OTHER_CATEGORY`; unknown stays unknown.

    Raises
    ------
    InputError
        If ``minimum`` is not a positive integer.
    """
    _check(minimum)
    holders: dict[Any, set[str]] = defaultdict(set)
    for row in rows:
        holders[row[column]].add(row["USUBJID"])
    return {
        value: value if value is None or len(who) >= minimum else OTHER_CATEGORY
        for value, who in holders.items()
    }


def rare_term_pools(
    rows: Iterable[Mapping[str, Any]], minimum: int = MIN_TERM_SUBJECTS
) -> dict[tuple[str | None, str | None], tuple[str | None, str | None]]:
    """The organ class and term each reported ``(AEBODSYS, AEDECOD)`` is written as.

    Parameters
    ----------
    rows
        ADAE rows (``USUBJID``, ``AEBODSYS``, ``AEDECOD``).
    minimum
        Terms and organ classes of fewer participants than this are pooled.

    Returns
    -------
    dict
        ``(organ class, term)`` → ``(organ class, term)`` in the package, for every pair
        reported (an unknown organ class or term stays unknown).

    Raises
    ------
    InputError
        If ``minimum`` is not a positive integer.
    """
    _check(minimum)
    by_class: dict[str | None, set[str]] = defaultdict(set)
    by_term: dict[tuple[str | None, str | None], set[str]] = defaultdict(set)
    for row in rows:
        organ_class, term = row["AEBODSYS"], row["AEDECOD"]
        by_class[organ_class].add(row["USUBJID"])
        by_term[(organ_class, term)].add(row["USUBJID"])
    pools: dict[tuple[str | None, str | None], tuple[str | None, str | None]] = {}
    for (organ_class, term), subjects in by_term.items():
        if organ_class is not None and len(by_class[organ_class]) < minimum:
            pools[(organ_class, term)] = (OTHER_ORGAN_CLASSES, OTHER_TERM)
        elif term is not None and len(subjects) < minimum:
            pooled = OTHER_TERM if organ_class is None else other_term(organ_class)
            pools[(organ_class, term)] = (organ_class, pooled)
        else:
            pools[(organ_class, term)] = (organ_class, term)
    return pools
