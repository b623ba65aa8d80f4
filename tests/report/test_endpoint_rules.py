"""The report states the protocol's endpoint rules, read from the protocol, in HTML and PDF."""

from __future__ import annotations

import html as html_lib
import shutil
import subprocess
from pathlib import Path

import pytest

from metsor.protocol import EndpointRules, builtin
from metsor.report import BuiltReport
from metsor.report.document import Table
from metsor.report.endpoint_rules import endpoint_rules_table
from metsor.services.trial_data import TrialSnapshot

ADTTE_12 = [{"PARAMCD": code} for code in ("OS", "TTP", "PFS", "OS12", "TTP12", "PFS12")]


def _settings(table: Table) -> dict[str, str]:
    return {row[0]: row[1] for row in table.rows}


def test_the_default_rules_are_stated() -> None:
    table = endpoint_rules_table(EndpointRules(), ADTTE_12)
    settings = _settings(table)
    schedule_source = table.rows[0][2]
    assert schedule_source.count("Default, not the registry's") == 1
    assert "every 7 ± 1 weeks" in schedule_source
    assert "± 1 week around each planned assessment" in schedule_source
    assert settings["Tumour-assessment schedule"] == (
        "every 49 days (7 weeks) from randomization, window ± 7 days"
    )
    assert "more than 105 days (2 × 49 + 7)" in settings["Missed assessments"]
    assert settings["TTP: death without progression"] == (
        "censored at the last adequate tumour assessment on or before the death"
    )
    assert settings["Administrative censoring"].startswith(
        "at 12 months (OS12, TTP12, PFS12): OS censored at day 365;"
    )
    assert settings["Objective response"].startswith("unconfirmed")
    assert settings["Minimum stable-disease duration"].startswith("none")


def test_each_setting_follows_the_protocol() -> None:
    rules = EndpointRules(
        tumour_interval_days=56,
        tumour_window_days=3,
        missed_assessment_limit=1,
        ttp_death_censoring="death",
        orr_confirmation_required=True,
        sd_min_days=42,
    )
    table = endpoint_rules_table(rules, [{"PARAMCD": "TTP6"}, {"PARAMCD": "OS"}])
    settings = _settings(table)
    assert settings["Tumour-assessment schedule"] == (
        "every 56 days (8 weeks) from randomization, window ± 3 days"
    )
    assert "more than 59 days (1 × 56 + 3)" in settings["Missed assessments"]
    assert settings["TTP: death without progression"] == "censored at the date of death"
    assert settings["Administrative censoring"].startswith("at 6 months (OS6, TTP6, PFS6)")
    assert "day 182" in settings["Administrative censoring"]
    assert settings["Objective response"].startswith("confirmed")
    assert "28 days" in settings["Objective response"]
    assert settings["Minimum stable-disease duration"] == (
        "stable disease counts as best response from day 42 on"
    )
    assert all(row[2] for row in table.rows), "every rule names its source"


def test_no_horizon_without_administrative_parameters() -> None:
    settings = _settings(endpoint_rules_table(EndpointRules(), [{"PARAMCD": "OS"}]))
    assert settings["Administrative censoring"] == "none: every endpoint with full follow-up"


def test_the_efficacy_section_shows_the_snapshots_protocol_rules(
    built: BuiltReport, snapshot: TrialSnapshot
) -> None:
    efficacy = next(s for s in built.document.sections if s.title == "Efficacy")
    tables = [b for b in efficacy.blocks if isinstance(b, Table)]
    rules = next(t for t in tables if t.caption == "Endpoint rules of the protocol")
    assert rules == endpoint_rules_table(
        snapshot.protocol.endpoint_rules,
        snapshot.adtte,
        registered_months=snapshot.protocol.registered_horizon_months,
    )
    assert "FDA 2018 guidance (metsor.endpoints)" not in str(efficacy)


def test_the_html_and_pdf_state_the_rules(
    written: dict[str, Path], snapshot: TrialSnapshot
) -> None:
    rules = snapshot.protocol.endpoint_rules
    page = html_lib.unescape(written["html"].read_text(encoding="utf-8"))
    assert "Endpoint rules of the protocol" in page
    assert f"every {rules.tumour_interval_days} days" in page
    assert "TTP: death without progression" in page
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) absent")
    text = subprocess.run(
        ["pdftotext", str(written["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "Endpoint rules of the protocol" in flat
    assert f"every {rules.tumour_interval_days} days" in flat
    assert "Minimum stable-disease duration" in flat


def _sources(table: Table) -> dict[str, str]:
    return {row[0]: row[2] for row in table.rows}


@pytest.mark.parametrize(
    ("nct_id", "source"),
    [
        pytest.param("NCT02672488", "Registered analysis at 12 months (the primary outcome's "
                     "time frame); no unassessed progression-free time is credited", id="metsor"),
        pytest.param("NCT00105443", "12 months: not a time frame the registry gives the primary "
                     "outcomes; no unassessed progression-free time is credited", id="sharp"),
    ],
)  # fmt: skip
def test_a_horizon_is_called_registered_only_when_the_registry_gives_it(
    nct_id: str, source: str
) -> None:
    """METSOR registered its outcomes at 12 months; SHARP's record gives them no time frame in
    months, so its 12-month analysis is not called the registered one."""
    protocol = builtin(nct_id)
    table = endpoint_rules_table(
        protocol.endpoint_rules, ADTTE_12, registered_months=protocol.registered_horizon_months
    )
    assert _sources(table)["Administrative censoring"] == source
