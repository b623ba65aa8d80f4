"""The clinical study report built from a trial snapshot: analysis, sections, files.

:func:`build_report` analyses the snapshot's ADTTE and ADRS with :func:`metsor.analysis.
analyse_trial` (stratified by the randomization strata, unstratified beside it), the OS hazard
ratio by subgroup with :func:`metsor.analysis.subgroups.subgroup_hazard_ratios`, and lays the
sections out after ICH E3; :func:`write_report` writes ``report.html`` (one self-contained
file) and ``report.pdf`` (the same content) into a folder.

A trial with one arm, no events or no responses still gets its report: what cannot be
estimated is said, from the analysis results' ``warnings``.

References
----------
ICH E3, Structure and Content of Clinical Study Reports (1995). CONSORT 2010 Statement,
BMJ 2010;340:c332.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from metsor.analysis import TrialAnalysis, analyse_trial
from metsor.analysis.baseline import SUBGROUP_FACTORS
from metsor.analysis.subgroups import SubgroupFactor, subgroup_hazard_ratios
from metsor.errors import InputError
from metsor.report.document import StudyReport
from metsor.report.front_matter import design_section, protocol_section, synopsis_section
from metsor.report.results import data_section, efficacy_section, patients_section, safety_section
from metsor.services.protocol_review import review_with_power
from metsor.services.trial_data import TrialSnapshot

__all__ = ["BuiltReport", "build_report", "write_report"]


@dataclass(frozen=True)
class BuiltReport:
    """The report and the analysis its figures come from."""

    document: StudyReport
    analysis: TrialAnalysis | None
    subgroups: tuple[SubgroupFactor, ...]
    warnings: tuple[str, ...]


def _subgroups(snapshot: TrialSnapshot, analysis: TrialAnalysis) -> tuple[SubgroupFactor, ...]:
    baseline = {row["USUBJID"]: row for row in snapshot.adsl}
    os_rows = [row for row in snapshot.adtte if row["PARAMCD"] == "OS"]
    if not os_rows:
        return ()
    return subgroup_hazard_ratios(
        [float(r["AVAL"]) for r in os_rows],
        [1 - int(r["CNSR"]) for r in os_rows],
        [str(r["ARMCD"]) for r in os_rows],
        {
            code: [read(baseline[r["USUBJID"]]) for r in os_rows]
            for code, _, read in SUBGROUP_FACTORS
        },
        reference=analysis.reference,
        experimental=analysis.experimental,
        labels={code: label for code, label, _ in SUBGROUP_FACTORS},
    )


def _warnings(snapshot: TrialSnapshot, analysis: TrialAnalysis | None) -> list[str]:
    scheme = snapshot.scheme
    if analysis is None:
        return ["No subject was randomized by the data cut-off: the report holds no analysis."]
    found = []
    empty = [scheme.label(a) for a in scheme.arms if snapshot.consort.allocated.get(a, 0) == 0]
    if empty:
        found.append(
            f"Only one arm has subjects ({', '.join(empty)}: none): no comparison "
            "between arms is possible."
        )
    for param, comparison in analysis.endpoints.items():
        if comparison.events == 0 and not param.endswith("12"):
            label = analysis.labels.get(param, param)
            found.append(
                f"No {label[:1].lower()}{label[1:]} event in either arm "
                "by the data cut-off: medians not reached, no hazard ratio."
            )
    for response in analysis.responses.values():
        if response.arms and sum(a.responders for a in response.arms.values()) == 0:
            found.append(f"No objective response by {response.criterion} in either arm.")
    return found


def build_report(snapshot: TrialSnapshot) -> BuiltReport:
    """Analyse the trial and lay the report out.

    Parameters
    ----------
    snapshot
        The trial at its data cut-off (:func:`metsor.services.trial_data.trial_snapshot`).

    Returns
    -------
    BuiltReport
    """
    scheme = snapshot.scheme
    analysis = None
    if snapshot.adtte:
        analysis = analyse_trial(
            snapshot.adtte,
            snapshot.adrs,
            reference=scheme.reference,
            experimental=scheme.experimental,
        )
    subgroups = () if analysis is None else _subgroups(snapshot, analysis)
    warnings = _warnings(snapshot, analysis)
    protocol = snapshot.protocol
    review = review_with_power(protocol)
    document = StudyReport(
        title=f"Clinical study report: {protocol.acronym or protocol.nct_id}",
        subtitle=protocol.official_title or protocol.brief_title,
        facts=(
            ("Registry", protocol.nct_id),
            ("Sponsor", protocol.sponsor.lead),
            ("Data cut-off", snapshot.as_of.isoformat()),
            ("Database", snapshot.lock.description),
            ("Randomized", str(snapshot.consort.randomized)),
        ),
        sections=(
            synopsis_section(snapshot, analysis, warnings),
            protocol_section(protocol, review),
            design_section(snapshot, review),
            patients_section(snapshot),
            efficacy_section(snapshot, analysis, subgroups),
            safety_section(snapshot),
            data_section(snapshot),
        ),
    )
    return BuiltReport(document, analysis, subgroups, tuple(warnings))


def write_report(
    snapshot: TrialSnapshot, out_dir: Path | str, *, built: BuiltReport | None = None
) -> dict[str, Path]:
    """Write ``report.html`` and ``report.pdf`` into ``out_dir`` (created if missing).

    Parameters
    ----------
    snapshot
        The trial at its data cut-off.
    out_dir
        The folder to write into.
    built
        The report of ``snapshot`` when already built (:func:`build_report`).

    Returns
    -------
    dict
        ``html`` and ``pdf`` → the files written.

    Raises
    ------
    InputError
        Naming ``out_dir`` when it is not a folder or cannot be created or written.
    """
    from metsor.report.html import render_html
    from metsor.report.pdf import render_pdf

    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"out_dir {folder} exists and is not a folder", field="out_dir")
    built = build_report(snapshot) if built is None else built
    written = {"html": folder / "report.html", "pdf": folder / "report.pdf"}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written["html"].write_text(render_html(built.document), encoding="utf-8")
        written["pdf"].write_bytes(render_pdf(built.document))
    except OSError as exc:
        raise InputError(
            f"cannot write the report into {folder}: {exc.strerror or exc}", field="out_dir"
        ) from None
    return written
