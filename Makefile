# The two commands of the README:
#   make run    set everything up (virtualenv, packages, .env, database, a login) and start the app
#               with one background worker
#   make test   set up what the tests need (packages, Chromium) and run them
PYTHON ?= python3
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench bench-import bench-import-rate bench-import-memory bench-import-kill chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# pip shows each package as it comes: the first setup takes a minute or two.
$(VENV)/.installed-runtime: requirements.txt | $(BIN)/python
	@echo "Installing the app's packages into $(VENV)…"
	$(BIN)/pip install --progress-bar on --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	@echo "Installing the app's and the tests' packages into $(VENV)…"
	$(BIN)/pip install --progress-bar on --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

.env:
	sed "s/^SECRET_KEY=.*/SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')/" .env.example > .env
	@echo "Wrote .env (DEBUG on, SQLite, a new SECRET_KEY)."

# The app and its worker run from the Procfile under honcho: Ctrl-C stops both, each with every
# process it started (honcho stops each one's process group, and kills what is left after 5 s).
run: $(VENV)/.installed-runtime .env
	@set -o pipefail; $(BIN)/python manage.py migrate --noinput \
		| awk '/Applying/ {n++} END {print "Database ready (" n+0 " migrations applied)."}'
	@$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@$(BIN)/python manage.py shell -v 0 -c "from django.contrib.auth import get_user_model as u; exit(0 if u().objects.filter(is_superuser=True).exists() else 1)" \
		|| if [ -t 0 ]; then echo "Create the login you will use (it can see the admin history too):"; \
			$(BIN)/python manage.py createsuperuser; \
		else echo "No login yet, and no terminal to ask for one: create it with $(BIN)/python manage.py createsuperuser"; fi
	@PATH="$(CURDIR)/$(BIN):$$PATH" PYTHONUNBUFFERED=1 $(BIN)/honcho start --env /dev/null --no-colour --port 8000

# The browser tests drive Debian's Chromium (Playwright's own browser download does not work here).
chromium:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for the browser tests…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# After ruff: the layering contracts (pyproject.toml's [tool.importlinter]) and the type check.
test: $(VENV)/.installed-dev chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The load figure of the README (needs PostgreSQL at 127.0.0.1:5432; add BENCH_ARGS=--redis for Redis).
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.load $(BENCH_ARGS)

# The import figures of the README (PostgreSQL at 127.0.0.1:5432; each one takes minutes, the
# memory one about half an hour). BENCH_ARGS go to the one named: make bench-import-memory BENCH_ARGS=--rows=20000.
bench-import: bench-import-rate bench-import-memory bench-import-kill

bench-import-rate bench-import-memory bench-import-kill: bench-import-%: $(VENV)/.installed-dev
	$(BIN)/python -m bench.import_$* $(BENCH_ARGS)
