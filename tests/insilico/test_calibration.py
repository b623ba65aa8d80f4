"""``metsor insilico calibrate``: each preset's published figures beside the virtual patients',
through the virtual trial's own planning and endpoint code.

At n = 10,000 per arm every target lies inside its interval (docs/validation.md); here a small
population, with correspondingly wider intervals, keeps the suite fast.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.design.outcomes import PRESETS
from metsor.errors import InputError
from metsor.insilico.calibration import calibrate, calibration_targets
from metsor.insilico.presets import SORAFENIB_EVENTS, targets

runner = CliRunner()


@pytest.mark.slow
@pytest.mark.parametrize("preset", [pytest.param(p, id=p) for p in sorted(PRESETS)])
def test_every_target_inside_its_interval_at_a_small_size(preset: str) -> None:
    result = calibrate(preset, n=150, seed=11)
    outside = [row.target.key for row in result.rows if not row.inside]
    assert outside == []
    assert result.all_inside
    widths = [row.upper - row.lower for row in result.rows if not row.target.is_median]
    assert min(widths) > 0.01  # wide intervals at this size


@pytest.mark.parametrize("preset", [pytest.param(p, id=p) for p in sorted(PRESETS)])
def test_each_preset_states_its_targets_with_sources(preset: str) -> None:
    found = targets(preset)
    keys = {t.key for t in found}
    assert {"os_median", "orr_mrecist", "orr_recist", "discontinued_ae", "dose_reduced"} <= keys
    assert keys & {"ttp_median", "pfs_median"}
    for event in SORAFENIB_EVENTS:
        assert {f"ae_any:{event.term}", f"ae_g3:{event.term}"} <= keys
    assert all(t.source for t in found)
    assert PRESETS[preset].recist_rate < PRESETS[preset].response_rate


def test_reflect_keeps_both_criteria() -> None:
    """REFLECT sorafenib arm: 12.4% by mRECIST, 6.5% by RECIST 1.1 (independent review)."""
    found = {t.key: t.value for t in targets("reflect")}
    assert (found["orr_mrecist"], found["orr_recist"]) == (0.124, 0.065)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        pytest.param({"n": 5}, "n", id="too-few"),
        pytest.param({"n": 10**6}, "n", id="too-many"),
        pytest.param({"seed": -1}, "seed", id="negative-seed"),
        pytest.param({"level": 1.0}, "level", id="level"),
        pytest.param({"preset": "remember"}, "preset", id="preset"),
    ],
)
def test_bad_arguments_are_refused(options: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as caught:
        calibrate(**options)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_the_command_prints_json_and_a_table() -> None:
    done = runner.invoke(app, ["insilico", "calibrate", "--n", "30", "--preset", "sharp", "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert data["preset"] == "sharp"
    assert data["n_per_arm"] == 30
    assert data["scan_interval_days"] == 42
    assert [(row["arm"], row["key"]) for row in data["rows"]] == [
        (t.arm, t.key) for t in calibration_targets("sharp")
    ]
    assert {row["arm_code"] for row in data["rows"]} == {"sorafenib", "placebo"}
    text = runner.invoke(app, ["insilico", "calibrate", "--n", "30", "--preset", "reflect"])
    assert text.exit_code == 0, text.output
    assert "ORR mRECIST" in text.output
    assert "12.4%" in text.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        pytest.param(["--n", "3"], "--n", id="n"),
        pytest.param(["--preset", "nope"], "--preset", id="preset"),
    ],
)
def test_the_command_names_a_bad_option(args: list[str], named: str) -> None:
    done = runner.invoke(app, ["insilico", "calibrate", *args])
    assert done.exit_code == 2
    assert named in done.output


@pytest.mark.parametrize(
    ("preset", "other_arm", "other_drug_rows"),
    [
        pytest.param("sharp", "placebo", 22, id="sharp-placebo"),
        pytest.param("metsor", "sorafenib_metformin", 7, id="metsor-metformin"),
    ],
)
def test_the_other_arm_is_the_presets_own_trials(
    preset: str, other_arm: str, other_drug_rows: int
) -> None:
    """SHARP's calibration has no metformin rows: its other arm is placebo, compared with its
    published median OS and TTP and best response CR, PR or SD, the label's placebo column (9
    terms, any grade and grade >= 3) and its discontinuation."""
    found = calibration_targets(preset)
    other = [t for t in found if t.arm == "experimental"]
    assert len(other) == other_drug_rows
    glucophage = [t for t in found if "Glucophage" in t.source]
    assert (glucophage == []) == (other_arm == "placebo")
    result = calibrate(preset, n=20, seed=3)
    assert result.arm_codes["experimental"] == other_arm


def test_best_response_target_says_what_it_counts() -> None:
    """SHARP's 73% is CR + PR + SD at any assessment (2% + 71%), not its disease control rate."""
    found = {(t.arm, t.key): t for t in calibration_targets("sharp")}
    assert ("control", "dcr_recist") not in found
    assert found["control", "cr_pr_sd_recist"].value == 0.73
    assert found["experimental", "cr_pr_sd_recist"].value == 0.68
    assert "not the publication's disease control rate" in PRESETS["sharp"].derivation
