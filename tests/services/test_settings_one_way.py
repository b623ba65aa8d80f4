"""One way to the settings: the services and the web application take them from the database
they were opened with, never from :mod:`metsor.config`'s readers of the settings in force.

A scan of their source: what each module imports from :mod:`metsor.config` (the value types
and the variables' names only), who imports :mod:`metsor.config` itself (the database's
opening alone), and who imports :mod:`metsor.config_variables` (:mod:`metsor.config` alone).
The scan is shown to catch each kind of import in its own cases.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import metsor

PACKAGE = Path(metsor.__file__).parent

#: What a service or a page may take from metsor.config: types and names, nothing that reads.
VALUES = frozenset({"LoginPolicy", "SecretPlace", "Settings"})

#: The one module that resolves the settings, when the database is opened.
OPENING = "services/context.py"


def config_reads(source: str) -> list[str]:
    """What ``source`` takes from the settings in force: a reader imported from
    :mod:`metsor.config`, the module itself, or :mod:`metsor.config_variables`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "metsor.config":
            found += [
                alias.name
                for alias in node.names
                if alias.name not in VALUES and not alias.name.endswith("_ENV")
            ]
        elif isinstance(node, ast.ImportFrom) and node.module == "metsor":
            found += [alias.name for alias in node.names if alias.name.startswith("config")]
        elif isinstance(node, ast.ImportFrom) and node.module == "metsor.config_variables":
            found.append("metsor.config_variables")
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("metsor.config")]
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("from metsor.config import home_folder\n", ["home_folder"], id="reader"),
        pytest.param("from metsor.config import settings as s\n", ["settings"], id="aliased"),
        pytest.param("from metsor import config\n", ["config"], id="module"),
        pytest.param("import metsor.config\n", ["metsor.config"], id="import"),
        pytest.param(
            "from metsor.config_variables import home_of\n",
            ["metsor.config_variables"],
            id="variables",
        ),
        pytest.param(
            "from metsor.config import HOME_ENV, LoginPolicy, SecretPlace, Settings\n",
            [],
            id="values-pass",
        ),
    ],
)
def test_the_scan_catches_a_reader_of_the_settings_in_force(
    source: str, expected: list[str]
) -> None:
    assert config_reads(source) == expected


def _modules(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (PACKAGE / folder).rglob("*.py"))


def test_services_and_pages_take_the_settings_of_their_database() -> None:
    modules = _modules("services", "web")
    assert len(modules) > 40  # the packages were found
    found = {
        name: reads
        for path in modules
        if (name := path.relative_to(PACKAGE).as_posix()) != OPENING
        and (reads := config_reads(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_opening_resolves_the_settings() -> None:
    """The module left out of the scan is the one that resolves them (the scan sees it)."""
    assert config_reads((PACKAGE / OPENING).read_text(encoding="utf-8"))


def test_only_metsor_config_reads_the_variables() -> None:
    found = {
        name
        for path in sorted(PACKAGE.rglob("*.py"))
        if "metsor.config_variables" in config_reads(path.read_text(encoding="utf-8"))
        and (name := path.relative_to(PACKAGE).as_posix())
    }
    assert found == {"config.py"}
