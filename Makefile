# The two commands: `make run` (app on SQLite with demo data) and `make test` (everything green).
#
# `make run` installs only what the app needs to run (`pip install -e .`); test, lint, fmt and bench
# also install the development tools (`.[dev]`). Each install has its own stamp in the venv, so a
# venv made by `make run` gets the tools at the first `make test`, and one made by `make test`
# serves `make run` as it is (the tools include everything the app needs).
#
# Where `make run` listens: `make run HOST=... PORT=...` on make's command line is explicit and wins
# (passed as --host/--port). Otherwise `pedmassage serve` chooses the port from PEDMASSAGE_PORT,
# else PORT (from the environment), else 8000, and the address from PEDMASSAGE_HOST, else
# 127.0.0.1 (a HOST in the environment is ignored: some shells set it to the machine's name).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-stamp
DEV_STAMP := $(VENV)/.dev-stamp
NODE_STAMP := node_modules/.installed-stamp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
explicit = $(filter command line,$(origin $(1)))
SERVE_OPTIONS := $(if $(call explicit,HOST), --host $(HOST))$(if $(call explicit,PORT), --port $(PORT))

.PHONY: run test lint fmt bench install install-run chromium node clean

define make_venv
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
endef

$(RUN_STAMP): pyproject.toml
	$(make_venv)
	$(BIN)/python -m pip install -q -e .
	touch $(RUN_STAMP)

# A full install is also a run install: both stamps.
$(DEV_STAMP): pyproject.toml
	$(make_venv)
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(DEV_STAMP) $(RUN_STAMP)

install-run: $(RUN_STAMP)

install: $(DEV_STAMP)

run: install-run
	PEDMASSAGE_DEMO=true $(BIN)/pedmassage db upgrade
	PEDMASSAGE_DEMO=true $(BIN)/pedmassage demo --if-empty
	PEDMASSAGE_DEMO=true $(BIN)/pedmassage serve$(SERVE_OPTIONS)

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
