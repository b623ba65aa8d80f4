"""``metsor export ctgov``: the registry results section (ClinicalTrials.gov API v2
``resultsSection``).

Five modules, with the group ids of the convention (FG000… participant flow, BG000… baseline
with a Total group, OG000… outcomes, EG000… adverse events), the experimental arm first:

- ``participantFlowModule``: the CONSORT flow of the trial's snapshot
  (:class:`metsor.services.trial_data.ConsortFlow`, the study report's diagram) in one period,
  "Overall Study": STARTED is the participants allocated to each arm, NOT COMPLETED those who
  died, withdrew or were lost to follow-up by the data cut-off (``dropWithdraws`` gives the
  reasons), COMPLETED those alive and in follow-up at the cut-off. Counts are text, as in the
  API.
- ``baselineCharacteristicsModule``: age (median and full range), sex, region of enrollment,
  aetiology, ECOG performance status (0, 1-2), Child-Pugh class (A5, A6, B/C), BCLC stage,
  macrovascular invasion, extrahepatic spread, AFP ≥ 400 ng/mL and the randomization stratum:
  the counts of :func:`metsor.analysis.baseline.summarise_baseline`, those of the study report.
- ``outcomeMeasuresModule`` and ``adverseEventsModule``: :mod:`metsor.export.ctgov_outcomes`.
- ``moreInfoModule``: the limitations of the data and the protocol's point of contact.

Every count is ADSL's, ADAE's or the CONSORT flow's; every statistic is
:mod:`metsor.analysis`'s.

References
----------
ClinicalTrials.gov PRS Results Data Element Definitions (42 CFR Part 11); API v2 data model,
``resultsSection``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from metsor.analysis import TrialAnalysis, analyse_trial
from metsor.analysis.baseline import BaselineSummary, CharacteristicCounts, summarise_baseline
from metsor.errors import InputError
from metsor.export import adam
from metsor.export.cdisc import study_of
from metsor.export.ctgov_outcomes import (
    Groups,
    adverse_events_module,
    number,
    outcome_measures_module,
)
from metsor.export.study import Study, ascii_text
from metsor.protocol import Protocol
from metsor.services.context import ServiceContext
from metsor.services.tabulation import CasebookRecords, casebook_records
from metsor.services.trial_data import ConsortFlow

__all__ = ["arm_descriptions", "export_results", "results_section", "trial_analysis"]


def _groups(study: Study) -> Groups:
    codes = (study.experimental, *(code for code in study.arms if code != study.experimental))
    return tuple(
        (f"{index:03d}", code, ascii_text(study.arm_label(code)) or code)
        for index, code in enumerate(codes)
    )


def arm_descriptions(study: Study) -> dict[str, str]:
    """Each arm's treatment from the protocol's interventions and doses (``Sorafenib 400 mg
    BID, oral + Metformin 500 mg BID, oral``), the arm's label where it names none."""
    interventions = {i.name: i for i in study.protocol.interventions}
    found = {}
    for code, arm in zip(study.arms, study.protocol.arms, strict=True):
        parts = []
        for name in arm.intervention_names:
            dose = interventions[name].dose if name in interventions else None
            route = "" if dose is None or dose.route is None else f", {dose.route}"
            parts.append(
                name
                if dose is None
                else f"{name} {dose.quantity:g} {dose.unit} {dose.frequency}{route}"
            )
        found[code] = " + ".join(parts) or arm.label
    return found


def _group_list(groups: Groups, prefix: str, study: Study) -> list[dict[str, str]]:
    descriptions = arm_descriptions(study)
    return [
        {
            "id": f"{prefix}{number_}",
            "title": title,
            "description": ascii_text(descriptions.get(code, title)) or title,
        }
        for number_, code, title in groups
    ]


