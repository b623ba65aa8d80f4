"""The data monitoring committee's reports as files: ``dmc_open.html`` and ``dmc_closed.html``.

Each is the study report's HTML (:func:`metsor.report.html.render_html`) with a marking band
at the top of the screen and of every printed page (``templates/dmc.css``): the open report
"OPEN — pooled over arms", the closed report :data:`metsor.report.dmc_closed.CLOSED_MARKING`.
"""

from __future__ import annotations

import html
from importlib import resources
from pathlib import Path

from metsor.errors import InputError
from metsor.report.dmc_closed import CLOSED_MARKING, closed_report
from metsor.report.dmc_open import open_report
from metsor.report.document import StudyReport
from metsor.report.html import render_html
from metsor.services.interim import DataTimeliness, InterimMonitoring

__all__ = ["OPEN_MARKING", "marked_html", "write_dmc_reports"]

#: The marking on every page of the open report.
OPEN_MARKING = "OPEN — pooled over arms"


def marked_html(report: StudyReport, marking: str, *, closed: bool) -> str:
    """The report as HTML with ``marking`` on top of the screen and of every printed page.

    Parameters
    ----------
    report
        The report.
    marking
        The text of the band.
    closed
        Whether it is the closed report (a red band).

    Returns
    -------
    str
    """
    css = (resources.files("metsor.report") / "templates" / "dmc.css").read_text("utf-8")
    band = f'<div class="dmc-marking{" closed" if closed else ""}">{html.escape(marking)}</div>'
    quoted = marking.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ")
    colour = "#b00020" if closed else "#1d2733"
    header = (
        "@page { margin: 2cm 1.5cm 2cm; @top-center { content: "
        f'"{quoted}"; font: 700 11pt sans-serif; color: {colour}; }} }}\n'
    )
    page = render_html(report).replace("</style>", f"{css}{header}</style>", 1)
    return page.replace("<body>", f"<body>\n{band}", 1)


def write_dmc_reports(
    monitoring: InterimMonitoring, timeliness: DataTimeliness, out_dir: Path | str
) -> dict[str, Path]:
    """Write ``dmc_open.html`` and ``dmc_closed.html`` into ``out_dir`` (created if missing).

    Parameters
    ----------
    monitoring
        The interim analysis.
    timeliness
        Overdue forms and open queries at its cut-off.
    out_dir
        The folder to write into.

    Returns
    -------
    dict
        ``open`` and ``closed`` → the files written.

    Raises
    ------
    InputError
        Naming ``out_dir`` when it is not a folder or cannot be created or written.
    """
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"out_dir {folder} exists and is not a folder", field="out_dir")
    pages = {
        "open": marked_html(open_report(monitoring, timeliness), OPEN_MARKING, closed=False),
        "closed": marked_html(closed_report(monitoring), CLOSED_MARKING, closed=True),
    }
    written = {name: folder / f"dmc_{name}.html" for name in pages}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in pages.items():
            written[name].write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot write the reports into {folder}: {exc.strerror or exc}", field="out_dir"
        ) from None
    return written
