"""Tables of safety: adverse events by arm, system organ class and term, worst CTCAE grade,
serious events, deaths, events leading to a dose change or to discontinuation, exposure.

Adverse events are the treatment-emergent rows of ADAE (``TRTEMFL = Y``); a subject counts
once per row of a table, at their worst grade. The denominator of each arm is its safety
population: the subjects who received a study drug.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from metsor.analysis import ExposureSummary
from metsor.report.document import Table
from metsor.report.formatting import count_percent
from metsor.services.trial_data import DeathRecord

__all__ = [
    "adverse_event_overview",
    "deaths_table",
    "events_by_organ_system",
    "exposure_table",
    "serious_events_table",
    "worst_grade_table",
]

Row = Mapping[str, Any]
_UNCODED = "Not coded (term outside CTCAE grading)"
_DOSE_CHANGE = ("dose_reduced", "drug_interrupted", "drug_withdrawn")


def _organ_system(row: Row) -> str:
    value = row.get("AEBODSYS")
    return _UNCODED if not value or value == "UNCODED" else str(value)


def _emergent(adae: Sequence[Row]) -> list[Row]:
    return [row for row in adae if row.get("TRTEMFL") == "Y"]


def _actions(row: Row) -> set[str]:
    return {str(v) for k, v in row.items() if k.startswith("AACN_") and v}


def _subjects(rows: Sequence[Row], arm: str, test: Any = None) -> int:
    return len({r["USUBJID"] for r in rows if r["ARMCD"] == arm and (test is None or test(r))})


def _header(
    arms: Sequence[str], labels: Mapping[str, str], n: Mapping[str, int]
) -> tuple[str, ...]:
    return tuple(f"{labels.get(a, a)} (N={n[a]})" for a in arms)


def adverse_event_overview(
    adae: Sequence[Row],
    deaths: Sequence[DeathRecord],
    arms: Sequence[str],
    labels: Mapping[str, str],
    safety_n: Mapping[str, int],
) -> Table:
    """Subjects with any event, grade ≥ 3, serious, related, leading to a dose change or to
    discontinuation, fatal; deaths from any cause."""
    rows = _emergent(adae)
    tests: tuple[tuple[str, Any], ...] = (
        ("Any adverse event", None),
        ("CTCAE grade ≥ 3", lambda r: int(r["AETOXGR"]) >= 3),
        ("Serious adverse event", lambda r: r["AESER"] == "Y"),
        ("Related to a study drug", lambda r: r.get("AREL") == "Y"),
        (
            "Leading to a dose reduction or interruption",
            lambda r: bool(_actions(r) & {"dose_reduced", "drug_interrupted"}),
        ),
        ("Leading to discontinuation of a study drug", lambda r: "drug_withdrawn" in _actions(r)),
        ("Fatal (grade 5)", lambda r: int(r["AETOXGR"]) == 5),
    )
    body = [
        (name, *(count_percent(_subjects(rows, a, test), safety_n[a]) for a in arms))
        for name, test in tests
    ]
    died = Counter(d.arm for d in deaths)
    body.append(
        ("Deaths from any cause", *(count_percent(died.get(a, 0), safety_n[a]) for a in arms))
    )
    return Table(
        caption="Overview of treatment-emergent adverse events (subjects)",
        header=("", *_header(arms, labels, safety_n)),
        rows=tuple(body),
        notes=(
            "Adverse events graded by CTCAE (v5.0; infection v3.0). Deaths include those "
            "after the end of treatment, up to the data cut-off.",
        ),
    )


def events_by_organ_system(
    adae: Sequence[Row], arms: Sequence[str], labels: Mapping[str, str], safety_n: Mapping[str, int]
) -> Table:
    """Subjects with each event by system organ class and term: any grade and grade ≥ 3."""
    rows = _emergent(adae)
    socs: dict[str, set[str]] = {}
    for r in rows:
        socs.setdefault(_organ_system(r), set()).add(str(r["AETERM"]))
    body: list[tuple[str, ...]] = []
    heads = set()
    for soc in sorted(socs):
        heads.add(len(body))
        in_soc = [r for r in rows if _organ_system(r) == soc]
        body.append((soc, *_any_and_severe(in_soc, arms, safety_n)))
        for term in sorted(socs[soc]):
            of_term = [r for r in in_soc if r["AETERM"] == term]
            body.append((f"    {term}", *_any_and_severe(of_term, arms, safety_n)))
    if not body:
        body.append(("No treatment-emergent adverse event was recorded", *([""] * (2 * len(arms)))))
    header = ["System organ class / term"]
    for a in arms:
        header += [f"{labels.get(a, a)}: any grade", "grade ≥ 3"]
    return Table(
        caption="Treatment-emergent adverse events by system organ class and term (subjects)",
        header=tuple(header),
        rows=tuple(body),
        notes=(
            "n (%) of the arm's safety population (N: "
            + ", ".join(f"{labels.get(a, a)} {safety_n[a]}" for a in arms)
            + ").",
        ),
        group_rows=frozenset(heads),
    )


def _any_and_severe(rows: Sequence[Row], arms: Sequence[str], n: Mapping[str, int]) -> list[str]:
    cells = []
    for arm in arms:
        cells.append(count_percent(_subjects(rows, arm), n[arm]))
        cells.append(count_percent(_subjects(rows, arm, lambda r: int(r["AETOXGR"]) >= 3), n[arm]))
    return cells


def worst_grade_table(
    adae: Sequence[Row], arms: Sequence[str], labels: Mapping[str, str], safety_n: Mapping[str, int]
) -> Table:
    """Subjects by their worst CTCAE grade of any treatment-emergent event."""
    worst: dict[tuple[str, str], int] = {}
    for r in _emergent(adae):
        key = (str(r["ARMCD"]), str(r["USUBJID"]))
        worst[key] = max(worst.get(key, 0), int(r["AETOXGR"]))
    body = []
    for grade in range(0, 6):
        name = "No adverse event" if grade == 0 else f"Grade {grade}"
        counts = []
        for arm in arms:
            with_events = [g for (a, _), g in worst.items() if a == arm]
            k = safety_n[arm] - len(with_events) if grade == 0 else with_events.count(grade)
            counts.append(count_percent(k, safety_n[arm]))
        body.append((name, *counts))
    return Table(
        caption="Worst CTCAE grade per subject",
        header=("Worst grade", *_header(arms, labels, safety_n)),
        rows=tuple(body),
    )


def serious_events_table(
    adae: Sequence[Row], arms: Sequence[str], labels: Mapping[str, str]
) -> Table:
    """Serious adverse events: events and subjects by term."""
    rows = [r for r in _emergent(adae) if r["AESER"] == "Y"]
    terms = sorted({str(r["AETERM"]) for r in rows})
    body = [
        (
            term,
            *(
                f"{sum(1 for r in rows if r['AETERM'] == term and r['ARMCD'] == a)} events, "
                f"{_subjects([r for r in rows if r['AETERM'] == term], a)} subjects"
                for a in arms
            ),
        )
        for term in terms
    ]
    if not body:
        body = [("No serious adverse event was recorded", *("" for _ in arms))]
    return Table(
        caption="Serious adverse events",
        header=("Term", *(labels.get(a, a) for a in arms)),
        rows=tuple(body),
    )


def deaths_table(
    deaths: Sequence[DeathRecord],
    arms: Sequence[str],
    labels: Mapping[str, str],
    randomized: Mapping[str, int],
) -> Table:
    """Deaths by primary cause and arm (intention-to-treat population)."""
    causes = sorted({d.cause for d in deaths})
    body = [
        (
            cause.replace("_", " ").capitalize(),
            *(
                count_percent(
                    sum(1 for d in deaths if d.cause == cause and d.arm == a), randomized[a]
                )
                for a in arms
            ),
        )
        for cause in causes
    ]
    body.append(
        (
            "All deaths",
            *(count_percent(sum(1 for d in deaths if d.arm == a), randomized[a]) for a in arms),
        )
    )
    return Table(
        caption="Deaths by primary cause, up to the data cut-off",
        header=("Cause", *_header(arms, labels, randomized)),
        rows=tuple(body),
    )


def exposure_table(summaries: Sequence[ExposureSummary], labels: Mapping[str, str]) -> Table:
    """Exposure and relative dose intensity per arm and drug."""
    body = [
        (
            labels.get(s.arm, s.arm),
            s.drug.capitalize(),
            str(s.treated),
            f"{s.median_months:.1f}",
            f"{100 * s.median_rdi:.0f}%",
            str(s.reduced),
            str(s.interrupted),
            str(s.discontinued),
        )
        for s in summaries
    ]
    if not body:
        body = [("No study drug was given by the data cut-off", *("",) * 7)]
    return Table(
        caption="Exposure to the study drugs and relative dose intensity",
        header=(
            "Arm",
            "Drug",
            "Treated",
            "Median months on drug",
            "Median relative dose intensity",
            "Reduced",
            "Interrupted",
            "Discontinued",
        ),
        rows=tuple(body),
        notes=(
            "Relative dose intensity: dose received over the full dose for the days from the "
            "first dose to the last (discontinuation, or the data cut-off, death or "
            "withdrawal while on treatment).",
        ),
    )
