"""The built-in virtual screening log: reproducible from its script, and screened sensibly."""

from __future__ import annotations

import subprocess
import sys
from importlib.resources import files
from pathlib import Path

from metsor.eligibility.log import LOG_COLUMNS, screen_log
from metsor.eligibility.rules import EligibilitySettings
from metsor.protocol import Protocol

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "make_virtual_screening_log.py"


def virtual_log_text() -> str:
    resource = files("metsor.eligibility").joinpath("data/virtual_screening_log.csv")
    return resource.read_text(encoding="utf-8")


def test_committed_log_is_what_the_script_writes() -> None:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr


def test_virtual_log_is_screened_with_a_share_failing(protocol: Protocol) -> None:
    text = virtual_log_text()
    assert text.splitlines()[0].split(",") == list(LOG_COLUMNS)
    log = screen_log(text, protocol)
    summary = log.summary()
    assert summary.screened == 120
    assert summary.unreadable == 0
    assert all(count > 0 for count in summary.by_verdict.values())
    # Screen failure in phase 2 HCC trials is commonly a quarter to a half of candidates.
    assert 0.2 <= summary.by_verdict["ineligible"] / summary.screened <= 0.6
    assert summary.by_verdict["eligible"] > summary.by_verdict["incomplete"]
    # BCLC-C required (the default): a stage other than C is the commonest reason, some
    # candidates referred at an intermediate stage (BCLC A or B) and some at a terminal one (D).
    assert max(summary.by_failed_criterion, key=summary.by_failed_criterion.__getitem__) == (
        "hcc_confirmed"
    )
    # Without it, liver function is the commonest reason, as in practice.
    unstaged = screen_log(text, protocol, settings=EligibilitySettings(require_bclc_c=False))
    failed = unstaged.summary().by_failed_criterion
    assert max(failed, key=failed.__getitem__) == "child_pugh_a"
    assert unstaged.summary().by_verdict["eligible"] > summary.by_verdict["eligible"]
