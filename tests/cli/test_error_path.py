"""The command's one error path: encoding checked first, domain errors exit 2, defects exit 1."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from metsor.cli.main import MetsorGroup, app, undecodable_input
from metsor.errors import InputError

runner = CliRunner()


def _metsor(
    args: list[bytes], env: dict[str, bytes], code: str = ""
) -> subprocess.CompletedProcess:
    """The ``metsor`` entry point in a process of its own, given bytes as a shell gives them."""
    program = code or "from metsor.cli.main import run; run()"
    environment = {k: v for k, v in os.environb.items() if not k.startswith(b"METSOR_")}
    return subprocess.run(
        [sys.executable, "-c", program, *args],
        env={**environment, **env},
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_a_byte_that_is_not_utf8_is_refused_before_any_database_is_opened(tmp_path):
    home = tmp_path / "home"
    done = _metsor([b"subjects", b"list", b"--user", b"zh\xe4ng"], {b"METSOR_HOME": bytes(home)})
    assert done.returncode == 2
    assert done.stderr == (
        b"error: --user is not UTF-8 text: 'zh\\xe4ng'; give every argument in UTF-8\n"
    )
    assert not home.exists()


def test_a_metsor_variable_that_is_not_utf8_is_refused(tmp_path):
    done = _metsor([b"sites", b"list"], {b"METSOR_HOME": bytes(tmp_path), b"METSOR_USER": b"\xfe"})
    assert done.returncode == 2
    assert b"METSOR_USER is not UTF-8 text: '\\xfe'" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_defect_prints_one_line_and_leaves_its_traceback_in_a_log(tmp_path):
    code = textwrap.dedent(
        """
        from metsor.cli.main import app, run

        @app.command("explode")
        def explode() -> None:
            raise RuntimeError("a defect")

        run()
        """
    )
    done = _metsor([b"explode"], {b"TMPDIR": bytes(tmp_path)}, code)
    assert done.returncode == 1
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("internal error: RuntimeError (a defect of metsor")
    (log,) = tmp_path.glob("metsor-internal-error-*.log")
    assert str(log) in lines[0]
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "RuntimeError: a defect" in log.read_text()
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        pytest.param(["subjects", "register", "r.json", "--site", "\udcff"], "--site", id="option"),
        pytest.param(["subjects", "list", "--db=\udcff"], "--db", id="option-equals"),
        pytest.param(["users", "add", "zh\udce4ng"], "USERNAME (argument 3)", id="argument"),
        pytest.param(
            ["subjects", "randomize", "--json", "T\udcff"],
            "SUBJECT_ID (argument 4)",
            id="after-flag",
        ),
        pytest.param(["correct", "t", "1", "f", "\udcff"], "VALUE (argument 5)", id="fourth"),
        pytest.param(["no-such-group", "\udcff"], "argument 2", id="unknown-command"),
    ],
)
def test_the_argument_at_fault_is_named(args, named):
    from typer.main import get_command

    problem = undecodable_input(args, {}, get_command(app))
    assert problem is not None
    assert problem.startswith(f"{named} is not UTF-8 text: ")


def test_utf8_input_passes():
    assert (
        undecodable_input(["screen", "µmol.json", "--site", "天津"], {"METSOR_USER": "张"}) is None
    )


def _group_app() -> typer.Typer:
    small = typer.Typer(cls=MetsorGroup)

    @small.command("refuse")
    def refuse() -> None:
        raise InputError("the value is wrong", field="--value")

    @small.command("explode")
    def explode() -> None:
        raise RuntimeError("a defect")

    return small


def test_a_domain_error_of_any_command_exits_2_with_its_message():
    result = runner.invoke(_group_app(), ["refuse"])
    assert result.exit_code == 2
    assert result.stderr == "error: field '--value': the value is wrong\n"


def test_a_defect_is_not_swallowed_in_process():
    result = runner.invoke(_group_app(), ["explode"])
    assert isinstance(result.exception, RuntimeError)


def test_the_byte_check_runs_before_the_command_in_process(tmp_path: Path):
    result = runner.invoke(_group_app(), ["refuse", "\udcff"])
    assert result.exit_code == 2
    assert "argument 2 is not UTF-8 text: '\\xff'" in result.stderr
