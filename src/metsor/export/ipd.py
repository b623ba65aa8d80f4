"""``metsor export ipd``: the de-identified individual participant data package.

ADSL, ADTTE, ADRS and ADAE (as :mod:`metsor.export.adam` derives them) with each variable
treated by one rule of the PhUSE de-identification standard, applied in this order:

1. ``USUBJID`` → a keyed pseudonym (:func:`metsor.export.ipd_key.pseudonym`), the same in all
   four datasets; ``SUBJID`` removed.
2. Every calendar date (``RANDDT``, ``ADT``, ``ASTDT`` …) → the study day from randomization
   (day 1 = the day of randomization, day -1 the day before, no day 0) under the name ``…DY``
   (``ADT`` → ``ADY``); a date whose study day is already a variable (``ASTDT``, ``ASTDY``) and
   the dates that are day 1 by definition (``RANDDT``, ``STARTDT``) are removed.
3. ``AGE`` above 89 → 90, meaning "90 or older".
4. ``SITEID`` → ``S01``, ``S02`` … in the order of the site codes; sites with fewer randomized
   participants than the minimum (5 by default) pooled into ``POOLED``.
5. Free text (the verbatim adverse-event term ``AETERM``) removed; coded terms (``AEDECOD``,
   CTCAE) kept, except that a term or organ class of fewer than ``k`` participants is pooled
   into its organ class's "other", and a value of race or aetiology held by fewer than ``k``
   participants written as ``OTHER`` (:mod:`metsor.export.ipd_terms`; ``k`` = 3 by default).
6. Everything else kept: arms, strata, coded baseline characteristics, flags, analysis values.

Analysis values are not changed, so the hazard ratios and response comparisons computed from
the package equal those of the full data. The package holds ``adsl.csv``, ``adtte.csv``,
``adrs.csv``, ``adae.csv``, the same as SAS transport v5 files (``adsl.xpt`` …; the dates a
transport header records of its writing are set to the SAS epoch, 01JAN60:00:00:00, so that
no file holds a calendar date), ``data-dictionary.csv`` (every variable of the source datasets
with what was done to it, its type and its length in the transport files) and ``README.md``;
never the key.

References
----------
PhUSE De-Identification Working Group. De-Identification Standard for CDISC SDTM 3.2 (2015) and
its ADaM supplement; EMA Policy 0070 external guidance on the anonymisation of clinical reports
(2018), ages above 89 pooled as in the HIPAA Safe Harbor rule (45 CFR 164.514(b)(2)).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from metsor.errors import InputError
from metsor.export.cdisc import analysis_datasets, study_of
from metsor.export.checks import check_dataset
from metsor.export.files import (
    check_output_folder,
    output_folder,
    write_csv,
    write_rows_csv,
    write_xpt,
)
from metsor.export.ipd_key import pseudonym
from metsor.export.ipd_readme import data_dictionary, readme
from metsor.export.ipd_terms import (
    MIN_TERM_SUBJECTS,
    OTHER_CATEGORY,
    RARE_CATEGORIES,
    rare_term_pools,
    rare_values,
)
from metsor.export.metadata import Dataset, DatasetSpec, Variable
from metsor.protocol import Protocol
from metsor.services.context import ServiceContext
from metsor.services.tabulation import casebook_records

__all__ = [
    "AGE_CAP",
    "FREE_TEXT",
    "MIN_SITE_SIZE",
    "MIN_TERM_SUBJECTS",
    "Treatment",
    "deidentify",
    "export_ipd",
]

#: Ages above 89 are written as this value ("90 or older").
AGE_CAP = 90

#: Sites with fewer randomized participants are pooled.
MIN_SITE_SIZE = 5

#: Variables holding free text, removed.
FREE_TEXT: frozenset[str] = frozenset({"AETERM"})

_DAY_ONE = frozenset({"RANDDT", "STARTDT"})

#: Coded adverse-event variables whose rare values are pooled (rule 5).
_POOLED_TERMS = {"AEBODSYS": 0, "AEDECOD": 1}


@dataclass(frozen=True)
class Treatment:
    """What was done to one variable of a source dataset.

    ``action`` is ``kept``, ``pseudonymized``, ``offset`` (date → study day), ``recoded``,
    ``capped`` or ``removed``; ``name`` is the variable in the package (None when removed).
    """

    dataset: str
    source: str
    label: str
    action: str
    name: str | None
    detail: str


def _day(value: date | None, start: date | None) -> int | None:
    if value is None or start is None:
        return None
    offset = (value - start).days
    return offset + 1 if offset >= 0 else offset


def _site_codes(adsl: Dataset, minimum: int) -> dict[str, str]:
    counts = Counter(row["SITEID"] for row in adsl.rows)
    codes: dict[str, str] = {}
    number = 0
    for site in sorted(counts):
        if counts[site] < minimum:
            codes[site] = "POOLED"
        else:
            number += 1
            codes[site] = f"S{number:02d}"
    return codes


def _plan(
    spec: DatasetSpec, min_site_size: int, min_term_subjects: int
) -> list[tuple[Variable, Treatment]]:
    """Each variable of a source dataset with its treatment (rules 1–6)."""
    names = set(spec.columns)
    plan = []
    for variable in spec.variables:
        name, label = variable.name, variable.label
        step: tuple[str, str | None, str]
        if name == "USUBJID":
            step = ("pseudonymized", name, "keyed pseudonym (HMAC-SHA256), same in all datasets")
        elif name == "SUBJID" or name in FREE_TEXT:
            why = "subject identifier" if name == "SUBJID" else "free text"
            step = ("removed", None, why)
        elif variable.kind == "date":
            day_name = name.removesuffix("DT") + "DY"
            if name in _DAY_ONE:
                step = ("removed", None, "date of randomization: study day 1 by definition")
            elif day_name in names:
                step = ("removed", None, f"calendar date; its study day is {day_name}")
            else:
                step = ("offset", day_name, "study day from randomization (day 1 = randomization)")
        elif name == "AGE":
            step = ("capped", name, f"ages above {AGE_CAP - 1} written as {AGE_CAP} (90 or older)")
        elif name == "SITEID":
            step = ("recoded", name, f"S01, S02 ...; sites under {min_site_size} subjects POOLED")
        elif name in _POOLED_TERMS and {"AEBODSYS", "AEDECOD", "USUBJID"} <= names:
            what = "organ classes" if name == "AEBODSYS" else "terms"
            into = "Other system organ classes" if name == "AEBODSYS" else "'<organ class> - Other'"
            step = ("pooled", name, f"{what} of under {min_term_subjects} subjects as {into}")
        elif name in RARE_CATEGORIES and "USUBJID" in names:
            why = f"values of under {min_term_subjects} subjects as {OTHER_CATEGORY}"
            step = ("pooled", name, why)
        else:
            step = ("kept", name, "coded or analysis value")
        action, new_name, detail = step
        plan.append((variable, Treatment(spec.name, name, label, action, new_name, detail)))
    return plan


def deidentify(
    datasets: Sequence[Dataset],
    key: bytes,
    *,
    min_site_size: int = MIN_SITE_SIZE,
    min_term_subjects: int = MIN_TERM_SUBJECTS,
) -> tuple[tuple[Dataset, ...], tuple[Treatment, ...]]:
    """De-identify ADSL and the datasets of its subjects (see the module docstring).

    Parameters
    ----------
    datasets
        ADSL first, then the other ADaM datasets.
    key
        The pseudonym key.
    min_site_size
        Sites with fewer randomized subjects are pooled.
    min_term_subjects
        Adverse-event terms and organ classes of fewer subjects are pooled.

    Returns
    -------
    tuple
        The de-identified datasets, and what was done to every source variable.
    """
    adsl = datasets[0]
    if adsl.name != "ADSL":
        raise InputError("the first dataset to de-identify must be ADSL", field="datasets")
    start = {row["USUBJID"]: row["RANDDT"] for row in adsl.rows}
    sites = _site_codes(adsl, min_site_size)
    result = []
    treatments: list[Treatment] = []
    for dataset in datasets:
        plan = _plan(dataset.spec, min_site_size, min_term_subjects)
        treatments += [treatment for _, treatment in plan]
        variables = tuple(
            Variable(
                treatment.name,
                _label(variable, treatment),
                "integer" if treatment.action == "offset" else variable.kind,
                "Derived" if treatment.action != "kept" else variable.origin,
                () if treatment.action in ("recoded", "capped") else variable.codelist,
            )
            for variable, treatment in plan
            if treatment.name is not None
        )
        spec = DatasetSpec(
            dataset.spec.name, dataset.spec.label, "Analysis", dataset.spec.cls,
            dataset.spec.structure, tuple(k for k in dataset.spec.keys if k != "SUBJID"),
            variables,
        )  # fmt: skip
        pools: dict[Any, Any] = (
            dict(rare_term_pools(dataset.rows, min_term_subjects))
            if {"AEBODSYS", "AEDECOD"} <= set(dataset.spec.columns)
            else {}
        )
        pools.update(
            {
                name: rare_values(dataset.rows, name, min_term_subjects)
                for name in RARE_CATEGORIES
                if name in dataset.spec.columns
            }
        )
        rows = [_row(row, plan, key, start, sites, pools) for row in dataset.rows]
        result.append(Dataset.of(spec, rows))
    return tuple(result), tuple(treatments)


def _day_name(source: str) -> str:
    """The name a traced date variable has in the package (``LSTALVDT`` → ``LSTALVDY``)."""
    if source.endswith("DTC"):
        return source.removesuffix("DTC") + "DY"
    if source.endswith("DT"):
        return source.removesuffix("DT") + "DY"
    return source


def _label(variable: Variable, treatment: Treatment) -> str:
    if treatment.action == "offset":
        return f"{variable.label.removeprefix('Date of ')[:28]} (Study Day)"
    if treatment.action == "pseudonymized":
        return "Pseudonymous Subject Identifier"
    return variable.label


def _row(
    row: Mapping[str, Any],
    plan: Sequence[tuple[Variable, Treatment]],
    key: bytes,
    start: Mapping[str, date],
    sites: Mapping[str, str],
    pools: Mapping[Any, Any],
) -> dict[str, Any]:
    usubjid = row["USUBJID"]
    out: dict[str, Any] = {}
    for variable, treatment in plan:
        value = row[variable.name]
        if treatment.name is None:
            continue
        if treatment.action == "pseudonymized":
            value = pseudonym(key, value)
        elif treatment.action == "offset":
            value = _day(value, start.get(usubjid))
        elif treatment.action == "capped" and value is not None:
            value = min(int(value), AGE_CAP)
        elif treatment.action == "recoded" and value is not None:
            value = sites.get(value, "POOLED")
        elif treatment.action == "pooled" and variable.name in _POOLED_TERMS:
            value = pools[(row["AEBODSYS"], row["AEDECOD"])][_POOLED_TERMS[variable.name]]
        elif treatment.action == "pooled":
            value = pools[variable.name][value]
        elif variable.name == "SRCVAR" and isinstance(value, str):
            value = _day_name(value)
        out[treatment.name] = value
    return out


def export_ipd(
    ctx: ServiceContext,
    out_dir: Path | str,
    *,
    key: bytes,
    cutoff: date | None = None,
    min_site_size: int = MIN_SITE_SIZE,
    min_term_subjects: int = MIN_TERM_SUBJECTS,
    protocol: Protocol | None = None,
) -> dict[str, Path]:
    """Write the de-identified IPD package of the trial at ``cutoff`` into ``out_dir``.

    Returns
    -------
    dict
        File name → path written.

    Raises
    ------
    InputError
        Naming ``out_dir`` when a file cannot be written, a setting that is not a positive
        integer, or a variable that breaks a rule of the exported datasets.
    """
    for name, value in (("min_site_size", min_site_size), ("min_term_subjects", min_term_subjects)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InputError(f"{name} must be a positive integer", field=name)
    check_output_folder(out_dir)
    records = casebook_records(ctx, cutoff=cutoff, protocol=protocol)
    study = study_of(records)
    package, treatments = deidentify(
        analysis_datasets(records, study, records.snapshot.sign_off),
        key,
        min_site_size=min_site_size,
        min_term_subjects=min_term_subjects,
    )
    for dataset in package:  # every rule of a transport file checked before anything is written
        check_dataset(dataset)
    folder = output_folder(out_dir)
    written = {f"{d.name.lower()}.csv": write_csv(d, folder) for d in package}
    for dataset in package:
        written[f"{dataset.name.lower()}.xpt"] = write_xpt(dataset, folder, undated=True)
    columns = ("DATASET", "VARIABLE", "SOURCE", "LABEL", "TYPE", "LENGTH", "TREATMENT", "DETAIL")
    written["data-dictionary.csv"] = write_rows_csv(
        folder / "data-dictionary.csv", columns, data_dictionary(package, treatments)
    )
    path = folder / "README.md"
    text = readme(
        package, treatments, study.study_id, min_site_size, min_term_subjects, age_cap=AGE_CAP
    )
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}", field="out_dir") from None
    written["README.md"] = path
    return written
