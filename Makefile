# pkdata: `make figures` sets everything up and draws every chart; `make test` runs the tests.
# Both create the virtual environment (.venv) if it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.pkdata-installed

.PHONY: all setup figures test data notebooks benchmark lint clean-cache

all: figures

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,notebooks,progress]'
	touch $(STAMP)

setup: $(STAMP)

figures: $(STAMP)
	$(BIN)/pkdata figures --out figures

test: $(STAMP)
	$(BIN)/python -m pytest

data: $(STAMP)
	$(BIN)/pkdata build

notebooks: $(STAMP)
	$(BIN)/pkdata notebooks --out build/notebooks

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks || true

clean-cache:
	rm -rf .cache
