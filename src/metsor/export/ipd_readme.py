"""What the IPD package says of itself: its README and its data dictionary.

:func:`readme` says what was done to the data and to each variable; :func:`data_dictionary`
lists every variable of the source datasets with its treatment and, for those kept, its type and
length in the transport files (:mod:`metsor.export.ipd`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from metsor.export.metadata import Dataset, text_length

if TYPE_CHECKING:
    from metsor.export.ipd import Treatment

__all__ = ["data_dictionary", "readme"]


def readme(
    datasets: Sequence[Dataset],
    treatments: Sequence[Treatment],
    study: str,
    min_site_size: int,
    min_term_subjects: int,
    age_cap: int,
) -> str:
    """The package's README: its files, what was done, and per variable its treatment."""
    lines = [
        f"# De-identified individual participant data: {study}",
        "",
        "Analysis datasets (CDISC ADaM) of the trial, de-identified following the PhUSE",
        "de-identification standard for SDTM/ADaM. Files: "
        + ", ".join(f"`{d.name.lower()}.csv` ({len(d.rows)} rows)" for d in datasets)
        + "; the same datasets as SAS transport version 5 files ("
        + ", ".join(f"`{d.name.lower()}.xpt`" for d in datasets)
        + "; the header dates of the transport files are the SAS epoch, 01JAN60:00:00:00,"
        " not the day they were written); and `data-dictionary.csv` (every variable, what"
        " was done to it, its type and its length in the transport files).",
        "",
        "What was done:",
        "",
        "- Subject identifiers are replaced by keyed pseudonyms (HMAC-SHA256; the key is kept",
        "  by the sponsor, apart from the data, and is not part of this package).",
        "- Calendar dates are replaced by study days from randomization (day 1 = the day of",
        "  randomization, day -1 the day before; there is no day 0).",
        f"- Ages above {age_cap - 1} are written as {age_cap} ({age_cap} or older).",
        f"- Sites are recoded S01, S02 ...; sites with fewer than {min_site_size} randomized",
        "  participants are pooled as POOLED.",
        "- Free text (the verbatim adverse-event term) is removed; coded CTCAE terms are kept,",
        f"  except that a term reported by fewer than {min_term_subjects} participants is",
        "  written as its organ class's other term ('<organ class> - Other'), and an organ",
        f"  class of fewer than {min_term_subjects} participants as 'Other system organ",
        "  classes' with the term 'Other'; grades and seriousness are unchanged.",
        f"- Race and aetiology values held by fewer than {min_term_subjects} participants are",
        "  written as OTHER.",
        "- Analysis values (times in months, censoring, responses) are unchanged, so analyses",
        "  of this package reproduce the trial's hazard ratios and response comparisons.",
        "",
        "Per variable:",
        "",
        "| dataset | variable | in the package | treatment | detail |",
        "|---|---|---|---|---|",
    ]
    for treatment in treatments:
        lines.append(
            f"| {treatment.dataset} | {treatment.source} | {treatment.name or '-'} | "
            f"{treatment.action} | {treatment.detail} |"
        )
    return "\n".join(lines) + "\n"


def data_dictionary(
    package: Sequence[Dataset], treatments: Sequence[Treatment]
) -> list[dict[str, Any]]:
    """One row per source variable: what was done, and its type and length in the package."""
    specs = {d.name: d for d in package}
    rows = []
    for t in treatments:
        kind = length = ""
        if t.name is not None:
            dataset = specs[t.dataset]
            variable = dataset.spec.variable(t.name)
            kind = "Char" if variable.kind == "text" else "Num"
            values = dataset.column(t.name)
            length = str(text_length(values) if variable.kind == "text" else 8)
        rows.append(
            {"DATASET": t.dataset, "VARIABLE": t.name or "", "SOURCE": t.source,
             "LABEL": t.label, "TYPE": kind, "LENGTH": length, "TREATMENT": t.action,
             "DETAIL": t.detail}
        )  # fmt: skip
    return rows
