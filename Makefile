# costbot: `make demo` shows it working, `make test` runs everything CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-data
DEMO_DB ?= sqlite:///costbot-demo.db

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	@test -d $(DEMO_DIR) || $(BIN)/costbot demo-data $(DEMO_DIR) --days 90 --seed 7
	COSTBOT_DATABASE_URL=$(DEMO_DB) $(BIN)/costbot ingest $(DEMO_DIR)
	COSTBOT_DATABASE_URL=$(DEMO_DB) $(BIN)/costbot top project --period mtd
	COSTBOT_DATABASE_URL=$(DEMO_DB) $(BIN)/costbot cost project fraud-detection --period mtd

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/ingest.py --rows 1000000
	$(BIN)/python bench/query.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) costbot-demo.db* .pytest_cache .ruff_cache
