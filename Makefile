# Lotledger: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every check.
# Both create .venv/ (pinned from requirements.lock) and use the embedded PostgreSQL under
# .data/ unless DATABASE_URL is set.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup run dev test lint lock stop-db bench

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) scripts/serve.py $(ARGS)

dev: setup
	$(PY) scripts/serve.py --dev

test: setup
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .

lock:
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

stop-db: setup
	$(PY) -c "from lotledger.embedded_db import stop; stop()"

bench: setup
	$(PY) bench/lot_list.py
