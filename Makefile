# Lotledger: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every check.
# Both create .venv/ (pinned from requirements.lock) and use the embedded PostgreSQL under
# .data/ unless DATABASE_URL is set.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup run dev test lint lock stop-db bench browser screenshots

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Lotledger needs Python 3.11 (the pinned wheels are cp311): run make PYTHON=python3.11 ...")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) scripts/serve.py $(ARGS)

dev: setup
	$(PY) scripts/serve.py --dev

test: setup browser
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
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

lock:
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock
	$(PY) scripts/runtime_lock.py

stop-db: setup
	$(PY) -c "from lotledger.embedded_db import stop; stop()"

bench: setup
	$(PY) bench/lot_list.py
