"""The study report as a document: sections of paragraphs, tables and figures.

One model, two renderings: :mod:`metsor.report.html` writes it as one self-contained HTML
file and :mod:`metsor.report.pdf` as a PDF, so that both show the same content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Block", "Figure", "Paragraph", "Section", "StudyReport", "Table"]


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; ``kind`` ``note`` is set apart, ``warning`` says what could not be done."""

    text: str
    kind: Literal["text", "note", "warning"] = "text"


@dataclass(frozen=True)
class Table:
    """A table: caption, one header row, body rows of text, footnotes.

    ``group_rows`` are the indices of rows that head a group (shown in bold across the table).
    """

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()
    group_rows: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Figure:
    """A figure as PNG bytes, with its caption and its width on the page (inches)."""

    caption: str
    png: bytes = field(repr=False)
    width_in: float
    height_in: float


Block = Paragraph | Table | Figure


@dataclass(frozen=True)
class Section:
    """A numbered section of the report (ICH E3 order)."""

    number: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class StudyReport:
    """The whole report: title page facts and sections."""

    title: str
    subtitle: str
    facts: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
