"""The virtual trial's population is the registered one: BCLC stage C by default.

NCT02672488's official title asks for BCLC-C hepatocellular carcinoma; BCLC 2022 (Reig M et
al. J Hepatol 2022;76:681-693): stage C is macrovascular invasion and/or extrahepatic spread
with ECOG 0-2. The virtual candidates are drawn from Asian advanced-HCC cohorts, some of them
at stage A, B or D, so it is the screening (``require_bclc_c``, on by default) that keeps them
out of the trial.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from metsor.design.cohort import generate_cohort
from metsor.eligibility import parse_record, screen
from metsor.eligibility.interpretations import EligibilitySettings
from metsor.insilico import VirtualTrialResult
from metsor.insilico.analysis import read_rows
from metsor.insilico.recruitment import as_screened, eligible_candidates
from metsor.protocol import builtin

CANDIDATES = 400


def _stage(record: dict[str, object], settings: EligibilitySettings | None = None) -> str | None:
    derived = screen(parse_record(record), settings=settings).derived["bclc"]
    return None if derived is None else str(derived["stage"])


def test_candidates_who_pass_screening_are_all_bclc_c() -> None:
    """Every candidate the recruitment plan finds eligible is at stage C."""
    _, records = eligible_candidates(CANDIDATES, np.random.default_rng(11))
    assert len(records) == CANDIDATES
    assert Counter(_stage(r) for r in records) == {"C": CANDIDATES}


def test_without_the_requirement_other_stages_would_enter() -> None:
    """The requirement is what keeps stages other than C out: with ``--no-require-bclc-c`` the
    same candidates include eligible patients at another stage (the test above can fail)."""
    trial = builtin()
    cohort = generate_cohort(CANDIDATES, np.random.default_rng(11))
    records = [as_screened(r, trial) for r in cohort.to_screening_records()]
    open_stage = EligibilitySettings(require_bclc_c=False)
    entering = [
        r
        for r in records
        if screen(parse_record(r), trial, settings=open_stage).verdict == "eligible"
    ]
    stages = Counter(_stage(r, open_stage) for r in entering)
    assert stages["C"] > 0
    assert sum(n for stage, n in stages.items() if stage != "C") > 0, stages
    required = [r for r in entering if screen(parse_record(r), trial).verdict == "eligible"]
    assert {_stage(r) for r in required} == {"C"}
    assert len(required) == stages["C"]


def test_no_randomized_virtual_patient_is_outside_bclc_c(small_trial: VirtualTrialResult) -> None:
    """Through the services (screening, randomization, ADSL export): every randomized subject's
    stage, as the services derived it at screening, is C in the exported ADSL."""
    rows = read_rows(Path(small_trial.datasets["adsl"]))
    assert len(rows) == sum(small_trial.consort.randomized.values()) == len(small_trial.plans)
    assert {str(row["BCLC"]) for row in rows} == {"C"}
