# One command for each habit; CONTRIBUTING.md says when to use which.
# Every target works on a fresh clone: the first one run builds .venv (Python >= 3.11).

VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTEST := $(PY) -m pytest -q -p no:cacheprovider

.DEFAULT_GOAL := help
.PHONY: help install test test-all lint format golden bench-smoke messages hooks ci

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed  ## the virtual environment with custbot and the test tools

test: install  ## fast tests: SQLite only, stop at the first failure
	$(PYTEST) -x -k "not postgresql" $(ARGS)

test-all: install  ## the whole suite on SQLite and PostgreSQL (CUSTBOT_TEST_PG_URL), as CI runs it
	CUSTBOT_REQUIRE_PG=1 $(PYTEST) $(ARGS)

lint: install  ## ruff check, ruff format --check, mypy and the layer contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

format: install  ## rewrite the tree in the house format and apply ruff's safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

golden: install  ## rewrite the golden transcripts (review the diff before committing)
	$(PYTEST) tests/golden --update-golden $(ARGS)

bench-smoke: install  ## the benchmark suite at a small scale: that it runs, not how fast
	$(PY) benchmarks/run_all.py --smoke

messages: install  ## after changing chat messages: re-extract, update and compile the catalogs
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ --add-comments=TRANSLATORS: --project=custbot \
	    -o bot/locale/custbot.pot bot analytics mailing
	$(VENV)/bin/pybabel update -i bot/locale/custbot.pot -d bot/locale -D custbot -w 100 --ignore-obsolete
	$(VENV)/bin/pybabel compile -d bot/locale -D custbot --statistics

hooks: install  ## install pre-commit and the hooks of .pre-commit-config.yaml (same checks as lint)
	$(VENV)/bin/pip install -q pre-commit
	$(VENV)/bin/pre-commit install

ci:  ## what CI runs on a bare machine (starts PostgreSQL if needed)
	.ci/run
