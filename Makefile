# The two commands a fresh machine needs: `make run` and `make test`. Each does its own set-up.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup setup-test lint format bench clean

$(BIN)/auditor: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[service,crawl,dev]'
	touch $(BIN)/auditor

setup: $(BIN)/auditor

setup-test: setup
	bash scripts/setup-test.sh

run: setup
	$(BIN)/auditor check fixtures/samples/cold-email-bad.txt fixtures/samples/cold-email-good.txt || true

test: setup-test lint
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	npm ci --prefix bench --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
