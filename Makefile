# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: install install-test demo test lint typecheck contracts clean benchmark fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

install: $(STAMP_RUN)

install-test: $(STAMP_TEST)

demo: $(STAMP_RUN)
	$(BIN)/metsor demo

lint: $(STAMP_TEST)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest

# The property tests (every test module that uses Hypothesis) with fresh random examples, many
# more of them than `make test` draws (which, with CI=true, draws a fixed set).
fuzz: $(STAMP_TEST)
	env -u CI HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -p no:cacheprovider \
		$$(grep -rl --include='test_*.py' 'from hypothesis import' tests)

# Speed against named peers (R, rpact, lifelines), figures recorded in docs/benchmarks.md.
benchmark: $(STAMP_TEST)
	$(BIN)/python benchmarks/simulate.py
	$(BIN)/python benchmarks/analyze.py
	$(BIN)/python benchmarks/database.py
	$(BIN)/python benchmarks/casebook.py --subjects 100

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build src/*.egg-info
