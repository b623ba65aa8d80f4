"""The report as a PDF: the same document as the HTML file, laid out by ReportLab.

A4 pages with numbered footers; every table cell wraps; figures are the same PNG images
scaled to the text width; a table longer than a page repeats its header row.
"""

from __future__ import annotations

import io
import re
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm, inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Image, KeepTogether, SimpleDocTemplate, Spacer
from reportlab.platypus import Paragraph as Text
from reportlab.platypus import Table as Grid

from metsor.report.cjk_font import cjk_font
from metsor.report.document import Figure, Paragraph, StudyReport, Table

__all__ = ["render_pdf"]

_INK = "#1d2733"
_BAND = "#eef3f8"

#: Width of one character of the table's 7.8 pt Helvetica (bold at most), and a cell's padding.
_CHAR_PT, _PAD_PT = 5.0, 12.0

#: Tables of at most this many rows are kept on one page with their caption.
_KEEP_TOGETHER_ROWS = 30


def render_pdf(report: StudyReport) -> bytes:
    """The report as PDF bytes.

    Parameters
    ----------
    report
        The report.

    Returns
    -------
    bytes
        A PDF document.
    """
    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=1.8 * cm,
        rightMargin=1.8 * cm,
        topMargin=1.6 * cm,
        bottomMargin=1.8 * cm,
        title=report.title,
        author=report.facts[1][1] if report.facts else "",
        subject=report.subtitle,
    )
    width = document.width
    story: list[Flowable] = [
        Text(_markup(report.title), styles["title"]),
        Text(_markup(report.subtitle), styles["subtitle"]),
    ]
    facts = Grid(
        [
            [Text(_markup(k), styles["fact_name"]), Text(_markup(v), styles["cell"])]
            for k, v in report.facts
        ],
        colWidths=[4 * cm, width - 4 * cm],
    )
    facts.setStyle(
        [
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor(_BAND)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    story += [facts, Spacer(1, 0.4 * cm)]
    tables = figures = 0
    for section in report.sections:
        story.append(Text(_markup(f"{section.number}. {section.title}"), styles["h2"]))
        for block in section.blocks:
            if isinstance(block, Paragraph):
                story.append(Text(_markup(block.text), styles[block.kind]))
            elif isinstance(block, Table):
                tables += 1
                story += _table(block, tables, width, styles)
            elif isinstance(block, Figure):
                figures += 1
                scale = min(
                    width / (block.width_in * inch), 1.0, 23 * cm / (block.height_in * inch)
                )
                image = Image(
                    io.BytesIO(block.png),
                    width=block.width_in * inch * scale,
                    height=block.height_in * inch * scale,
                )
                caption = Text(_markup(f"Figure {figures}. {block.caption}"), styles["caption"])
                story.append(KeepTogether([image, caption, Spacer(1, 0.3 * cm)]))

    def footer(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#5b6776"))
        canvas.drawString(1.8 * cm, 1.0 * cm, report.title)
        canvas.drawRightString(A4[0] - 1.8 * cm, 1.0 * cm, f"page {doc.page}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


_CJK = re.compile(r"([\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+)")


def _markup(text: str) -> str:
    """``text`` escaped for a ReportLab paragraph, Chinese characters in the embedded CJK font
    (:mod:`metsor.report.cjk_font`; the registry record of a Chinese trial may hold some)."""
    escaped = escape(text)
    if not _CJK.search(escaped):
        return escaped
    font = cjk_font().name
    return _CJK.sub(rf'<font name="{font}">\1</font>', escaped)


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle(
        "body",
        parent=base["BodyText"],
        fontName="Helvetica",
        fontSize=9.5,
        leading=12.5,
        textColor=colors.HexColor(_INK),
    )
    return {
        "title": ParagraphStyle(
            "title", parent=base["Title"], fontSize=20, leading=24, alignment=0
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=body, textColor=colors.HexColor("#5b6776"), spaceAfter=10
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base["Heading2"],
            fontSize=14,
            leading=17,
            spaceBefore=14,
            spaceAfter=6,
            textColor=colors.HexColor("#0072b2"),
        ),
        "text": body,
        "note": ParagraphStyle(
            "note", parent=body, fontSize=8.5, textColor=colors.HexColor("#5b6776")
        ),
        "warning": ParagraphStyle(
            "warning",
            parent=body,
            backColor=colors.HexColor("#fff4e5"),
            borderPadding=4,
            spaceBefore=4,
            spaceAfter=6,
        ),
        "caption": ParagraphStyle(
            "caption", parent=body, fontSize=8.5, leading=11, textColor=colors.HexColor("#5b6776")
        ),
        "table_caption": ParagraphStyle(
            "table_caption", parent=body, fontName="Helvetica-Bold", spaceBefore=8, spaceAfter=3
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.8, leading=9.6),
        "head": ParagraphStyle(
            "head", parent=body, fontSize=7.8, leading=9.6, fontName="Helvetica-Bold"
        ),
        "group": ParagraphStyle(
            "group", parent=body, fontSize=7.8, leading=9.6, fontName="Helvetica-Bold"
        ),
        "fact_name": ParagraphStyle(
            "fact_name", parent=body, fontSize=8, fontName="Helvetica-Bold"
        ),
    }


def _widths(block: Table, width: float) -> list[float]:
    """Column widths: each at least its longest word (up to 18 characters: longer words such
    as field paths may break), the room left shared in proportion to how much longer each
    column's longest text is (bounded)."""
    columns = len(block.header)
    cells = [[block.header[i], *(row[i] for row in block.rows if i < len(row))] for i in
             range(columns)]  # fmt: skip
    least, wanted = [], []
    for texts in cells:
        word = max((len(w) for t in texts for w in t.split()), default=1)
        longest = max(len(t.strip()) for t in texts)
        least.append(min(word, 18) * _CHAR_PT + _PAD_PT)
        wanted.append(max(min(longest, 60) * _CHAR_PT + _PAD_PT, least[-1]))
    if sum(wanted) <= width:
        return [w * width / sum(wanted) for w in wanted]
    room = width - sum(least)
    if room <= 0:
        return [w * width / sum(least) for w in least]
    more = [w - m for w, m in zip(wanted, least, strict=True)]
    return [m + room * x / sum(more) for m, x in zip(least, more, strict=True)]


def _table(
    block: Table, number: int, width: float, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    def cell(text: str, style: str) -> Flowable:
        indent = text.startswith("    ")
        shown = _markup(text.strip())
        return Text(("&nbsp;&nbsp;&nbsp;&nbsp;" if indent else "") + shown, styles[style])

    data = [[cell(h, "head") for h in block.header]]
    for index, row in enumerate(block.rows):
        style = "group" if index in block.group_rows else "cell"
        data.append([cell(c, style) for c in row])
    grid = Grid(data, colWidths=_widths(block, width), repeatRows=1)
    commands: list[Any] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(_BAND)),
        ("LINEBELOW", (0, 0), (-1, 0), 1.0, colors.HexColor(_INK)),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#c9d2dc")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for index in block.group_rows:
        commands.append(("BACKGROUND", (0, index + 1), (-1, index + 1), colors.HexColor("#f7f9fb")))
    grid.setStyle(commands)
    out: list[Flowable] = [
        Text(_markup(f"Table {number}. {block.caption}"), styles["table_caption"]),
        grid,
    ]
    out += [Text(_markup(note), styles["caption"]) for note in block.notes]
    if len(block.rows) <= _KEEP_TOGETHER_ROWS:
        out = [KeepTogether(out)]
    out.append(Spacer(1, 6))
    return out
