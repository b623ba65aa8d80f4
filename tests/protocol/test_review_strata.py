"""``metsor protocol review`` finds the strata that no BCLC stage C patient can fill.

BCLC 2022 (Reig M et al. J Hepatol 2022;76:681-693): stage C is macrovascular invasion and/or
extrahepatic spread with ECOG 0-2 (Child-Pugh A-B); ECOG 1-2 alone is no longer stage C, as it
was in BCLC 2018 (Forner A et al. Lancet 2018;391:1301-1314).
"""

from __future__ import annotations

import pytest

from metsor.protocol import Finding, Protocol, review_protocol
from metsor.protocol.review_strata import unreachable_strata
from metsor.protocol.stratification import StratificationFactor


def _finding(protocol: Protocol) -> list[Finding]:
    return [f for f in review_protocol(protocol) if f.code == "stratum_unreachable"]


def _factor(
    name: str, kind: str, fields: tuple[str, ...], **levels: tuple[object, ...]
) -> StratificationFactor:
    return StratificationFactor.model_validate(
        {
            "name": name,
            "kind": kind,
            "fields": fields,
            "levels": [{"label": k, "values": v} for k, v in levels.items()],
            "description": name,
            "source": "test",
        }
    )


ECOG = _factor("ecog", "int", ("ecog",), ecog0=(0,), ecog1_2=(1, 2))
MVI_EHS = _factor(
    "mvi_ehs",
    "bool",
    ("tumour.macrovascular_invasion", "tumour.extrahepatic_spread"),
    mvi_ehs_no=(False,),
    mvi_ehs_yes=(True,),
)
MVI = _factor("mvi", "bool", ("tumour.macrovascular_invasion",), mvi_no=(False,), mvi_yes=(True,))
REGION = _factor("region", "str", ("site.region",), asia=("asia",), other=("other",))


def test_the_builtin_strata_without_spread_are_never_filled(corrected: Protocol) -> None:
    """ECOG 0 without macrovascular invasion or extrahepatic spread is never stage C; by the
    2022 update neither is ECOG 1-2 without them."""
    [finding] = _finding(corrected)
    assert (finding.severity, finding.field) == ("warning", "stratification")
    for words in (
        "2 of the 4 randomization strata can never be filled",
        "'ecog0-mvi_ehs_no', 'ecog1_2-mvi_ehs_no'",
        "by BCLC 2018, where ECOG 1-2 alone is stage C, only 'ecog0-mvi_ehs_no' would be",
        "The factor mvi_ehs then takes one level",
        "Suggested decision:",
        "--no-require-bclc-c",
    ):
        assert words in finding.message
    assert "Reig" in finding.source
    assert "Forner" in finding.source


@pytest.mark.parametrize(
    ("factors", "version", "empty"),
    [
        pytest.param(
            (ECOG, MVI_EHS), "2022", ["ecog0-mvi_ehs_no", "ecog1_2-mvi_ehs_no"], id="2022"
        ),
        pytest.param((ECOG, MVI_EHS), "2018", ["ecog0-mvi_ehs_no"], id="2018"),
        pytest.param((ECOG,), "2022", [], id="ecog-alone"),
        pytest.param((MVI, ECOG), "2022", [], id="mvi-alone-reaches-c-through-spread"),
        pytest.param(
            (REGION, MVI_EHS), "2022", ["asia-mvi_ehs_no", "other-mvi_ehs_no"], id="region"
        ),
    ],
)
def test_unreachable_strata(
    factors: tuple[StratificationFactor, ...], version: str, empty: list[str]
) -> None:
    assert unreachable_strata(factors, version) == empty  # type: ignore[arg-type]


def test_strata_that_stage_c_fills_are_not_a_finding(corrected: Protocol) -> None:
    fixed = corrected.model_copy(update={"stratification": (ECOG, MVI)})
    assert _finding(fixed) == []


def test_no_finding_without_the_stage_c_criterion(corrected: Protocol) -> None:
    criteria = tuple(c for c in corrected.criteria if c.rule != "hcc_confirmed")
    assert _finding(corrected.model_copy(update={"criteria": criteria})) == []
