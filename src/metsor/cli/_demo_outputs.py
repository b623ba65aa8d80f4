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

import shlex
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from metsor.config import SecretPlace, Settings, settings
from metsor.insilico.result import VirtualTrialResult
from metsor.services.context import Database, unit_of_work

if TYPE_CHECKING:
    from metsor.protocol import Protocol

__all__ = [
    "AUDIT_KEY_FILE",
    "demo_settings",
    "demo_users",
    "outputs_text",
    "users_text",
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


def demo_users(protocol: Protocol) -> dict[str, dict[str, str | None]]:
    """Each user of a virtual trial's database of ``protocol`` (by username): role, site
    (none for a role of the whole trial) and known password.

    As the virtual trial sets them up (:func:`metsor.insilico.trial.trial_users`): each of the
    protocol's sites has its investigator and coordinator; the administrator, data manager,
    monitor and statistician serve the whole trial.
    """
    from metsor.insilico.trial import trial_users
    from metsor.services.setup import protocol_sites

    codes = [code for code, _ in protocol_sites(protocol)]
    return {
        user.username: {"role": user.role, "site": user.site, "password": user.password}
        for user in trial_users(codes)
    }


def users_text(protocol: Protocol) -> list[str]:
    """The demo's users as lines: a table of each site's staff, then the whole trial's."""
    from metsor.insilico.trial import demo_password
    from metsor.services.setup import protocol_sites

    users = demo_users(protocol)
    names = dict(protocol_sites(protocol))
    roles = list(dict.fromkeys(str(u["role"]) for u in users.values() if u["site"] is not None))
    staff = {
        code: {str(u["role"]): name for name, u in users.items() if u["site"] == code}
        for code in names
    }
    width = max(len(name) for names_of in staff.values() for name in names_of.values()) + 2
    code_width = max(len("site"), *(len(code) for code in names)) + 2
    lines = [
        f"Log in to the demo database (virtual patients; each password is "
        f"{demo_password('<username>')}):",
        "  " + "site".ljust(code_width) + "".join(role.ljust(width) for role in roles) + "centre",
    ]
    for code, name in names.items():
        cells = "".join(staff[code].get(role, "—").ljust(width) for role in roles)
        lines.append(f"  {code.ljust(code_width)}{cells}{name}")
    trial = [
        name if name == user["role"] else f"{name} ({user['role']})"
        for name, user in users.items()
        if user["site"] is None
    ]
    lines.append(f"  whole trial: {', '.join(trial)}")
    return lines


def outputs_text(outputs: dict[str, str], url: str, out: Path | None, protocol: Protocol) -> str:
    """Where the report and exports are, and how to log in to the demo database.

    The ``export`` lines name the key, the anchor and the database by absolute paths, quoted
    for the shell, so that they hold from any folder they are pasted in.
    """
    users = users_text(protocol)
    lines = [
        "",
        "Written beside the database:",
        f"  study report       {outputs['report']} (and report.pdf)",
        f"  ADaM, SDTM         {outputs['adam']}, {outputs['sdtm']} (CSV, XPT, define.xml)",
        f"  results section    {outputs['results']}",
        f"  de-identified IPD  {outputs['ipd']}",
        "",
        users[0],
    ]
    if out is not None:
        key, anchor = ((out / name).resolve() for name in (AUDIT_KEY_FILE, _ANCHOR_FILE))
        lines.append(f"  export METSOR_AUDIT_KEY_FILE={shlex.quote(str(key))}")
        lines.append(f"  export METSOR_AUDIT_ANCHOR_FILE={shlex.quote(str(anchor))}")
    lines.append(f"  export METSOR_DATABASE_URL={shlex.quote(url)}")
    lines.extend(users[1:])
    lines.append("  e.g. metsor login --user coordinator; metsor serve (web application)")
    return "\n".join(lines)
