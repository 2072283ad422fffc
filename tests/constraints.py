"""Helpers for constraint tests: the CHECK constraints an app's tables carry, read from the
database catalog (so a constraint no test violates is found), and a write expected to break one."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction


def check_constraints(app_label: str, models=None) -> set[str]:
    """Names of the CHECK constraints (``pg_constraint.contype = 'c'``) of the tables of ``models``
    (default: every model of the app), Django's implicit ones (``PositiveIntegerField``:
    ``<table>_<column>_check``) included."""
    models = apps.get_app_config(app_label).get_models() if models is None else models
    tables = sorted({model._meta.db_table for model in models})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'c' AND conrelid::regclass::text = ANY(%s)", [tables]
        )
        return {row[0] for row in cursor.fetchall()}


def assert_violates(constraint: str, write) -> None:
    """``write()`` (raw SQL or a queryset ``update()``/``create()``: no Python validation) fails in
    PostgreSQL naming ``constraint``; its savepoint is rolled back, so the test goes on."""
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        write()
    assert info.value.__cause__.diag.constraint_name == constraint, str(info.value)


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def drop_within_savepoint(table: str, constraint: str) -> None:
    """PostgreSQL reports only the first CHECK (by name) a row breaks; to show a constraint that is
    always shadowed by another one, drop the other inside the case's savepoint (rolled back with it).
    Deferred foreign-key checks must fire first: ALTER TABLE refuses pending trigger events."""
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    sql(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
