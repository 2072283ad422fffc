# Lotledger: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every check.
# Both create .venv/ (pinned from requirements.lock) and use the embedded PostgreSQL under
# .data/ unless DATABASE_URL is set.
VENV := .venv
PY := $(VENV)/bin/python
# Python 3.11, 3.12 or 3.13 (the lock's pins have wheels for each). PYTHON=/path/to/python3.12
# chooses one (.venv/ is remade when it holds another version); by default .venv/'s own when it
# is one of these, else the first of python3, python3.13, python3.12, python3.11 that is.
SUPPORTED := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach p,$(PY) python3 python3.13 python3.12 python3.11,$(shell $(p) -c '$(SUPPORTED)' >/dev/null 2>&1 && echo $(p))))
endif
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print(*sys.version_info[:2], sep=".")' 2>/dev/null)
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)-py$(PYTHON_VERSION)

.PHONY: setup run dev test lint typecheck lock stop-db backup restore bench browser screenshots

$(STAMP): requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "Lotledger needs Python 3.11, 3.12 or 3.13, and none of python3, python3.13, python3.12, python3.11 is one: install one, or name it: make PYTHON=/path/to/python3.13 ..."; exit 1; }
	@$(PYTHON) -c '$(SUPPORTED)' 2>/dev/null || { echo "Lotledger needs Python 3.11, 3.12 or 3.13; $(PYTHON) is $$($(PYTHON) --version 2>/dev/null || echo 'not a Python that runs here'): run make PYTHON=python3.13 ... (or python3.12, python3.11)"; exit 1; }
	@if [ -x $(PY) ] && [ "$$($(PY) -c 'import sys; print(*sys.version_info[:2], sep=".")' 2>/dev/null)" != "$(PYTHON_VERSION)" ]; then \
	  echo "Remaking $(VENV)/ for Python $(PYTHON_VERSION) (it held $$($(PY) --version 2>&1))..."; rm -rf $(VENV); fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned dependencies into $(VENV)/ (once per requirements.lock)..."
	@# pip's output (here: a warning per package for every index directory that lacks it) goes to a
	@# log, shown in full when pip fails
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock >$(VENV)/pip-install.log 2>&1 \
	  || { cat $(VENV)/pip-install.log; echo "pip install failed: see above ($(VENV)/pip-install.log)"; exit 1; }
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

setup: $(STAMP)

# BIND=127.0.0.1:8001 make run: another address (the port is checked before anything starts)
run: setup
	@$(PY) scripts/serve.py $(ARGS)

dev: setup
	@$(PY) scripts/serve.py --dev

test: setup browser
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Debian's chromium for the browser tests (tests/e2e; Playwright never downloads a browser):
# installed with apt-get when missing and we are root, otherwise nothing (those tests then skip).
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium for the browser tests (apt-get)..."; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
	  || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
	  || echo "chromium could not be installed: the browser tests will be skipped."; \
	fi

screenshots: setup browser
	$(PY) tests/e2e/screenshots.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy (config in pyproject.toml [tool.mypy]) on the engine and every app's write layer
TYPECHECK_PATHS := cogs $(filter-out cogs/%,$(wildcard */services.py))
typecheck: setup
	$(VENV)/bin/mypy $(TYPECHECK_PATHS)

lock:
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock
	$(PY) scripts/runtime_lock.py

# refuses (exit 1, saying why) while clients are connected; FORCE=1 disconnects them
stop-db: setup
	@$(PY) -m lotledger.embedded_db stop $(if $(FORCE),--force)

# a consistent pg_dump (custom format) of the database in use to backups/ (lotledger/backup.py)
backup: setup
	@$(PY) -m lotledger.backup backup

# FILE=backups/....dump into the database in use, which must be empty; asks first (YES=1: does not)
restore: setup
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/lotledger-....dump [YES=1]"; exit 2; }
	@$(PY) -m lotledger.backup restore "$(FILE)" $(if $(YES),--yes)

# every bench in bench/ at a small scale (--small: seconds each, proves they run; each prints its
# JSON figures last). Real figures come from one bench at its default scale: docs/performance.md.
# LOTLEDGER_BENCH_DB_SUFFIX=_me keeps the bench databases apart from someone else's on the server.
BENCHES := $(filter-out bench/common.py,$(wildcard bench/*.py))
bench: setup
	@set -e; for b in $(BENCHES); do echo "== $$b --small"; $(PY) $$b --small; done
