"""The report as one self-contained HTML file: CSS inline, figures inline as base64 PNG.

Rendered with the Jinja2 template ``templates/report.html.j2`` and the style sheet
``templates/report.css``; nothing is fetched from elsewhere when the file is opened.
"""

from __future__ import annotations

import base64
from importlib import resources

from metsor.report.document import Figure, Paragraph, StudyReport, Table

__all__ = ["render_html"]


def _kind(block: object) -> str:
    if isinstance(block, Table):
        return "table"
    if isinstance(block, Figure):
        return "figure"
    if isinstance(block, Paragraph):
        return "paragraph"
    raise TypeError(f"not a block of the report: {block!r}")


def _data_uri(figure: Figure) -> str:
    return "data:image/png;base64," + base64.b64encode(figure.png).decode("ascii")


def render_html(report: StudyReport) -> str:
    """The report as HTML text.

    Parameters
    ----------
    report
        The report.

    Returns
    -------
    str
        One HTML document with everything inline.
    """
    import jinja2

    templates = resources.files("metsor.report") / "templates"
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (templates / name).read_text("utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["kind"] = _kind
    environment.filters["data_uri"] = _data_uri
    css = (templates / "report.css").read_text("utf-8")
    return environment.get_template("report.html.j2").render(report=report, css=css)
