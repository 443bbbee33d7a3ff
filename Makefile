# stakegraph — common tasks. `make demo` = set up and serve the sample; `make test` = lint + the whole suite
# (what CI runs: .ci/run). `make docs` regenerates docs/cli.md and docs/settings.md from the code.
PYTHON ?= python3
PIP = $(PYTHON) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-system demo test lint bench check-security schema docs clean

install:
	$(PIP) install -q -e '.[dev]'

install-system:
	bash tools/install-system-deps.sh

## Set up, load the bundled sample into the embedded store, serve GraphQL + views.
demo: install
	stakegraph load data/sample
	stakegraph serve --host $(HOST) --port $(PORT)

## Lint (ruff + mypy, pinned in pyproject's dev extra), then the whole test suite
## (starts its own Neo4j when STAKEGRAPH_NEO4J_URI is unset). Fast loop: pytest -m "not neo4j".
test: install install-system lint
	$(PYTHON) -m pytest -q

lint: install
	$(PYTHON) -m ruff check .
	$(PYTHON) -m mypy

bench: install
	$(PIP) install -q -e '.[dev,bench]'
	$(PYTHON) -m bench.run_all

check-security: install install-system
	$(PYTHON) -m pytest -q -m security

schema: install
	$(PYTHON) -m stakegraph.web.schema_export > src/stakegraph/web/schema.graphql

## Regenerate the CLI reference and the settings table (a test fails while they are stale).
docs: install
	$(PYTHON) -m stakegraph.cli.docgen --write

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache tests/artifacts
