# Two entry points: `make demo` runs the whole job on the bundled samples, `make test` runs the checks.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LINT_PATHS := $(wildcard loaders expectations tests bench notebooks)
export NIANBAO_DB ?= $(CURDIR)/warehouse/nianbao.duckdb
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export PYTHONDONTWRITEBYTECODE :=

.PHONY: install demo test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	# the lock holds the dev and cluster (Ray) extras: the tests run the Ray engine too
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

demo: install
	$(BIN)/nianbao demo data/samples

lint: install
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf warehouse dbt_project/target dbt_project/logs
