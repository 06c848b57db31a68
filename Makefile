# costbot: `make demo` shows it working, `make test` runs everything CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-data
DEMO_DB ?= sqlite:///costbot-demo.db
PORT ?= 3000

.PHONY: demo test lint browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Demo billing data in its own store ($(DEMO_DB)), the real bot over HTTP and a local Slack sandbox at http://127.0.0.1:$(PORT)
demo: $(VENV)/.installed
	$(BIN)/costbot demo --database-url $(DEMO_DB) --port $(PORT) --data-dir $(DEMO_DIR)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The browser test drives Debian's Chromium (Playwright's own download cannot be used here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser test needs Chromium: sudo apt-get install chromium"; \
	  fi; }

test: lint browser
	$(BIN)/pytest

bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/ingest.py --rows 1000000
	$(BIN)/python bench/query.py
	$(BIN)/python bench/snapshots.py --rows 1000000

clean:
	rm -rf $(VENV) $(DEMO_DIR) costbot-demo.db* .pytest_cache .ruff_cache
