"""What ``metsor demo`` leaves in its output folder beside the database.

- The audit chain's key and anchor file (``metsor-audit.key``, ``metsor-audit.anchor``) of a
  demo database it made itself, in the output folder instead of ``METSOR_HOME``, so that a
  demo never touches the keys of a real trial.
- The study report (``report/report.html``, ``report/report.pdf``), the CDISC ADaM and SDTM
  datasets with define.xml (``adam/``, ``sdtm/``), the registry results section
  (``results.json``) and the de-identified IPD package (``ipd/``, its pseudonym key in
  ``metsor-ipd.key``), each written by the same code as ``metsor report`` and
  ``metsor export``, as the virtual trial's data manager, at its data cut-off.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from metsor.config import SecretPlace, Settings, settings
from metsor.insilico.result import VirtualTrialResult
from metsor.services.context import Database, unit_of_work

__all__ = [
    "AUDIT_KEY_FILE",
    "demo_settings",
    "demo_users",
    "outputs_text",
    "write_outputs",
]

AUDIT_KEY_FILE = "metsor-audit.key"
"""File name of a demo database's audit key in the output folder."""

_ANCHOR_FILE = "metsor-audit.anchor"
_IPD_KEY_FILE = "metsor-ipd.key"
_ACTING = "data_manager"


def demo_settings(url: str, out: Path | None) -> Settings:
    """The settings a demo database is opened with: its audit key and anchor in ``out``.

    A database the demo makes itself keeps its audit key and anchor file in its output folder,
    never those of ``METSOR_HOME`` nor ``METSOR_AUDIT_KEY``; the key and anchor of an earlier
    demo there are removed, so that a new demo database gets a new key. The paths are given to
    the database when it is opened; the environment is left as it is.

    Parameters
    ----------
    url
        The demo database's URL.
    out
        The output folder, or None (a database given by ``--db``: the settings in force).

    Returns
    -------
    Settings
        The settings in force, with the demo's audit key and anchor file when ``out`` is given.
    """
    resolved = settings(url)
    if out is None:
        return resolved
    for name in (AUDIT_KEY_FILE, _ANCHOR_FILE):
        (out / name).unlink(missing_ok=True)  # a new demo database gets a new key
    return replace(
        resolved,
        audit_key=SecretPlace(text=None, file=out / AUDIT_KEY_FILE),
        audit_anchor_file=out / _ANCHOR_FILE,
    )


def write_outputs(database: Database, result: VirtualTrialResult, out: Path) -> dict[str, str]:
    """Write the report and every export of the virtual trial into ``out``.

    Parameters
    ----------
    database
        The virtual trial's database.
    result
        The virtual trial (its data cut-off).
    out
        The output folder.

    Returns
    -------
    dict
        What was written: ``report``, ``report_pdf``, ``adam``, ``sdtm``, ``results``, ``ipd``.
    """
    from metsor.export.cdisc import export_adam, export_sdtm
    from metsor.export.ctgov import export_results
    from metsor.export.ipd import export_ipd
    from metsor.export.ipd_key import load_key
    from metsor.report import write_report
    from metsor.services.trial_data import trial_snapshot

    cutoff = result.cutoff
    with unit_of_work(database, _ACTING, readonly=True) as ctx:
        snapshot = trial_snapshot(ctx, cutoff=cutoff)
        adam = export_adam(ctx, out / "adam", cutoff=cutoff)
        sdtm = export_sdtm(ctx, out / "sdtm", cutoff=cutoff)
        results = export_results(ctx, out / "results.json", cutoff=cutoff)
        export_ipd(ctx, out / "ipd", key=load_key(out / _IPD_KEY_FILE), cutoff=cutoff)
    report = write_report(snapshot, out / "report")
    return {
        "report": str(report["html"]),
        "report_pdf": str(report["pdf"]),
        "adam": str(adam.folder),
        "sdtm": str(sdtm.folder),
        "results": str(results),
        "ipd": str(out / "ipd"),
    }


def demo_users() -> dict[str, dict[str, str]]:
    """Each user of a virtual trial's database: role and known password (by username)."""
    from metsor.insilico.trial import DEMO_PASSWORDS, SITE_USERS

    roles = {"admin": "admin", **{name: role for role, name in SITE_USERS.items()}}
    return {name: {"role": roles[name], "password": DEMO_PASSWORDS[name]} for name in roles}


def outputs_text(outputs: dict[str, str], url: str, out: Path | None) -> str:
    """Where the report and exports are, and how to log in to the demo database."""
    lines = [
        "",
        "Written beside the database:",
        f"  study report       {outputs['report']} (and report.pdf)",
        f"  ADaM, SDTM         {outputs['adam']}, {outputs['sdtm']} (CSV, XPT, define.xml)",
        f"  results section    {outputs['results']}",
        f"  de-identified IPD  {outputs['ipd']}",
        "",
        "Log in to the demo database (virtual patients; the passwords are known):",
    ]
    if out is not None:
        lines.append(f"  export METSOR_AUDIT_KEY_FILE={out / AUDIT_KEY_FILE}")
        lines.append(f"  export METSOR_AUDIT_ANCHOR_FILE={out / _ANCHOR_FILE}")
    lines.append(f"  export METSOR_DATABASE_URL={url}")
    for name, user in demo_users().items():
        lines.append(f"  {user['role']:<13} --user {name:<13} password {user['password']}")
    lines.append("  e.g. metsor login --user coordinator; metsor serve (web application)")
    return "\n".join(lines)
