# Two entry points: `make demo` runs the whole job on the bundled samples, `make test` runs the checks.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LINT_PATHS := $(wildcard loaders expectations tests bench notebooks)
export NIANBAO_DB ?= $(CURDIR)/warehouse/nianbao.duckdb
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export PYTHONDONTWRITEBYTECODE :=

.PHONY: install demo test test-fast lint bench clean notebooks

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	# the lock holds the dev, cluster (Ray), ocr and notebooks extras: the tests use them all
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

demo: install
	$(BIN)/nianbao demo data/samples

# JupyterLab on notebooks/ with the project's kernel (`nianbao`, this .venv): the paired .ipynb are
# made (or brought up to date) from the percent scripts first. Parameters: NIANBAO_<NAME> variables
# (notebooks/README.md). LAB_OPTIONS passes options to JupyterLab, e.g. LAB_OPTIONS=--no-browser.
LAB_OPTIONS ?=
notebooks: install
	$(BIN)/jupytext --sync --quiet notebooks/*.py
	$(BIN)/python -m ipykernel install --sys-prefix --name nianbao --display-name "nianbao (.venv)" >/dev/null
	$(BIN)/jupyter lab --notebook-dir=notebooks $(LAB_OPTIONS)

# SQL: sqlfluff renders the models with dbt (config in .sqlfluff), into its own target folder so a
# build running beside it keeps its parse state
lint: install
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	DBT_TARGET_PATH=target/sqlfluff $(BIN)/sqlfluff lint --nocolor dbt_project/models dbt_project/data-tests

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# the unit tests only (no warehouse built, no OCR, Ray or LibreOffice): under a minute
test-fast: install
	$(BIN)/python -m pytest -n 2 -m unit

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf warehouse dbt_project/target dbt_project/logs
