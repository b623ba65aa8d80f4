"""Nothing trial-specific is written into the code: it is the protocols' data.

The forbidden words are read from the built-in protocols themselves: every arm code, study
drug code, intervention name and brand name, and dose level code; and the label's eGFR limits
wherever code speaks of eGFR. The search reads each module of ``src/metsor`` as Python tokens:
string literals (docstrings excepted: prose may cite a label or a trial) and names. A module
that is itself data about drugs and published trials is listed in ``DATA_MODULES`` with the
reason, and the list is checked to name only modules that exist.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from metsor.protocol import Protocol, builtin, known_protocols

SOURCE = Path(__file__).resolve().parents[2] / "src" / "metsor"

DATA_MODULES: dict[str, str] = {
    "protocol/labels.py": "drug label facts the protocol review compares registered doses with",
    "insilico/presets.py": "published trial arms (SHARP, Asia-Pacific, REFLECT, ORIENT-32) the "
    "virtual patients are calibrated against, each named by its drug as published",
    "design/outcomes.py": "published trial arms the outcome model is calibrated against",
}


def _protocols() -> list[Protocol]:
    return [builtin(nct_id) for nct_id in known_protocols()]


def forbidden_words() -> set[str]:
    """Arm, drug and dose level codes, intervention and brand names of the built-in protocols."""
    words: set[str] = set()
    for protocol in _protocols():
        words.update(protocol.arm_codes)
        for intervention in protocol.interventions:
            words.update(name.casefold() for name in (intervention.name, *intervention.other_names))
        for drug in protocol.study_drugs:
            words.add(drug.code)
            words.update(level.code for level in drug.levels)
    return words


def egfr_limits() -> set[float]:
    """The eGFR limits of the built-in protocols' study drugs."""
    return {
        limit
        for protocol in _protocols()
        for drug in protocol.study_drugs
        if drug.renal_limits is not None
        for limit in (
            drug.renal_limits.contraindicated_below,
            drug.renal_limits.start_not_recommended_below,
        )
    }


def _docstring_lines(tree: ast.Module) -> set[int]:
    """Lines of string statements: module, class and function docstrings, and the attribute
    docstrings under an assignment."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            and node.end_lineno is not None
        ):
            lines.update(range(node.lineno, node.end_lineno + 1))
    return lines


def word_pattern(words: set[str]) -> re.Pattern[str]:
    """Any of ``words`` standing on its own (not inside a longer name), in folded text."""
    return re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, words)) + r")(?![A-Za-z0-9])")


def trial_literals(text: str, words: set[str], limits: set[float]) -> list[tuple[int, str]]:
    """``(line, token)`` of every string literal or name that holds a forbidden word, and every
    number equal to an eGFR limit on a line whose code speaks of eGFR."""
    prose = _docstring_lines(ast.parse(text))
    pattern = word_pattern(words)
    found: list[tuple[int, str]] = []
    code_lines: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        line = token.start[0]
        if token.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE):
            code_lines[line] = code_lines.get(line, "") + " " + token.string
        if token.type == tokenize.STRING and line not in prose:
            if pattern.search(token.string.casefold()):
                found.append((line, token.string))
        elif token.type == tokenize.NAME:
            parts = set(token.string.casefold().split("_"))
            if token.string.casefold() in words or parts & words:
                found.append((line, token.string))
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        line = token.start[0]
        if (
            token.type == tokenize.NUMBER
            and _number(token.string) in limits
            and "egfr" in code_lines.get(line, "").casefold()
        ):
            found.append((line, token.string))
    return found


def _number(text: str) -> float | None:
    value = ast.literal_eval(text)
    return float(value) if isinstance(value, int | float) else None


def test_the_forbidden_words_come_from_the_protocols() -> None:
    words = forbidden_words()
    assert {"sorafenib_metformin", "sorafenib", "metformin", "nexavar", "400mg_bid"} <= words
    assert {30.0, 45.0} <= egfr_limits()


@pytest.mark.parametrize(
    ("text", "hits"),
    [
        pytest.param('ARMS = ("sorafenib_metformin", "sorafenib")\n', 2, id="arm-codes"),
        pytest.param('if "metformin" in drugs:\n    pass\n', 1, id="drug-in-condition"),
        pytest.param("_SORAFENIB_STEPS = ()\n", 1, id="drug-in-a-name"),
        pytest.param('LEVEL = "400mg_qd"\n', 1, id="dose-code"),
        pytest.param("if egfr < 30.0:\n    pass\n", 1, id="egfr-limit"),
        pytest.param('"""Sorafenib, as the Nexavar label says."""\n', 0, id="docstring-prose"),
        pytest.param("# metformin is held for contrast\nx = 30\n", 0, id="comment-and-number"),
    ],
)
def test_the_search_finds_what_it_should(text: str, hits: int) -> None:
    assert len(trial_literals(text, forbidden_words(), egfr_limits())) == hits


def test_data_modules_exist() -> None:
    for module in DATA_MODULES:
        assert (SOURCE / module).is_file(), module


def test_no_trial_literal_in_the_code() -> None:
    words, limits = forbidden_words(), egfr_limits()
    offending = []
    for path in sorted(SOURCE.rglob("*.py")):
        module = path.relative_to(SOURCE).as_posix()
        if module in DATA_MODULES:
            continue
        text = path.read_text(encoding="utf-8")
        offending += [
            f"{module}:{line}: {token[:60]}" for line, token in trial_literals(text, words, limits)
        ]
    assert not offending, "\n".join(offending)


#: Files beside the code that hold data, not presentation (the built-in protocols themselves).
DATA_FOLDERS = ("protocol/data",)


def text_literals(text: str, words: set[str]) -> list[tuple[int, str]]:
    """``(line, text)`` of every line of a template, style sheet or script that holds a
    forbidden word or a built-in protocol's NCT id (case ignored)."""
    pattern = word_pattern(words)
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if pattern.search(line.casefold())
    ]


def _presentation_words() -> set[str]:
    return forbidden_words() | {protocol.nct_id.casefold() for protocol in _protocols()}


@pytest.mark.parametrize(
    ("text", "hits"),
    [
        pytest.param("<title>NCT02672488 · metsor</title>\n", 1, id="nct-id-in-a-title"),
        pytest.param("<p>Nexavar 400 mg</p>\n<p>{{ trial.title }}</p>\n", 1, id="brand-name"),
        pytest.param(".arm-sorafenib_metformin { color: red }\n", 1, id="arm-in-a-style"),
        pytest.param("<p>{{ trial.nct_id }}: {{ arm.label }}</p>\n", 0, id="from-the-protocol"),
    ],
)
def test_the_search_of_templates_finds_what_it_should(text: str, hits: int) -> None:
    assert len(text_literals(text, _presentation_words())) == hits


def test_no_trial_literal_in_templates_styles_or_scripts() -> None:
    """Pages name the trial the database runs: no built-in protocol's NCT id, arm, drug or dose
    written into a template, a style sheet or a script."""
    words = _presentation_words()
    offending = []
    for path in sorted(SOURCE.rglob("*")):
        relative = path.relative_to(SOURCE).as_posix()
        if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        if relative.startswith(DATA_FOLDERS):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a binary file (a font, an image) holds no words
        offending += [
            f"{relative}:{line}: {found[:60]}" for line, found in text_literals(text, words)
        ]
    assert not offending, "\n".join(offending)
