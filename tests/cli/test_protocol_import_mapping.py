"""``metsor protocol import RECORD --mapping FILE``: a registry record completed by a mapping
of its criteria to rule ids (with parameters) and the trial sections the registry lacks, into
a protocol that screens, randomizes and doses; unmapped criteria are checklist items; a bad
mapping exits 2 naming the row and key and writes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.eligibility.examples import eligible_record
from metsor.eligibility.screening import screen
from metsor.protocol import Protocol, builtin

ROOT = Path(__file__).parents[2]
RECORD = ROOT / "tests" / "protocol" / "fixtures" / "NCT02672488.ctgov.json"
MAPPING = ROOT / "examples" / "NCT02672488-mapping.yaml"

runner = CliRunner()


def _mapping() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    return data


def _import(tmp_path: Path, mapping: dict[str, Any], suffix: str = ".json") -> Protocol:
    path = tmp_path / f"mapping{suffix}"
    text = json.dumps(mapping) if suffix == ".json" else yaml.safe_dump(mapping)
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "protocol.json"
    result = runner.invoke(
        app, ["protocol", "import", str(RECORD), "--mapping", str(path), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return Protocol.model_validate_json(out.read_text(encoding="utf-8"))


def test_the_example_mapping_gives_a_runnable_protocol(tmp_path: Path) -> None:
    out = tmp_path / "metsor.json"
    result = runner.invoke(
        app, ["protocol", "import", str(RECORD), "--mapping", str(MAPPING), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    protocol = Protocol.model_validate_json(out.read_text(encoding="utf-8"))
    reference = builtin("NCT02672488")
    assert protocol.arm_codes == reference.arm_codes
    assert protocol.study_drugs == reference.study_drugs
    assert protocol.stratification == reference.stratification
    assert [(c.id, c.rule, c.cutoff) for c in protocol.criteria] == [
        (c.id, c.rule, c.cutoff) for c in reference.criteria
    ]
    assert screen(eligible_record(), protocol).verdict == "eligible"
    shown = runner.invoke(app, ["protocol", "show", str(out), "--json"])
    assert shown.exit_code == 0
    assert Protocol.model_validate_json(shown.output) == protocol


def test_unmapped_criteria_are_checklist_items_the_investigator_attests(tmp_path: Path) -> None:
    mapping = _mapping()
    mapping["criteria"] = [
        row for row in mapping["criteria"] if (row["kind"], row["number"]) != ("exclusion", 6)
    ]
    protocol = _import(tmp_path, mapping, ".yaml")
    [item] = [c for c in protocol.criteria if c.id == "exclusion_6"]
    assert item.rule is None
    assert item.text == "Women who are pregnant"
    unattested = screen(eligible_record(), protocol)
    assert unattested.verdict == "incomplete"
    assert unattested.unknown == ("exclusion_6",)
    attested = screen(eligible_record(attested=["exclusion_6"]), protocol)
    assert attested.verdict == "eligible"


def test_a_rows_parameters_become_the_criterions(tmp_path: Path) -> None:
    mapping = _mapping()
    for row in mapping["criteria"]:
        if row["rule"] == "gi_bleeding":
            row["parameters"] = {"window_days": 30}
            row["source"] = "the trial's amendment 2"
    protocol = _import(tmp_path, mapping)
    assert protocol.criterion("gi_bleeding").parameter("window_days") == 30
    assert protocol.criterion("gi_bleeding").parameters[0].source == "the trial's amendment 2"
    record = eligible_record()
    record["history"] = {**record["history"], "gi_bleeding_history": True,
                         "gi_bleeding_days_ago": 60}  # fmt: skip
    assert screen(record, protocol).verdict == "eligible"


def _metsor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from metsor.cli.main import run; run()", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _row(rule: str) -> int:
    rows = _mapping()["criteria"]
    return next(i for i, row in enumerate(rows) if row["rule"] == rule)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            lambda m: m["criteria"][_row("age")].update(rule="age_limit"),
            f"criteria[{_row('age') + 1}].rule: no rule 'age_limit'",
            id="unknown-rule",
        ),
        pytest.param(
            lambda m: m["criteria"][_row("ecog")].update(parameters={"window_days": 3}),
            f"criteria[{_row('ecog') + 1}].parameters.window_days: rule 'ecog' takes no parameter",
            id="parameter-the-rule-does-not-take",
        ),
        pytest.param(
            lambda m: m["criteria"][_row("ecog")].update(parameters={"max": 7}),
            "criteria.ecog.parameters.max",
            id="parameter-out-of-bounds",
        ),
        pytest.param(
            lambda m: m["criteria"][0].update(number=40),
            "criteria[1].number: the record has 13 inclusion criteria, not 40",
            id="no-such-criterion",
        ),
        pytest.param(
            lambda m: m["criteria"][1].update(number=1),
            "criteria[2]: inclusion criterion 1 is mapped twice",
            id="mapped-twice",
        ),
        pytest.param(
            lambda m: m["criteria"][2].pop("rule"),
            "criteria[3].rule: Field required",
            id="row-without-rule",
        ),
        pytest.param(
            lambda m: m.update(nct_id="NCT00105443"),
            "mapping is for NCT00105443, the record is NCT02672488",
            id="another-trial",
        ),
        pytest.param(
            lambda m: m["trial"].update(design={}),
            "trial.design: not a section a mapping may set",
            id="section-not-settable",
        ),
        pytest.param(
            lambda m: m["trial"]["arms"][0].update(code="Bad Code"),
            "trial.arms[1].code",
            id="bad-trial-section",
        ),
    ],
)
def test_a_bad_mapping_exits_2_naming_row_and_key(
    tmp_path: Path, change: Any, message: str
) -> None:
    mapping = _mapping()
    change(mapping)
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(mapping), encoding="utf-8")
    out = tmp_path / "out.json"
    result = _metsor("protocol", "import", str(RECORD), "--mapping", str(path), "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_mapping_that_is_not_yaml_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text("criteria: [\n", encoding="utf-8")
    result = _metsor("protocol", "import", str(RECORD), "--mapping", str(path))
    assert result.returncode == 2
    assert "is not valid YAML" in result.stderr
    assert result.stdout == ""
