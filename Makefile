# pkdata: `make figures` sets everything up and draws every chart; `make test` runs the tests.
# Both create the virtual environment (.venv) if it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.pkdata-installed

.PHONY: all setup figures test browser-deps data notebooks benchmark lint clean-cache

all: figures

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[build,test,notebooks,progress]'
	touch $(STAMP)

setup: $(STAMP)

figures: $(STAMP)
	$(BIN)/pkdata figures --out figures

# The browser test drives Debian's Chromium with Debian's chromedriver (never a downloaded browser).
# `make test` never installs system packages: CI (.ci/run) calls this target first; so can you.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	  else echo "note: install chromium and chromium-driver for tests/test_browser.py"; fi; \
	fi

# On every core (pytest-xdist); the tests of one file stay on one worker (they share module fixtures); xdist hands
# out the files itself, no order kept by hand.
test: $(STAMP)
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n auto --dist loadfile

data: $(STAMP)
	$(BIN)/pkdata build

notebooks: $(STAMP)
	$(BIN)/pkdata notebooks --out notebooks-html

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks conftest.py
	$(BIN)/ruff format --check src tests benchmarks conftest.py

clean-cache:
	rm -rf .cache
