PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lint test demo screenshot bench-store bench-cycle bench-history bench-reads soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench,demo]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check oddsstore tests benchmarks docs
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -q

demo: $(STAMP)
	$(BIN)/oddsstore demo

screenshot: $(STAMP)
	$(BIN)/python docs/screenshot.py

bench-store: $(STAMP)
	$(BIN)/python benchmarks/store.py

bench-cycle: $(STAMP)
	$(BIN)/python benchmarks/cycle.py

bench-history: $(STAMP)
	$(BIN)/python benchmarks/history.py

bench-reads: $(STAMP)
	$(BIN)/python benchmarks/reads.py

soak: $(STAMP)
	$(BIN)/python benchmarks/soak.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache
