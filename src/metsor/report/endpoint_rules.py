"""The endpoint rules of the trial's protocol, as the report states them.

Every setting is read from :class:`metsor.protocol.model.EndpointRules` of the protocol the
trial's snapshot was taken under (:mod:`metsor.services.trial_data`), with the source the
protocol gives for it; the administrative horizons are those of the ADTTE parameters the
analysis read (``OS12``, ``TTP12``, ``PFS12`` for 12 months).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from metsor.endpoints import horizon_days
from metsor.protocol import EndpointRules
from metsor.report.document import Table

__all__ = ["endpoint_rules_table"]

_CONFIRMATION_DAYS = 28
"""Least interval to a confirming assessment of CR or PR (RECIST 1.1, Eisenhauer 2009, §4.4)."""

_HORIZON_PARAM = re.compile(r"^(?:OS|TTP|PFS)(\d+(?:\.\d+)?)$")

_FDA_2018 = (
    "FDA 2018 endpoint guidance (Clinical Trial Endpoints for the Approval of Cancer Drugs "
    "and Biologics), PFS censoring conventions"
)


def endpoint_rules_table(
    rules: EndpointRules,
    adtte: Iterable[Mapping[str, object]],
    *,
    registered_months: float | None = None,
) -> Table:
    """The protocol's endpoint rules: each setting, its value and its source.

    Parameters
    ----------
    rules
        The protocol's endpoint rules (``protocol.endpoint_rules``).
    adtte
        The ADTTE rows the analysis read; their parameter codes give the administrative
        censoring horizons.
    registered_months
        The registered time frame of the primary outcome
        (:attr:`metsor.protocol.model.Protocol.registered_horizon_months`): a horizon equal to
        it is the registered analysis, any other one is not said to be.

    Returns
    -------
    Table
        One row per rule: the rule, the protocol's setting, and its source.
    """
    interval, window, limit = (
        rules.tumour_interval_days,
        rules.tumour_window_days,
        rules.missed_assessment_limit,
    )
    max_gap = limit * interval + window
    sources = rules.sources
    adtte = list(adtte)
    if rules.ttp_death_censoring == "death":
        death_rule = "censored at the date of death"
    else:
        death_rule = "censored at the last adequate tumour assessment on or before the death"
    if rules.orr_confirmation_required:
        orr_rule = (
            f"confirmed: CR or PR counts only when a later assessment at least "
            f"{_CONFIRMATION_DAYS} days after it shows the same or a better response"
        )
    else:
        orr_rule = "unconfirmed: one assessment of CR or PR is enough"
    if rules.sd_min_days > 0:
        sd_rule = f"stable disease counts as best response from day {rules.sd_min_days} on"
    else:
        sd_rule = "none: stable disease at any post-baseline assessment counts"
    rows: list[tuple[str, str, str]] = [
        (
            "Tumour-assessment schedule",
            f"every {interval} days ({interval / 7:g} weeks) from randomization, "
            f"window ± {window} days",
            _joined(sources.get("tumour_interval_days", ""), sources.get("tumour_window_days", "")),
        ),
        (
            "Missed assessments",
            f"progression or death more than {max_gap} days ({limit} × {interval} + {window}) "
            "after the last adequate assessment is censored at that assessment",
            sources.get("missed_assessment_limit", ""),
        ),
        (
            "New anticancer therapy",
            "therapy started before progression (or death, PFS): censored at the last adequate "
            "assessment on or before its start",
            _FDA_2018,
        ),
        (
            "TTP: death without progression",
            death_rule,
            sources.get("ttp_death_censoring", ""),
        ),
        (
            "Administrative censoring",
            _horizon_rule(adtte),
            _horizon_source(adtte, registered_months),
        ),
        (
            "Objective response",
            orr_rule,
            sources.get("orr_confirmation_required", ""),
        ),
        (
            "Minimum stable-disease duration",
            sd_rule,
            sources.get("sd_min_days", ""),
        ),
    ]
    return Table(
        caption="Endpoint rules of the protocol",
        header=("Rule", "Setting", "Source"),
        rows=tuple(rows),
        notes=(
            "Progression is PD at a tumour assessment (mRECIST primary, RECIST 1.1 secondary); "
            "an adequate assessment is one with a response other than NE. Settings read from "
            "the protocol's endpoint rules (metsor.protocol.model.EndpointRules).",
        ),
    )


def _horizons(adtte: Iterable[Mapping[str, object]]) -> list[str]:
    """The administrative horizons of the ADTTE parameters, in months as their codes write them."""
    found = {m.group(1) for row in adtte if (m := _HORIZON_PARAM.match(str(row.get("PARAMCD"))))}
    return sorted(found, key=float)


def _horizon_source(adtte: Iterable[Mapping[str, object]], registered: float | None) -> str:
    """Whether each horizon is the registered analysis: only one equal to the registry's time
    frame of the primary outcome is."""
    said = []
    for h in _horizons(adtte):
        if registered is not None and float(h) == registered:
            said.append(f"registered analysis at {h} months (the primary outcome's time frame)")
        else:
            said.append(f"{h} months: not a time frame the registry gives the primary outcomes")
    if not said:
        return "no administrative horizon"
    joined = "; ".join(said)
    return f"{joined[:1].upper()}{joined[1:]}; no unassessed progression-free time is credited"


def _horizon_rule(adtte: Iterable[Mapping[str, object]]) -> str:
    found = _horizons(adtte)
    if not found:
        return "none: every endpoint with full follow-up"
    horizons = found
    return "; ".join(
        f"at {h} months (OS{h}, TTP{h}, PFS{h}): OS censored at day {horizon_days(float(h))}; "
        "TTP and PFS censored at the last adequate assessment on or before it when the "
        "progression, death or new therapy comes after it"
        for h in horizons
    )


def _joined(first: str, second: str) -> str:
    """Two sources in one cell, their shared ``"origin: "`` prefix written once."""
    origin, _, rest = second.partition(": ")
    if rest and first.startswith(f"{origin}: "):
        return f"{first}; {rest}"
    return f"{first}; {second}"
