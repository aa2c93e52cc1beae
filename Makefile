# The two commands: `make run` (app on SQLite with demo data) and `make test` (everything green).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint fmt bench install chromium node clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	PEDMASSAGE_DEMO=true $(BIN)/pedmassage db upgrade
	PEDMASSAGE_DEMO=true $(BIN)/pedmassage demo --if-empty
	PEDMASSAGE_DEMO=true $(BIN)/pedmassage serve --host $(HOST) --port $(PORT)

# Test-only npm packages (the FHIR R4 JSON schema), at the versions package-lock.json pins.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $(NODE_STAMP)

node: $(NODE_STAMP)

chromium:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install chromium node lint
	$(BIN)/pytest

fmt: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install
	$(BIN)/python bench/cli_startup.py
	$(BIN)/python bench/screening.py
	$(BIN)/python bench/meta_analysis.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/program_report.py
	$(BIN)/python bench/write_path.py
	$(BIN)/python bench/crash_safety.py
	$(BIN)/python bench/cds_hooks.py

clean:
	rm -rf $(VENV) node_modules .mypy_cache .pytest_cache .ruff_cache
