"""Adverse events by term and grade at the label's rates, whatever the time on treatment; the
metformin arm's excess gastrointestinal events; the casebook takes every term."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from metsor.clinical import ctcae
from metsor.errors import InputError
from metsor.insilico.presets import (
    METFORMIN_EXCESS,
    SORAFENIB_EVENTS,
    targets,
    toxicity_profile,
)
from metsor.insilico.toxicity import ONSET_WINDOWS, plan_toxicity

N = 3000


def _draws(treatment_end: int, drugs: tuple[str, ...], seed: int) -> list[set[tuple[str, int]]]:
    rng = np.random.default_rng(seed)
    profile = toxicity_profile("metsor")
    visits = list(range(28, treatment_end, 28))
    out = []
    for _ in range(N):
        planned = plan_toxicity(
            randomized_on=date(2016, 1, 4),
            drugs=drugs,
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
    return abs(observed - expected) <= 4.0 * (expected * (1 - expected) / N) ** 0.5 + 1e-9


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
    wanted = {t.key[7:]: t.value for t in targets("metsor") if t.arm == "experimental"}
    assert set(wanted) == {e.term for e in METFORMIN_EXCESS}
    for term, share in wanted.items():
        assert _close(_share(draws, term), share), term
    assert _share(draws, "diarrhoea") > 0.7
    assert _share(_draws(200, ("sorafenib",), seed=6), "flatulence") == 0.0


def test_every_term_is_one_the_casebook_grades_or_keeps() -> None:
    """CTCAE-graded terms keep their grades; the others are stored as given."""
    graded = {"diarrhoea": 3, "fatigue": 3, "hand-foot skin reaction": 3, "lactic acidosis": 3}
    for term, grade in graded.items():
        assert ctcae.grade_clinical(term, grade=grade).grade == grade
    others = set(ONSET_WINDOWS) - set(graded) - {"hypertension"}
    for term in others | {e.term for e in METFORMIN_EXCESS} - set(graded):
        with pytest.raises(InputError) as caught:
            ctcae.grade_clinical(term, grade=1)
        assert caught.value.field == "term"
