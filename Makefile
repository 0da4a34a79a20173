# Meja Aduan: `make run` starts the app, `make test` runs the whole suite headless.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCALES := $(wildcard resources/locale/*/LC_MESSAGES/meja_aduan.po)
MOS := $(LOCALES:.po=.mo)

.PHONY: run test test-fast lint format i18n extract bench bundle self-test system-deps clean openapi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	bash scripts/system-deps.sh
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

system-deps:
	bash scripts/system-deps.sh

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel -q compile -d resources/locale -D meja_aduan -l $(word 3,$(subst /, ,$<)) --use-fuzzy

i18n: $(MOS)

run: $(VENV)/.installed i18n
	$(BIN)/desk-app

test: $(VENV)/.installed i18n
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

test-fast: $(VENV)/.installed i18n
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m "not slow"

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-extract messages from the code into the catalog template and update the .po files.
extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 --no-location -o resources/locale/meja_aduan.pot desk_app ui
	$(BIN)/pybabel update -i resources/locale/meja_aduan.pot -d resources/locale -D meja_aduan --no-fuzzy-matching

# The sync protocol's OpenAPI file, generated from the training hub (docs/sync-protocol.md).
openapi: $(VENV)/.installed
	$(BIN)/python scripts/write_openapi.py

ROWS ?= 1000000
bench: $(VENV)/.installed i18n  # quick: make bench ROWS=100000
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/run.py --gui --rows $(ROWS)

bundle: $(VENV)/.installed i18n
	$(BIN)/pip install -q -e '.[bundle]'
	$(BIN)/pyinstaller --noconfirm --clean build.spec
	QT_QPA_PLATFORM=offscreen dist/desk-app/desk-app --self-test

clean:
	rm -rf build dist .pytest_cache
