# fortnox-bridge — the two commands a user needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=
# The suite runs in two processes per core (pytest-xdist): many tests wait on a subprocess, a
# socket or the browser, so a second process keeps the core busy meanwhile.
# `make pytest PYTEST_ARGS="-n0 tests/unit"` for one process.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 )))
PYTEST_ARGS ?= -n $(PYTEST_WORKERS) --dist loadgroup

.PHONY: demo test lint format typecheck contracts pytest coverage bench lock clean install chromium screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever the dependency declaration or the lock changes.
$(STAMP): pyproject.toml requirements/constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/fortnox-bridge demo $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

format: $(STAMP)
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

# pytest exits 5 when it collects no test; make treats that as a failure, so an empty run is red.
pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

test: chromium lint typecheck contracts pytest

# The same suite with a line and branch coverage report (CLI subprocesses included). Tracing
# doubles the run time, so `make test` leaves it out.
coverage: $(STAMP) chromium
	$(BIN)/pytest $(PYTEST_ARGS) --cov=fortnox_bridge --cov-report=term:skip-covered

# The browser tests of the admin UI use Debian's Chromium (never a downloaded browser).
# Without root it says so and goes on; the browser tests then skip (fail under CI=true).
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium) \
		|| echo "make: could not install chromium (apt-get install chromium); browser tests skip"

# Take the admin UI's screenshots again and keep them in docs/screenshots/.
screenshots: $(STAMP) chromium
	FORTNOX_BRIDGE_UPDATE_SCREENSHOTS=1 $(BIN)/pytest -n0 -p no:cacheprovider tests/e2e/web

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e '.[dev,bench]'
	$(BIN)/python bench/run_all.py

# Refresh the lock after changing dependencies in pyproject.toml.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra postgres --extra bench --python-version 3.11 \
		-o requirements/constraints.txt -q

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage htmlcov build dist
