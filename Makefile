# BuildRunner (br). Quick start on a fresh machine (Python 3.11+ and git): `make demo`, `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?= -n auto
SUITES ?=

.PHONY: help demo test test-ray check docs bench install dev clean

help:
	@echo "make demo      create $(VENV), install br and run it on a copy of examples/"
	@echo "make test      install the dev dependencies and run the test suite"
	@echo "make check     ruff check, ruff format --check, mypy --strict, generated docs up to date"
	@echo "make docs      regenerate docs/reference/ (CLI reference, schema, rule catalog)"
	@echo "make bench     run the benchmarks and write benchmarks/RESULTS.md (SUITES='cli ...' for some)"
	@echo "make test-ray  the opt-in Ray backend suite"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@$(BIN)/python -m compileall -q src >/dev/null  # cached bytecode: br starts faster in hooks
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@$(BIN)/python -m compileall -q src >/dev/null
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

# pytest exits 5 when it collects nothing: that is a broken setup, not a pass.
test: $(VENV)/.installed-dev
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests: the test setup is broken" >&2; exit 1; fi; \
	exit $$rc

test-ray: $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet -e '.[dev,ray]'
	$(BIN)/python -m pytest -m ray -p no:xdist tests

check: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python scripts/gen_docs.py --check

docs: $(VENV)/.installed-dev
	$(BIN)/python scripts/gen_docs.py

bench: $(VENV)/.installed-dev
	@$(BIN)/python -m compileall -q src >/dev/null
	$(BIN)/python benchmarks/run.py $(SUITES)

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
