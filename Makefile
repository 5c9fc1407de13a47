# The two commands a fresh machine needs: `make run` and `make test`. Each does its own set-up.
PY ?= $(shell sh scripts/pick-python.sh)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run check-sample test setup setup-test lint format bench bench-service clean

$(BIN)/auditor: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[service,crawl,dev]'
	touch $(BIN)/auditor

setup: $(BIN)/auditor

setup-test: setup
	bash scripts/setup-test.sh

# The service and its web page on http://127.0.0.1:5000/ (Ctrl-C stops it).
run: setup
	$(BIN)/auditor serve

check-sample: setup
	$(BIN)/auditor check fixtures/samples/cold-email-bad.txt fixtures/samples/cold-email-good.txt || true

test: setup-test lint
	cd extension && npm test
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy auditor classifiers

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	npm ci --prefix bench --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/engine.py

bench-service: setup
	@command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null \
		|| echo "wrk unavailable: the bench falls back to a Python load loop"
	$(BIN)/python bench/service.py

bench-extension: setup-test
	$(BIN)/python bench/extension.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
