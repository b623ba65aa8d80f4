"""Review of the randomization strata against the stage the trial requires: a stratum that no
patient of that stage can fall into is never filled, and the factor that defines it does not
stratify.

The default reading of the diagnosis criterion (``hcc_confirmed``, see
:mod:`metsor.protocol.review_interpretations`) requires BCLC stage C of the 2022 update. Stage C
is decided by the ECOG performance status, macrovascular invasion and extrahepatic spread (with
liver function short of Child-Pugh C), which are also what SHARP-style strata are read from. For
each stratum, every combination of those three findings that its levels admit is staged with
:func:`metsor.clinical.bclc_stage` (the other inputs set so that they cannot decide the stage:
several large nodules, Child-Pugh A); a stratum none of whose combinations is stage C cannot be
filled. The same is done with the 2018 version, where ECOG 1-2 alone is stage C, for comparison.

References
----------
Reig M, Forner A, Rimola J, et al. BCLC strategy for prognosis prediction and treatment
recommendation: the 2022 update. J Hepatol 2022;76:681-693.
Forner A, Reig M, Bruix J. Hepatocellular carcinoma. Lancet 2018;391:1301-1314.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from metsor.clinical import bclc_stage
from metsor.clinical.bclc import BclcVersion
from metsor.protocol.finding import Finding
from metsor.protocol.model import Protocol
from metsor.protocol.stratification import FactorLevel, StratificationFactor

__all__ = ["STAGE_FIELDS", "unreachable_strata", "unreachable_stratum_findings"]

STAGE_FIELDS: dict[str, str] = {
    "ecog": "ecog",
    "tumour.macrovascular_invasion": "macrovascular_invasion",
    "tumour.extrahepatic_spread": "extrahepatic_spread",
}
"""The screening record's fields that decide BCLC stage C, by the argument of
:func:`metsor.clinical.bclc_stage` they are."""

_STAGE_C_CRITERION = "hcc_confirmed"
"""The rule of the criterion whose default reading requires BCLC stage C."""

_FINDINGS = tuple(
    dict(zip(("ecog", "macrovascular_invasion", "extrahepatic_spread"), values, strict=True))
    for values in itertools.product(range(5), (False, True), (False, True))
)
"""Every combination of the findings that decide stage C (ECOG 0-4)."""

_SOURCE = (
    "Reig M et al. J Hepatol 2022;76:681-693 (BCLC 2022: stage C is macrovascular invasion "
    "and/or extrahepatic spread with ECOG 0-2; ECOG 1-2 alone no longer); Forner A et al. "
    "Lancet 2018;391:1301-1314 (BCLC 2018: ECOG 1-2 alone is stage C)"
)


def _in_level(factor: StratificationFactor, level: FactorLevel, findings: dict[str, Any]) -> bool:
    """Whether a combination of findings falls into ``level`` of ``factor`` (a factor read
    from fields other than the stage's admits every combination)."""
    values = [findings[STAGE_FIELDS[path]] for path in factor.fields if path in STAGE_FIELDS]
    if len(values) < len(factor.fields):
        return True
    if factor.kind == "bool":
        return any(bool(v) for v in values) in level.values
    return all(v in level.values for v in values)


def _is_stage_c(findings: dict[str, Any], version: BclcVersion) -> bool:
    stage = bclc_stage(
        nodules=4, largest_nodule_cm=6.0, child_pugh_class="A", version=version, **findings
    )
    return stage.stage == "C"


def _strata(
    factors: Sequence[StratificationFactor],
) -> list[tuple[str, tuple[FactorLevel, ...]]]:
    """Every stratum: its label (level labels joined with ``-``) and its levels."""
    return [
        ("-".join(level.label for level in levels), levels)
        for levels in itertools.product(*(factor.levels for factor in factors))
    ]


def unreachable_strata(
    factors: Sequence[StratificationFactor], version: BclcVersion = "2022"
) -> list[str]:
    """The strata that no patient of BCLC stage C can fall into.

    Parameters
    ----------
    factors
        The protocol's stratification factors, in order.
    version
        The BCLC version staging the patients (default 2022, the eligibility rules').

    Returns
    -------
    list of str
        The labels of the strata (level labels joined with ``-`` in factor order) whose levels
        admit no combination of ECOG, macrovascular invasion and extrahepatic spread that is
        stage C, in the order the strata are listed.
    """
    return [
        label
        for label, levels in _strata(factors)
        if not any(
            _is_stage_c(findings, version)
            for findings in _FINDINGS
            if all(
                _in_level(factor, level, findings)
                for factor, level in zip(factors, levels, strict=True)
            )
        )
    ]


def unreachable_stratum_findings(protocol: Protocol) -> Iterator[Finding]:
    """A warning when stage C is required and some strata can then never be filled.

    Parameters
    ----------
    protocol
        The protocol reviewed.

    Yields
    ------
    Finding
        ``stratum_unreachable`` (warning) on the stratification, naming the strata, why no
        stage-C patient falls into them, what the 2018 staging would leave empty, a factor
        left with one level, and the decisions open to the trial.
    """
    requires_stage_c = any(c.rule == _STAGE_C_CRITERION for c in protocol.criteria)
    factors = protocol.stratification
    if not requires_stage_c or not factors:
        return
    empty = unreachable_strata(factors, "2022")
    if not empty:
        return
    strata = _strata(factors)
    filled = [levels for label, levels in strata if label not in empty]
    constant = [
        factor.name
        for i, factor in enumerate(factors)
        if len({levels[i].label for levels in filled}) == 1
    ]
    older = unreachable_strata(factors, "2018")
    yield Finding(
        code="stratum_unreachable",
        severity="warning",
        field="stratification",
        message=_message(empty, len(strata), older, constant),
        source=_SOURCE,
    )


def _message(empty: list[str], strata: int, older: list[str], constant: list[str]) -> str:
    shown = ", ".join(f"'{s}'" for s in empty)
    text = (
        "with BCLC stage C (2022) required, the default reading of 'hcc_confirmed', "
        f"{len(empty)} of the {strata} randomization strata can never be filled ({shown}): "
        "stage C needs macrovascular invasion or extrahepatic spread with ECOG 0-2, so a "
        "patient without either is stage 0, A or B whatever the ECOG"
    )
    if older != empty:
        text += "; by BCLC 2018, where ECOG 1-2 alone is stage C, " + (
            "only " + ", ".join(f"'{s}'" for s in older) + " would be" if older else "none"
        )
    if constant:
        text += (
            f". The factor {', '.join(constant)} then takes one level in every randomized "
            "patient and stratifies nothing"
        )
    return text + (
        ". Suggested decision: replace that factor by one that varies within stage C "
        "(macrovascular invasion, with or without extrahepatic spread, against extrahepatic "
        "spread alone), or drop it and stratify by ECOG alone; or, if stage B patients are "
        "meant to enter, admit them (--no-require-bclc-c) and keep the strata"
    )
