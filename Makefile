# Two commands on a fresh machine:  `make run`  (set up, build the store, serve the web page + API)
#                                   `make test` (set up, run the test suite)
PYTHON ?= python3
VENV ?= .venv
FOEDUS_DATA ?= $(abspath ../shared/data)
export FOEDUS_DATA
BIN := $(VENV)/bin

.PHONY: setup run test bench clean

$(BIN)/foedus: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/foedus

setup: $(BIN)/foedus

HOST ?= 127.0.0.1
PORT ?= 8000

run: setup
	$(BIN)/foedus build
	$(BIN)/foedus obligations "North Korea" --on 2025-01-01
	@echo "foedus: serving the web page and HTTP API on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/foedus serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_tables.py
	$(BIN)/python benchmarks/bench_scenarios.py
	$(BIN)/python benchmarks/bench_news.py

clean:
	rm -rf $(VENV) .pytest_cache
