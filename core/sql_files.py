"""The database's own code (trigger and SQL function bodies) lives in ``<app>/sql/<name>.sql``
beside the app that owns it; migrations load it from there (``run_sql_file``).

Each file holds the current definition, written to be run again (``CREATE OR REPLACE FUNCTION``,
``CREATE OR REPLACE TRIGGER``): to change one, edit its file and add a migration that runs it
again. The migration that first loaded a file keeps loading its current text on a fresh database,
which then gets the current definition at once (later migrations re-run it unchanged).
"""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.db import migrations


def sql_path(app_label: str, name: str) -> Path:
    return Path(apps.get_app_config(app_label).path) / "sql" / f"{name}.sql"


def read_sql_file(app_label: str, name: str) -> str:
    return sql_path(app_label, name).read_text(encoding="utf-8")


def run_sql_file(app_label: str, name: str) -> migrations.RunSQL:
    """A migration operation running ``<app>/sql/<name>.sql`` (reversed: nothing, the definition
    before it is the one an earlier migration or file run left)."""
    return migrations.RunSQL(read_sql_file(app_label, name), migrations.RunSQL.noop)
