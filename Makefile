# The two commands: `make run` (the daemon on the embedded default) and `make test` (the whole suite).
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
WARND  := $(VENV)/bin/warnd
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: run once test test-fast soak install db check lint typecheck bench clean chromium screenshots

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

db: install
	@mkdir -p var
	$(WARND) db upgrade

run: db
	$(WARND) run

once: db
	$(WARND) run --once

check: install
	$(WARND) check

# The whole suite but the 10-minute soak (a few minutes on 2 cores); CI runs `make test` and then `make soak`.
test: install
	$(PY) -m pytest -m "not soak" $(PYTEST_ARGS)

# The long soak (WARND_SOAK_S seconds, default 600): RSS and file descriptors must not grow.
soak: install
	$(PY) -m pytest -m soak tests/reliability/test_soak.py $(PYTEST_ARGS)

# Skips the slow, soak and reliability tests.
test-fast: install
	$(PY) -m pytest -m "not slow and not soak and not reliability" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check warnd tests bench
	$(VENV)/bin/mypy

# The browser tests drive Debian's chromium (tests/test_console_browser.py); CI installs it here.
chromium:
	@command -v chromium >/dev/null || { \
	    if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	    else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

# The console's screenshots in docs/img/, taken by the browser test on the demo data.
screenshots: install chromium
	WARND_SCREENSHOTS=docs/img $(PY) -m pytest -q tests/test_console_browser.py -k chromium

bench: install
	@echo "see bench/README.md: each benchmark is run on its own, e.g. $(PY) bench/extract.py"

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
