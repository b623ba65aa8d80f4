"""Lactic acidosis on metformin stops the study treatment at once (Glucophage label, boxed
warning), whether or not the subject would have stopped for another adverse event later.

The event is rare (3 per 100,000 patient-years in the model), so the test raises its rate until
every subject of the metformin arm has it: the rule then applies to each of them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from metsor.insilico import toxicity
from metsor.insilico.presets import toxicity_profile
from metsor.insilico.toxicity import plan_toxicity
from metsor.protocol import builtin

STUDY_DRUGS = {drug.code: drug for drug in builtin("NCT02672488").study_drugs}
ARM = (STUDY_DRUGS["sorafenib"], STUDY_DRUGS["metformin"])
TREATMENT_END = 300
SUBJECTS = 200


@pytest.mark.parametrize(
    "discontinuation",
    [
        pytest.param(0.0, id="no-other-stop"),
        pytest.param(1.0, id="a-stop-for-another-event-drawn"),
    ],
)
def test_lactic_acidosis_stops_both_drugs_on_its_day(
    monkeypatch: pytest.MonkeyPatch, discontinuation: float
) -> None:
    monkeypatch.setattr(toxicity, "_LACTIC_ACIDOSIS_PER_YEAR", 1e6)  # every subject has it
    profile = replace(toxicity_profile("metsor"), discontinuation=discontinuation)
    rng = np.random.default_rng(5)
    before_other_stop = 0
    for _ in range(SUBJECTS):
        planned = plan_toxicity(
            randomized_on=date(2016, 1, 4),
            drugs=ARM,
            profile=profile,
            treatment_visits=list(range(28, TREATMENT_END, 28)),
            treatment_end=TREATMENT_END,
            last_visit=TREATMENT_END,
            rng=rng,
        )
        [acidosis] = [e for e in planned.events if e.term == "lactic acidosis"]
        withdrawn = [e for e in planned.events if e.action == "drug_withdrawn"]
        assert len(withdrawn) == 1
        assert planned.stopped_on is not None
        assert planned.stopped_on <= acidosis.onset
        if withdrawn[0].term == "lactic acidosis":
            before_other_stop += 1
            assert planned.stopped_on == acidosis.onset
            stops = [
                e.fields
                for e in planned.entries
                if e.kind == "dose" and e.fields["event"] == "discontinue"
            ]
            assert sorted(s["drug"] for s in stops) == sorted(d.code for d in ARM)
            assert {s["reason"] for s in stops} == {"grade 3 lactic acidosis"}
    assert before_other_stop > 0
    if discontinuation == 0.0:
        assert before_other_stop == SUBJECTS
