# stakegraph — common tasks. `make demo` = set up and serve the sample; `make test` = the whole suite.
PYTHON ?= python3
PIP = $(PYTHON) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-system demo test lint bench check-security schema clean

install:
	$(PIP) install -q -e '.[dev]'

install-system:
	bash tools/install-system-deps.sh

## Set up, load the bundled sample into the embedded store, serve GraphQL + views.
demo: install
	stakegraph load data/sample
	stakegraph serve --host $(HOST) --port $(PORT)

## The whole test suite (starts its own Neo4j when STAKEGRAPH_NEO4J_URI is unset).
test: install install-system
	$(PYTHON) -m pytest -q

lint: install
	ruff check .
	mypy

bench: install
	$(PIP) install -q -e '.[dev,bench]'
	$(PYTHON) -m bench.run_all

check-security: install install-system
	$(PYTHON) -m pytest -q -m security

schema: install
	$(PYTHON) -m stakegraph.web.schema_export > src/stakegraph/web/schema.graphql

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache tests/artifacts