def participant_flow(consort: ConsortFlow, groups: Groups, study: Study) -> dict[str, Any]:
    """``participantFlowModule`` from the CONSORT flow of the trial's snapshot."""
    dropped = {
        "Death": consort.died,
        "Withdrawal by Subject": consort.withdrew,
        "Lost to Follow-up": consort.lost_to_follow_up,
    }

    def counts(count: Mapping[str, int]) -> list[dict[str, str]]:
        return [
            {"groupId": f"FG{n}", "numSubjects": str(count.get(code, 0))} for n, code, _ in groups
        ]

    not_completed = {
        code: sum(by_arm.get(code, 0) for by_arm in dropped.values()) for _, code, _ in groups
    }
    randomized = sum(consort.allocated.values())
    excluded = "; ".join(f"{reason}: {n}" for reason, n in consort.excluded.items() if n)
    return {
        "recruitmentDetails": f"{consort.assessed} participants were assessed for eligibility "
        f"and {randomized} randomized.",
        "preAssignmentDetails": f"{consort.assessed - randomized} assessed participants were "
        f"not randomized ({excluded or 'none'}).",
        "groups": _group_list(groups, "FG", study),
        "periods": [
            {
                "title": "Overall Study",
                "milestones": [
                    {"type": "STARTED", "achievements": counts(consort.allocated)},
                    {"type": "COMPLETED", "achievements": counts(consort.in_follow_up)},
                    {"type": "NOT COMPLETED", "achievements": counts(not_completed)},
                ],
                "dropWithdraws": [
                    {"type": reason, "reasons": counts(by_arm)}
                    for reason, by_arm in dropped.items()
                ],
            }
        ],
    }


def _ascii(level: str | None) -> str:
    """A level of :mod:`metsor.analysis.baseline` as the registry shows it (ASCII)."""
    if level is None:
        return "Unknown"
    return _LEVELS.get(level, level).replace("≥", ">=").replace("–", "-")


_LEVELS = {"≥ 400": ">= 400 ng/mL", "< 400": "< 400 ng/mL"}


def _count_measure(title: str, counts: CharacteristicCounts) -> dict[str, Any]:
    return {
        "title": title,
        "paramType": "COUNT_OF_PARTICIPANTS",
        "unitOfMeasure": "Participants",
        "classes": [
            {
                "categories": [
                    {
                        "title": _ascii(level),
                        "measurements": [
                            {"groupId": f"BG{index:03d}", "value": str(value)}
                            for index, value in enumerate(values)
                        ],
                    }
                    for level, values in zip(counts.levels, counts.counts, strict=True)
                ]
            }
        ],
    }


def _age_measure(summary: BaselineSummary) -> dict[str, Any]:
    measurements = [
        {
            "groupId": f"BG{index:03d}",
            "value": number(age.median, 1),
            "lowerLimit": number(age.minimum, 0),
            "upperLimit": number(age.maximum, 0),
        }
        for index, age in enumerate(summary.age)
    ]
    return {
        "title": "Age, Continuous",
        "paramType": "MEDIAN",
        "dispersionType": "FULL_RANGE",
        "unitOfMeasure": "years",
        "classes": [{"categories": [{"measurements": measurements}]}],
    }


#: The registry's title of each characteristic of :data:`metsor.analysis.baseline.CHARACTERISTICS`.
_TITLES = {
    "SEX": "Sex: Female, Male",
    "AETIOL": "Aetiology of liver disease",
    "ECOG": "ECOG performance status",
    "CHILDPGH": "Child-Pugh class (A5: 5 points, A6: 6 points)",
    "BCLC": "BCLC stage",
    "MVI": "Macrovascular invasion",
    "EHS": "Extrahepatic spread",
    "AFP": "Alpha-fetoprotein",
    "STRATUM": "Randomization stratum",
}


