"""``metsor protocol``: show, import and review, with their outputs and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metsor.cli.main import app

RECORD = Path(__file__).parents[1] / "protocol" / "fixtures" / "NCT02672488.ctgov.json"
RTOL = 1e-3

runner = CliRunner()


def metsor(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed entry point, which turns domain errors into exit code 2."""
    return subprocess.run(
        [sys.executable, "-c", "from metsor.cli.main import run; run()", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_show_the_builtin_protocol() -> None:
    result = runner.invoke(app, ["protocol", "show"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "NCT02672488 (METSOR): Metformin Plus Sorafenib for Advanced HCC" in out
    assert "Sorafenib (Nexavar): 400 mg BID, oral, without food" in out
    assert "Metformin (Glucophage): 500 mg BID, oral, with food" in out
    assert "82 (Estimated)" in out
    assert "Unknown (last known: Recruiting)" in out
    assert "Randomized, Parallel assignment, None (open label)" in out
    assert "1:1" in out
    assert "child_pugh_7_ascites" in out
    assert "Corrections to the registered record" in out
    assert "Ti Zhang, MD" in out


def test_show_json_is_the_model_dump() -> None:
    result = runner.invoke(app, ["protocol", "show", "NCT02672488", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["design"]["target_enrollment"] == 82
    assert data["design"]["allocation_ratio"] == [1, 1]
    assert data["interventions"][0]["dose"]["unit"] == "mg"


def test_show_a_registry_record_file_as_registered() -> None:
    result = runner.invoke(app, ["protocol", "show", str(RECORD)])
    assert result.exit_code == 0, result.output
    assert "Sorafenib (Nexavar): 400 µg BID, oral" in result.output
    assert "Corrections" not in result.output


def test_import_prints_the_protocol() -> None:
    result = runner.invoke(app, ["protocol", "import", str(RECORD)])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["nct_id"] == "NCT02672488"
    assert data["interventions"][0]["dose"] == {
        "quantity": 400.0,
        "unit": "µg",
        "frequency": "BID",
        "route": "oral",
        "food_rule": None,
    }


def test_import_writes_a_protocol_file_that_show_reads(tmp_path: Path) -> None:
    out = tmp_path / "metsor.json"
    result = runner.invoke(app, ["protocol", "import", str(RECORD), "--out", str(out)])
    assert result.exit_code == 0
    assert result.output == f"wrote {out}\n"
    shown = runner.invoke(app, ["protocol", "show", str(out), "--json"])
    assert shown.exit_code == 0
    assert json.loads(shown.output) == json.loads(out.read_text(encoding="utf-8"))
    assert [p.name for p in tmp_path.iterdir()] == ["metsor.json"]


def test_malformed_record_exits_2_naming_the_field_and_writes_nothing(tmp_path: Path) -> None:
    data = json.loads(RECORD.read_text(encoding="utf-8"))
    data["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = "82 participants"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out.json"
    result = metsor("protocol", "import", str(bad), "--out", str(out))
    assert result.returncode == 2
    assert result.stderr == (
        "error: field 'protocolSection.designModule.enrollmentInfo.count': "
        "expected an integer, got string '82 participants'\n"
    )
    assert result.stdout == ""
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


def test_invalid_json_and_missing_file_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"protocolSection": ', encoding="utf-8")
    result = metsor("protocol", "import", str(broken))
    assert result.returncode == 2
    assert "is not valid JSON" in result.stderr
    assert "line 1, column 21" in result.stderr
    missing = metsor("protocol", "review", str(tmp_path / "none.json"))
    assert missing.returncode == 2
    assert "no such file" in missing.stderr


def test_unknown_protocol_id_exits_2_listing_the_known_ones() -> None:
    result = metsor("protocol", "show", "NCT00000000")
    assert result.returncode == 2
    assert result.stderr == (
        "error: field 'nct_id': no built-in protocol 'NCT00000000'; known: NCT00105443, "
        "NCT02672488\n"
    )


def test_review_of_the_builtin_protocol_is_a_table_and_exits_0() -> None:
    result = runner.invoke(app, ["protocol", "review"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Review of NCT02672488" in out
    for code in ("dose_corrected", "child_pugh_contradiction", "food_conflict", "power"):
        assert code in out
    assert "dose_implausible" not in out
    assert "0 errors" in out


def test_review_of_the_registered_record_computes_power_with_the_design_engine() -> None:
    result = runner.invoke(app, ["protocol", "review", str(RECORD), "--json"])
    assert result.exit_code == 0, result.output
    assert "design assumptions taken from the built-in NCT02672488" in result.stderr
    findings = json.loads(result.stdout)
    codes = [f["code"] for f in findings]
    assert codes[0] == "dose_implausible"
    for code in (
        "child_pugh_contradiction",
        "food_conflict",
        "label_hepatic_disease",
        "label_iodinated_contrast",
        "age_contradiction",
        "stage_as_diagnosis",
        "ecog_range",
        "non_english_text",
        "power",
    ):
        assert code in codes
    power = next(f for f in findings if f["code"] == "power")
    assert power["severity"] == "warning"
    # rpact 3.3.4 (STATISTICS-REFERENCE.md): power 0.1786, 59.2 expected events.
    assert "power 0.1786" in power["message"]
    assert "59.2 expected deaths at month 36" in power["message"]


def test_design_power_matches_the_rpact_anchor() -> None:
    from metsor.design.protocol_power import design_power
    from metsor.protocol import builtin

    protocol = builtin()
    assert protocol.assumptions is not None
    power, events = design_power(protocol)(protocol.assumptions, 82)
    assert power == pytest.approx(0.1786, rel=RTOL)
    assert events == pytest.approx(59.2, rel=RTOL)


def test_show_sharp_names_its_arms_drugs_strata_and_cutoffs() -> None:
    result = runner.invoke(app, ["protocol", "show", "NCT00105443"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "NCT00105443 (SHARP)" in out
    # SHARP's record gives no last known status and a double-blind design
    [status] = [line.split() for line in out.splitlines() if line.startswith("status ")]
    assert status == ["status", "Completed"]
    assert "Randomized, Parallel assignment, Double masked" in out
    assert "(sorafenib)" in out
    assert "(placebo)" in out
    assert "placebo (no active drug)" in out
    assert "400mg_qod (2)" in out
    assert "Geographic region of the recruiting" in out
    assert "platelets ≥ 60000 /uL" in out
    assert "checklist (attested)" in out
