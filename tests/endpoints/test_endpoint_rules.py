"""The endpoint rules the protocol fixes (:class:`metsor.protocol.model.EndpointRules`), each
default and option recorded in ADTTE (``CNSDTDSC``) and ADRS (``PARAMCD``, ``PARAM``), and the
baseline columns of ADSL."""

from __future__ import annotations

from typing import Any

import pytest

from metsor.endpoints import AssessmentSchedule, adrs, adsl, adtte, best_response
from metsor.endpoints.censoring import PROTOCOL_RULES
from metsor.protocol import EndpointRules, builtin

from .builders import course, day, scan


def _row(rows: list[dict[str, Any]], paramcd: str) -> dict[str, Any]:
    [row] = [r for r in rows if r["PARAMCD"] == paramcd]
    return row


def test_defaults_are_the_protocols() -> None:
    rules = builtin().endpoint_rules
    assert rules == PROTOCOL_RULES
    assert (rules.tumour_interval_days, rules.tumour_window_days) == (49, 7)
    assert rules.ttp_death_censoring == "last_adequate_assessment"
    assert (rules.orr_confirmation_required, rules.sd_min_days) == (False, 0)
    assert AssessmentSchedule() == AssessmentSchedule.of(rules)
    assert AssessmentSchedule().max_gap_days == 105


def test_every_rule_has_a_source() -> None:
    with pytest.raises(ValueError, match=r"no source for missed_assessment_limit, .*sd_min_days"):
        EndpointRules(sources={"tumour_interval_days": "x"})


@pytest.mark.parametrize(
    ("rules", "adt", "cnsdtdsc"),
    [
        pytest.param(
            PROTOCOL_RULES, day(56), "last adequate tumour assessment before death", id="default"
        ),
        pytest.param(EndpointRules(ttp_death_censoring="death"), day(130), "death", id="at-death"),
    ],
)
def test_adtte_records_the_ttp_death_rule(rules: EndpointRules, adt: Any, cnsdtdsc: str) -> None:
    subject = course(death=130, scans=(scan(56, "SD"),))
    row = _row(adtte([subject], rules=rules), "TTP")
    assert (row["ADT"], row["CNSR"], row["EVNTDESC"], row["CNSDTDSC"]) == (
        adt,
        1,
        "death without progression",
        cnsdtdsc,
    )
    assert _row(adtte([subject], rules=rules), "PFS")["CNSR"] == 0


def test_adtte_twelve_month_censoring_at_the_last_assessment() -> None:
    subject = course(alive=600, scans=tuple(scan(49 * k, "SD") for k in range(1, 11)))
    rows = adtte([subject])
    for code in ("TTP12", "PFS12"):
        row = _row(rows, code)
        assert (row["ADT"], row["CNSR"], row["EVNTDESC"]) == (
            day(343),
            1,
            "administrative (12 months)",
        )
        assert row["CNSDTDSC"] == (
            "last adequate tumour assessment on or before the 12-month horizon"
        )
    assert _row(rows, "OS12")["ADT"] == day(365)


def test_adtte_schedule_follows_the_rules() -> None:
    subject = course(alive=400, scans=(scan(42, "SD"), scan(140, "PD")))
    assert _row(adtte([subject]), "PFS")["CNSR"] == 0
    six_weekly = EndpointRules(tumour_interval_days=42)
    row = _row(adtte([subject], rules=six_weekly), "PFS")
    assert (row["CNSR"], row["ADT"]) == (1, day(42))


RESPONDER = course(alive=400, scans=(scan(49, "PR"), scan(70, "SD"), scan(98, "SD")))
"""A PR not confirmed 28 days later (SD at day 70)."""


@pytest.mark.parametrize(
    ("rules", "codes", "orr", "suffix"),
    [
        pytest.param(PROTOCOL_RULES, ("BOR_MRECIST", "ORR_MRECIST"), "Y", "", id="default"),
        pytest.param(
            EndpointRules(orr_confirmation_required=True),
            ("CBOR_MRECIST", "CORR_MRECIST"),
            "N",
            ", confirmed (≥ 28 days)",
            id="confirmed",
        ),
    ],
)
def test_adrs_records_confirmation(
    rules: EndpointRules, codes: tuple[str, str], orr: str, suffix: str
) -> None:
    rows = adrs([RESPONDER], rules=rules)
    bor, response = (_row(rows, code) for code in codes)
    assert response["AVALC"] == orr
    assert bor["AVALC"] == ("PR" if orr == "Y" else "SD")
    assert response["PARAM"] == f"Objective response (CR or PR) within 12 months{suffix}, mRECIST"


def test_adrs_minimum_stable_disease_duration() -> None:
    early = course(alive=400, scans=(scan(35, "SD"), scan(84, "NE")))
    assert _row(adrs([early]), "BOR_MRECIST")["AVALC"] == "SD"
    rules = EndpointRules(sd_min_days=42)
    row = _row(adrs([early], rules=rules), "BOR_MRECIST")
    assert row["AVALC"] == "NE"
    assert row["PARAM"].endswith(", SD ≥ 42 days, mRECIST")
    assert best_response(early, sd_min_days=42).response == "NE"


def test_adsl_baseline_and_strata() -> None:
    subject = course(
        baseline={
            "race": "asian",
            "afp_ng_ml": 1250.0,
            "aetiology": "HBV",
            "child_pugh_score": 6,
            "bclc_stage": "C",
        },
        alive=100,
    )
    [row] = adsl([subject])
    assert (row["RACE"], row["AFP"], row["AETIOL"], row["CHILDPGH"], row["BCLC"]) == (
        "ASIAN",
        1250.0,
        "HBV",
        6,
        "C",
    )
    assert (row["STRATUM"], row["STRAT1R"], row["STRAT2R"]) == (
        "ecog0-mvi_ehs_yes",
        "ecog0",
        "mvi_ehs_yes",
    )
