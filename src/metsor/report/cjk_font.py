"""The CJK font of the PDF report: a TrueType font embedded (as a subset) in the file.

The registry record and a real database of a Chinese trial may hold Chinese text (the sponsor,
a site's name, a criterion written in Chinese). A PDF that only names a CJK font (ReportLab's
CID font ``STSong-Light``) shows it only where the reader has that font; an embedded one shows
it everywhere. ReportLab embeds TrueType outlines only (not the CFF outlines of Noto Sans
CJK), so the font is the first of :data:`CJK_FONT_FILES` found: Droid Sans Fallback of
Debian's ``fonts-droid-fallback`` (Apache 2.0; ``.ci/run`` installs it), else WenQuanYi Zen Hei
or Micro Hei. Without any, the report falls back to naming ``STSong-Light``
(:data:`CID_FALLBACK`), and :func:`cjk_font` says so.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import NamedTuple

__all__ = ["CID_FALLBACK", "CJK_FONT_FILES", "CjkFont", "cjk_font"]

#: TrueType CJK fonts looked for, in order: (file, index of the face in a collection).
CJK_FONT_FILES: tuple[tuple[Path, int], ...] = (
    (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
)

#: The CID font named (not embedded) when no TrueType CJK font is installed.
CID_FALLBACK = "STSong-Light"

_NAME = "MetsorCJK"


class CjkFont(NamedTuple):
    """The registered font's name, its file (None for the CID fallback), whether embedded."""

    name: str
    path: Path | None
    embedded: bool


@cache
def cjk_font() -> CjkFont:
    """Register the CJK font with ReportLab (once) and say which it is."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    for path, index in CJK_FONT_FILES:
        if not path.is_file():
            continue
        try:
            pdfmetrics.registerFont(TTFont(_NAME, str(path), subfontIndex=index))
        except TTFError:  # not TrueType outlines, or a damaged file: try the next
            continue
        return CjkFont(_NAME, path, embedded=True)
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return CjkFont(CID_FALLBACK, None, embedded=False)
