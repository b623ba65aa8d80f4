"""The report looked at as a person would: ``report.html`` rendered by headless Chromium (a
screenshot of its first screen and the whole file printed to pages) and ``report.pdf``
rendered to PNG pages by pdftoppm. The images are kept under ``tests/report/artifacts/``
(git-ignored) for a person to look at."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from metsor.report import BuiltReport
from metsor.report.document import Table
from metsor.report.formatting import estimate_ci

from .conftest import ARTIFACTS

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
PDFTOPPM = shutil.which("pdftoppm")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no headless Chromium installed")
needs_pdftoppm = pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm (poppler-utils) absent")

TIMEOUT_S = 120


def _chromium(*args: str) -> None:
    assert CHROMIUM is not None
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", *args],
        check=True, capture_output=True, timeout=TIMEOUT_S,
    )  # fmt: skip


def _pages(pdf: Path, prefix: str) -> list[Path]:
    assert PDFTOPPM is not None
    for old in ARTIFACTS.glob(f"{prefix}-*.png"):
        old.unlink()
    subprocess.run(
        [PDFTOPPM, "-r", "70", "-png", str(pdf), str(ARTIFACTS / prefix)],
        check=True, capture_output=True, timeout=TIMEOUT_S,
    )  # fmt: skip
    return sorted(ARTIFACTS.glob(f"{prefix}-*.png"))


def _not_blank(path: Path) -> bool:
    with Image.open(path) as image:
        low, high = image.convert("L").getextrema()
    return bool(high - low > 100)


@pytest.fixture(scope="module")
def artifacts() -> Path:
    """The folder the images are kept in."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@needs_chromium
def test_chromium_shows_the_html_report(written: dict[str, Path], artifacts: Path) -> None:
    shot = artifacts / "html-first-screen.png"
    _chromium(f"--screenshot={shot}", "--window-size=1200,1500", written["html"].as_uri())
    assert _not_blank(shot)
    with Image.open(shot) as image:
        assert image.size == (1200, 1500)


@needs_chromium
@needs_pdftoppm
def test_the_html_report_prints_to_pages(written: dict[str, Path], artifacts: Path) -> None:
    printed = artifacts / "html-printed.pdf"
    _chromium("--no-pdf-header-footer", f"--print-to-pdf={printed}", written["html"].as_uri())
    pages = _pages(printed, "html-page")
    assert len(pages) >= 6
    assert all(_not_blank(page) for page in pages)


@needs_pdftoppm
def test_the_pdf_report_renders_to_pages(written: dict[str, Path], artifacts: Path) -> None:
    pages = _pages(written["pdf"], "pdf-page")
    assert len(pages) >= 6
    assert all(_not_blank(page) for page in pages)


PDFTOTEXT = shutil.which("pdftotext")


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) absent")
def test_the_pdf_holds_the_same_content_as_the_html(
    built: BuiltReport, written: dict[str, Path]
) -> None:
    assert PDFTOTEXT is not None
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(written["pdf"]), "-"],
        check=True, capture_output=True, text=True, timeout=TIMEOUT_S,
    ).stdout  # fmt: skip
    flat = " ".join(text.split())
    for section in built.document.sections:
        assert f"{section.number}. {section.title}" in flat
        for block in section.blocks:
            if isinstance(block, Table):
                assert block.caption in flat
    assert built.analysis is not None
    hr = built.analysis.endpoints["OS"].hazard_ratio
    assert hr is not None
    assert f"HR {estimate_ci(hr.estimate, hr.lower, hr.upper)}" in flat
