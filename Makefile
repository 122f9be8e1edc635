# The two commands of the README: `make run` and `make test`.
# Python 3.13 is selected by .python-version under pyenv; set PYTHON=... to use another interpreter.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test serve install install-dev lint format check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.installed: $(BIN)/python requirements.txt requirements-data.txt
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-data.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: install, migrate, load reference data and the demo catalogue, serve on http://127.0.0.1:8000 with a task
## worker beside the server (emails, imports, exports: ADR 0012); stopping the server (Ctrl+C) stops the worker.
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_reference_data
	$(BIN)/python manage.py seed_demo --keep-existing
	$(BIN)/python manage.py db_worker --queue-name '*' & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## make serve: the production run path on this machine: production settings (config.settings.base), static files
## collected, migrations applied, gunicorn. Needs DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL
## (README, "Deployment").
serve: install
	DJANGO_SETTINGS_MODULE=config.settings.base $(BIN)/python manage.py check --deploy --fail-level WARNING
	DJANGO_SETTINGS_MODULE=config.settings.base $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	DJANGO_SETTINGS_MODULE=config.settings.base $(BIN)/python manage.py migrate --no-input
	DJANGO_SETTINGS_MODULE=config.settings.base $(BIN)/gunicorn -c config/gunicorn.py config.wsgi

## make test: the whole suite (PostgreSQL when DATABASE_URL is set, else SQLite)
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