def baseline_characteristics(
    adsl: Sequence[Mapping[str, Any]], groups: Groups, study: Study
) -> dict[str, Any]:
    """``baselineCharacteristicsModule`` (see the module docstring): the counts of
    :func:`metsor.analysis.baseline.summarise_baseline`, as the study report's table."""
    codes = [code for _, code, _ in groups]
    summary = summarise_baseline(adsl, codes)
    country = next((site.country for site in study.protocol.sites if site.country), "Unknown")
    region = {
        "title": "Region of Enrollment",
        "paramType": "COUNT_OF_PARTICIPANTS",
        "unitOfMeasure": "Participants",
        "classes": [
            {
                "title": country,
                "categories": [
                    {
                        "measurements": [
                            {"groupId": f"BG{index:03d}", "value": str(n)}
                            for index, n in enumerate(summary.sizes)
                        ]
                    }
                ],
            }
        ],
    }
    by_column = {c.column: c for c in summary.characteristics}
    measures = [
        _age_measure(summary),
        _count_measure(_TITLES["SEX"], by_column["SEX"]),
        region,
        *(
            _count_measure(_TITLES[c.column], c)
            for c in summary.characteristics
            if c.column != "SEX"
        ),
    ]
    return {
        "populationDescription": "All randomized participants (intention to treat).",
        "groups": [
            *_group_list(groups, "BG", study),
            {
                "id": f"BG{len(codes):03d}",
                "title": "Total",
                "description": "Total of all reporting groups",
            },
        ],
        "denoms": [
            {
                "units": "Participants",
                "counts": [
                    {"groupId": f"BG{i:03d}", "value": str(n)} for i, n in enumerate(summary.sizes)
                ],
            }
        ],
        "measures": measures,
    }


def _more_info(protocol: Protocol, records: CasebookRecords) -> dict[str, Any]:
    contact = protocol.contacts[0] if protocol.contacts else None
    official = protocol.principal_investigator
    cutoff = "" if records.cutoff is None else f" at the data cut-off {records.cutoff}"
    return {
        "limitationsAndCaveats": {
            "description": f"Results of the data recorded{cutoff}; the time-to-event outcomes "
            "are censored at the registered time frame, and the trial is open label."
        },
        "pointOfContact": {
            "title": ascii_text(official.name if official else contact.name if contact else "")
            or "",
            "organization": ascii_text(protocol.sponsor.lead) or "",
            "email": (contact.email if contact else None) or "",
            "phone": (contact.phone if contact else None) or "",
        },
    }


def trial_analysis(records: CasebookRecords, study: Study) -> TrialAnalysis:
    """The trial's analysis (:func:`metsor.analysis.analyse_trial`) on its ADTTE and ADRS."""
    rows = records.datasets.rows
    return analyse_trial(
        rows["adtte"], rows["adrs"], reference=study.reference, experimental=study.experimental
    )


def results_section(records: CasebookRecords, study: Study) -> dict[str, Any]:
    """The ``resultsSection`` of the trial (see the module docstring)."""
    groups = _groups(study)
    adsl = adam.adsl(records, study).rows
    adae = adam.adae(records, study, adam.study_drugs(records, study)).rows
    if not adsl:
        raise InputError("no participant is randomized: there are no results", field="cutoff")
    analysis = trial_analysis(records, study)
    labels = arm_descriptions(study)
    versions = sorted({str(row["ATOXGRV"]) for row in adae if row["ATOXGRV"]}) or ["5.0"]
    end = "the data cut-off" if records.cutoff is None else f"the data cut-off ({records.cutoff})"
    return {
        "participantFlowModule": participant_flow(records.snapshot.consort, groups, study),
        "baselineCharacteristicsModule": baseline_characteristics(adsl, groups, study),
        "outcomeMeasuresModule": outcome_measures_module(
            study.protocol.outcomes, analysis, groups, labels
        ),
        "adverseEventsModule": adverse_events_module(
            adsl,
            adae,
            groups,
            labels,
            time_frame=f"From the first dose of study treatment to {end}.",
            vocabulary=f"CTCAE ({', '.join(versions)})",
        ),
        "moreInfoModule": _more_info(study.protocol, records),
    }


def export_results(
    ctx: ServiceContext,
    out: Path | str,
    *,
    cutoff: date | None = None,
    protocol: Protocol | None = None,
) -> Path:
    """Write ``{"resultsSection": …}`` of the trial at ``cutoff`` as JSON to ``out``.

    Raises
    ------
    InputError
        Naming ``out`` when the file cannot be written, or ``cutoff`` when nobody is
        randomized by it.
    """
    path = Path(out)
    if path.is_dir():
        raise InputError(f"out {path} is a folder; give a file name", field="out")
    records = casebook_records(ctx, cutoff=cutoff, protocol=protocol)
    study = study_of(records)
    document = {"resultsSection": results_section(records, study)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=True) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}", field="out") from None
    return path
