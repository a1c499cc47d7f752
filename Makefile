# Two commands for a new user: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_WORKERS ?= 2

# The newest Python >= 3.12 on PATH or under pyenv; stop with a message when there is none.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  v=$$($$p -c 'import sys; print(int(sys.version_info >= (3, 12)))' 2>/dev/null) && [ "$$v" = 1 ] && { command -v $$p || echo $$p; } && break; \
	done)

.PHONY: help run test install venv migrate seed serve lint format lock bench clean scan messages catalogues load

help:
	@echo "make run   - install, migrate, load the report's cases and demo users, serve on http://$(HOST):$(PORT)/"
	@echo "make test  - install and run the whole test suite"
	@echo "make lint  - ruff"
	@echo "make messages - collect the strings to translate into locale/km/LC_MESSAGES/django.po (needs GNU gettext)"
	@echo "make catalogues - compile every locale/*/LC_MESSAGES/*.po to .mo (polib; make run and make test do it)"
	@echo "make scan  - security scans: wapiti and sqlmap against gunicorn on loopback (PostgreSQL, apt wapiti sqlmap)"
	@echo "make load  - load test: wrk against gunicorn (2 workers, PostgreSQL) on loopback, list/detail/timeline pages (apt wrk)"
	@echo "make bench - benchmark at national scale on PostgreSQL (BENCH_SCALE=1.0, BENCH_QUICK=1 for CI): bench/results.json"
	@echo "make lock  - re-pin requirements.lock from pyproject.toml (needs network)"

$(VENV)/.installed: pyproject.toml requirements.lock
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: Python 3.12 or newer is required (Django 6.1). Install python3.12 or python3.13 and retry." >&2; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	@[ -x $(PY) ] && $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	@touch $@

venv install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: export DEMO_MODE ?= 1
run: export DJANGO_DEBUG ?= 1
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: seed
	$(PY) manage.py compile_catalogues
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

test: export DEMO_MODE = 1
test: install
	$(PY) manage.py makemigrations --check --dry-run >/dev/null
	$(PY) manage.py compile_catalogues >/dev/null
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# wapiti and sqlmap against a production-like gunicorn on 127.0.0.1, logged in as a field
# monitor and a supervisor; fails on any finding or 5xx (README "Security scans").
scan: install
	VENV=$(VENV) security/scan.sh

# wrk for 60 s a page type (list, detail, timeline) at 32 connections against gunicorn with 2
# sync workers and production settings on PostgreSQL, as a logged-in supervisor; writes
# bench/load_results.json (README "Load test"). LOAD_DURATION, LOAD_CONNECTIONS, LOAD_QUICK=1...
load: install
	@command -v wrk >/dev/null || { echo "Installing wrk"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } || \
	  { echo "error: could not install wrk (apt-get install wrk)" >&2; exit 2; }; }
	VENV=$(VENV) $(PY) bench/load.py

# A synthetic national-scale dataset in a scratch PostgreSQL database (bench/dataset.py, filled
# once), then the case list against the tuned admin changelist and its bare SQL, the timeline,
# the exports against COPY and the reminder dispatcher's plans (README "Benchmark"). Writes
# bench/results.json. BENCH_SCALE=0.1 for a tenth; BENCH_QUICK=1: scale 0.02, fewer requests.
bench: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench_national
bench: export DEMO_MODE = 1
bench: export BENCH_SCALE ?= 1.0
bench: export BENCH_QUICK ?=
bench: install
	$(PY) bench/national.py

# Translations (README "Languages"): collect the strings into the Khmer catalogue (xgettext,
# from GNU gettext, is needed here only); `make run` and `make test` compile it with polib.
messages: install
	$(PY) manage.py makemessages -l km --ignore=.venv --ignore=tests --ignore=security --ignore=bench --no-obsolete

catalogues: install
	$(PY) manage.py compile_catalogues

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lock:
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --generate-hashes \
	  --python-version 3.12 -o requirements.lock

clean:
	rm -rf $(VENV) staticfiles db.sqlite3*
