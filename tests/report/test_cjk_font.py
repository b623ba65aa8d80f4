"""Chinese text in the PDF report is set in an embedded TrueType CJK font (report.cjk_font).

The report of the small trial is built with a Chinese sponsor and a Chinese official title (as
a Chinese registry record or a real database may hold); ``pdffonts`` must show the CJK font
embedded as a subset, and the first page rendered by pdftoppm is kept under
``tests/report/artifacts/`` for a person to look at.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from metsor.report import build_report
from metsor.report import cjk_font as cjk_module
from metsor.report.cjk_font import CID_FALLBACK, CJK_FONT_FILES, cjk_font
from metsor.report.pdf import render_pdf
from metsor.services.trial_data import TrialSnapshot

from .conftest import ARTIFACTS

SPONSOR = "天津医科大学肿瘤医院"
TITLE = "二甲双胍联合索拉非尼治疗晚期肝细胞癌的随机对照研究"
TIMEOUT_S = 120
INSTALLED = any(path.is_file() for path, _ in CJK_FONT_FILES)
needs_font = pytest.mark.skipif(not INSTALLED, reason="no TrueType CJK font (fonts-droid-fallback)")
needs_poppler = pytest.mark.skipif(
    shutil.which("pdffonts") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils absent",
)


@pytest.fixture(scope="module")
def chinese_pdf(snapshot: TrialSnapshot, tmp_path_factory: pytest.TempPathFactory) -> Path:
    protocol = snapshot.protocol
    sponsor = protocol.sponsor.model_copy(update={"lead": SPONSOR})
    protocol = protocol.model_copy(update={"sponsor": sponsor, "official_title": TITLE})
    built = build_report(replace(snapshot, protocol=protocol))
    path = tmp_path_factory.mktemp("cjk") / "report.pdf"
    path.write_bytes(render_pdf(built.document))
    return path


@needs_font
@needs_poppler
def test_the_cjk_font_is_embedded_as_a_subset(chinese_pdf: Path) -> None:
    listing = subprocess.run(["pdffonts", str(chinese_pdf)], capture_output=True, text=True,
                             check=True, timeout=TIMEOUT_S).stdout  # fmt: skip
    font = cjk_font()
    assert font.embedded
    assert font.path is not None
    rows = [line.split() for line in listing.splitlines()[2:]]
    cjk = [row for row in rows if "+" in row[0] and ("Fallback" in row[0] or "WenQuanYi" in row[0]
                                                      or "wqy" in row[0].lower())]  # fmt: skip
    assert cjk, listing
    assert all(row[-5:-3] == ["yes", "yes"] for row in cjk), listing  # emb, sub
    assert CID_FALLBACK not in listing


@needs_font
@needs_poppler
def test_the_first_page_shows_the_chinese_sponsor(chinese_pdf: Path) -> None:
    """pdftotext reads the Chinese back (the embedded font maps its glyphs to Unicode); the
    page image is kept to be looked at."""
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(chinese_pdf), "-"],
                          capture_output=True, text=True, check=True,
                          timeout=TIMEOUT_S).stdout  # fmt: skip
    assert SPONSOR in text
    assert TITLE in text.replace("\n", "")
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / "pdf-cjk"
    for old in ARTIFACTS.glob("pdf-cjk-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "90", "-png", str(chinese_pdf),
                    str(prefix)], capture_output=True, check=True, timeout=TIMEOUT_S)  # fmt: skip
    (page,) = ARTIFACTS.glob("pdf-cjk-*.png")
    with Image.open(page) as image:
        low, high = image.convert("L").getextrema()
    assert high - low > 100


def test_without_a_truetype_cjk_font_the_cid_font_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(cjk_module, "CJK_FONT_FILES", ((tmp_path / "absent.ttf", 0),))
    font = cjk_module.cjk_font.__wrapped__()
    assert font == cjk_module.CjkFont(CID_FALLBACK, None, embedded=False)


def test_a_file_that_is_not_truetype_is_passed_over(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"OTTO" + bytes(60))  # CFF outlines (or garbage): ReportLab refuses
    monkeypatch.setattr(cjk_module, "CJK_FONT_FILES", ((broken, 0),))
    assert cjk_module.cjk_font.__wrapped__().name == CID_FALLBACK
