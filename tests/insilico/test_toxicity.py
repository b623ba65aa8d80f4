"""Adverse events by term and grade at the label's rates, whatever the time on treatment; the
metformin arm's excess gastrointestinal events; every term is a CTCAE term the casebook grades,
and no drawn grade is one its term lacks."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from metsor.clinical import ctcae
from metsor.design.outcomes import PRESETS
from metsor.insilico.calibration import calibration_targets
from metsor.insilico.presets import (
    METFORMIN_EXCESS,
    SORAFENIB_EVENTS,
    toxicity_profile,
)
from metsor.insilico.toxicity import DETERIORATION, ONSET_WINDOWS, plan_toxicity
from metsor.protocol import builtin

ARM_DRUGS = ("sorafenib", "metformin")
STUDY_DRUGS = {drug.code: drug for drug in builtin("NCT02672488").study_drugs}

N = 3000


def _draws(treatment_end: int, drugs: tuple[str, ...], seed: int) -> list[set[tuple[str, int]]]:
    rng = np.random.default_rng(seed)
    profile = toxicity_profile("metsor")
    visits = list(range(28, treatment_end, 28))
    out = []
    for _ in range(N):
        planned = plan_toxicity(
            randomized_on=date(2016, 1, 4),
            drugs=tuple(STUDY_DRUGS[code] for code in drugs),
            profile=profile,
            treatment_visits=visits,
            treatment_end=treatment_end,
            last_visit=treatment_end,
            rng=rng,
        )
        assert all(0 < e.onset < treatment_end for e in planned.events)
        out.append({(e.term, e.grade) for e in planned.events})
    return out


def _share(draws: list[set[tuple[str, int]]], term: str, least: int = 1) -> float:
    return sum(any(t == term and g >= least for t, g in d) for d in draws) / len(draws)


def _close(observed: float, expected: float) -> bool:
    return bool(abs(observed - expected) <= 4.0 * (expected * (1 - expected) / N) ** 0.5 + 1e-9)


@pytest.mark.parametrize(
    "treatment_end",
    [pytest.param(20, id="three-weeks"), pytest.param(400, id="thirteen-months")],
)
def test_label_rates_by_term_and_grade(treatment_end: int) -> None:
    """Nexavar label, HCC: any grade and grade ≥ 3 per term, short or long on treatment."""
    draws = _draws(treatment_end, ("sorafenib",), seed=treatment_end)
    for rate in SORAFENIB_EVENTS:
        assert _close(_share(draws, rate.term), rate.any_grade), rate.term
        assert _close(_share(draws, rate.term, 3), rate.grade_3_or_more), rate.term


def test_metformin_adds_the_label_excess_of_gastrointestinal_events() -> None:
    """Glucophage label: diarrhoea 53.2% vs 11.7% on placebo, added as an independent cause."""
    draws = _draws(200, ("sorafenib", "metformin"), seed=5)
    wanted = {t.key[7:]: t.value for t in calibration_targets("metsor") if t.arm == "experimental"}
    assert set(wanted) == {e.term for e in METFORMIN_EXCESS}
    for term, share in wanted.items():
        assert _close(_share(draws, term), share), term
    assert _share(draws, "diarrhoea") > 0.7
    assert _share(_draws(200, ("sorafenib",), seed=6), "flatulence") == 0.0


def _recordable_terms() -> set[str]:
    """Every term the virtual trial can record: each preset's sorafenib events, metformin's
    excess, hypoglycaemia, lactic acidosis and the deterioration that stops treatment."""
    terms = {e.term for preset in PRESETS for e in toxicity_profile(preset).events}
    terms |= {e.term for e in METFORMIN_EXCESS} | set(ONSET_WINDOWS)
    return terms | {"Hypoglycemia", "lactic acidosis", DETERIORATION}


@pytest.mark.parametrize("term", sorted(_recordable_terms()))
def test_every_term_the_virtual_trial_records_is_a_ctcae_term(term: str) -> None:
    """The casebook checks the grade of each: a clinical term of CTCAE v5.0, or a laboratory
    term (hypoglycaemia, graded on glucose)."""
    if term in ctcae.LAB_TERMS:
        return
    assert ctcae.grade_clinical(term, grade=1).version == "5.0"


@pytest.mark.parametrize(
    "drugs", [pytest.param(("sorafenib",), id="S"), pytest.param(ARM_DRUGS, id="M+S")]
)
def test_the_virtual_trial_never_records_an_impossible_grade(drugs: tuple[str, ...]) -> None:
    """Every drawn (term, grade) is a grade the term has: alopecia never grade 3, flatulence
    (metformin's, drawn 2% grade 3 for other terms) never above grade 2."""
    seen: set[tuple[str, int]] = set().union(*_draws(200, drugs, seed=11))
    for term, grade in sorted(seen):
        if term in ctcae.LAB_TERMS:
            assert 1 <= grade <= 5, term
        else:
            assert grade in ctcae.clinical_grades(term), (term, grade)
    assert any(term == "alopecia" for term, _ in seen)
    assert ("alopecia", 3) not in seen
    if "metformin" in drugs:
        assert any(term == "flatulence" for term, _ in seen)
        assert max(g for term, g in seen if term == "flatulence") == 2


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_no_preset_asks_for_a_grade_its_term_lacks(preset: str) -> None:
    """A grade ≥ 3 rate only for a term that has grade 3."""
    for event in toxicity_profile(preset).events:
        if event.grade_3_or_more > 0:
            assert 3 in ctcae.clinical_grades(event.term), event.term


def test_grade_2_hypertension_reduces_sorafenib_one_level() -> None:
    """The label's table of dosage modifications: symptomatic or persistent grade 2
    hypertension interrupts sorafenib, which resumes one dose level lower."""
    rng = np.random.default_rng(7)
    profile = toxicity_profile("metsor")
    reduced = 0
    for _ in range(400):
        planned = plan_toxicity(
            randomized_on=date(2016, 1, 4),
            drugs=(STUDY_DRUGS["sorafenib"],),
            profile=profile,
            treatment_visits=list(range(28, 400, 28)),
            treatment_end=400,
            last_visit=400,
            rng=rng,
        )
        reductions = [
            e.fields for e in planned.entries if e.kind == "dose" and e.fields["event"] == "reduce"
        ]
        for event in planned.events:
            if event.term == "hypertension" and event.action == "dose_reduced":
                assert event.grade == 2
                reason = "grade 2 hypertension persistent within 7 days"
                assert any(r["reason"] == reason for r in reductions)
                reduced += 1
    assert reduced > 0
