"""``metsor export sdtm|adam``: the CDISC datasets as CSV and SAS transport v5, with define.xml.

Every dataset is built and checked (:mod:`metsor.export.checks`) before any file is written, so
that a breach leaves the folder as it was and names the dataset and variable; then each is
written as ``<name>.csv`` and ``<name>.xpt`` (version 5), and ``define.xml`` with its stylesheet
describes them all.

SDTM: DM, DS, EX, AE (with SUPPAE: relatedness and action per drug), LB, VS, TU, TR, RS, SV,
the trial design TS, TA, TE, and the investigators' signatures XS with SUPPXS
(:mod:`metsor.export.sdtm_signatures`). ADaM: ADSL (with the investigator's signature and the
subject's lock state), ADTTE, ADRS, ADAE (ADTTE traces its dates to the RS records of the same
cut-off).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from metsor.export import (
    adam,
    sdtm_design,
    sdtm_events,
    sdtm_findings,
    sdtm_oncology,
    sdtm_signatures,
)
from metsor.export import sdtm_subjects as subjects
from metsor.export.checks import check_dataset
from metsor.export.define_xml import write_define
from metsor.export.files import check_output_folder, output_folder, write_dataset
from metsor.export.metadata import Dataset
from metsor.export.study import Study
from metsor.protocol import Protocol
from metsor.services.context import ServiceContext
from metsor.services.sign_off import SignOff
from metsor.services.tabulation import CasebookRecords, casebook_records

__all__ = [
    "SDTM_DOMAINS",
    "ExportResult",
    "analysis_datasets",
    "export_adam",
    "export_sdtm",
    "study_of",
    "tabulation_datasets",
]

_Builder = Callable[[CasebookRecords, Study], Dataset]

SDTM_DOMAINS: tuple[tuple[str, _Builder], ...] = (
    ("DM", subjects.demographics),
    ("DS", subjects.disposition),
    ("EX", sdtm_events.exposure),
    ("AE", sdtm_events.adverse_events),
    ("SUPPAE", sdtm_events.supplemental_adverse_events),
    ("LB", sdtm_findings.laboratory),
    ("VS", sdtm_findings.vital_signs),
    ("TU", sdtm_oncology.tumour_identification),
    ("TR", sdtm_oncology.tumour_results),
    ("RS", sdtm_oncology.response),
    ("SV", subjects.subject_visits),
    ("TS", sdtm_design.trial_summary),
    ("TA", sdtm_design.trial_arms),
    ("TE", sdtm_design.trial_elements),
)
"""The SDTM domains written, in order, each with the function that builds it; the signature
domains XS and SUPPXS follow them (:func:`tabulation_datasets`)."""


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: dataset name → (CSV, XPT) paths, and define.xml."""

    folder: Path
    datasets: dict[str, tuple[Path, Path]]
    define: Path
    rows: dict[str, int]


def study_of(records: CasebookRecords) -> Study:
    """The study exported: the snapshot's protocol, and the scheme's arm codes and labels."""
    snapshot = records.snapshot
    return Study.of(snapshot.protocol, tuple(snapshot.scheme.arms), snapshot.scheme.arm_labels)


def tabulation_datasets(
    records: CasebookRecords, study: Study, sign_off: SignOff
) -> tuple[Dataset, ...]:
    """The SDTM datasets of :data:`SDTM_DOMAINS`, built and in order, then XS and SUPPXS."""
    return (
        *(build(records, study) for _, build in SDTM_DOMAINS),
        sdtm_signatures.signatures(records, study, sign_off),
        sdtm_signatures.supplemental_signatures(records, study, sign_off),
    )


def analysis_datasets(
    records: CasebookRecords, study: Study, sign_off: SignOff
) -> tuple[Dataset, ...]:
    """ADSL, ADTTE, ADRS and ADAE."""
    rs = sdtm_oncology.response(records, study)
    return adam.analysis_datasets(records, study, rs, sign_off)


def _write(datasets: tuple[Dataset, ...], out_dir: Path | str, study: Study) -> ExportResult:
    for dataset in datasets:
        check_dataset(dataset)
    folder = output_folder(out_dir)
    written = {dataset.name: write_dataset(dataset, folder) for dataset in datasets}
    define = write_define(
        datasets,
        folder,
        study_id=study.study_id,
        study_name=study.protocol.official_title or study.protocol.brief_title,
    )
    return ExportResult(
        folder, written, define, {dataset.name: len(dataset.rows) for dataset in datasets}
    )


def export_sdtm(
    ctx: ServiceContext,
    out_dir: Path | str,
    *,
    cutoff: date | None = None,
    protocol: Protocol | None = None,
) -> ExportResult:
    """Write the SDTM datasets of the trial at ``cutoff`` into ``out_dir``.

    Parameters
    ----------
    ctx
        The service context (a role allowed to extract datasets).
    out_dir
        The folder (created if missing).
    cutoff
        Data cut-off: nothing dated after it is exported.
    protocol
        The trial's protocol; the built-in one by default.

    Returns
    -------
    ExportResult

    Raises
    ------
    InputError
        Naming the variable that breaks a rule of SAS transport v5, or ``out_dir``.
    """
    check_output_folder(out_dir)
    records = casebook_records(ctx, cutoff=cutoff, protocol=protocol)
    study = study_of(records)
    sign_off = records.snapshot.sign_off
    return _write(tabulation_datasets(records, study, sign_off), out_dir, study)


def export_adam(
    ctx: ServiceContext,
    out_dir: Path | str,
    *,
    cutoff: date | None = None,
    protocol: Protocol | None = None,
) -> ExportResult:
    """Write ADSL, ADTTE, ADRS and ADAE of the trial at ``cutoff`` into ``out_dir``.

    Parameters and errors as :func:`export_sdtm`.
    """
    check_output_folder(out_dir)
    records = casebook_records(ctx, cutoff=cutoff, protocol=protocol)
    study = study_of(records)
    sign_off = records.snapshot.sign_off
    return _write(analysis_datasets(records, study, sign_off), out_dir, study)
