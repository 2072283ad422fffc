"""The database's own code is what inventory_lots/sql/ says: every function a file defines exists
with the file's body, and every trigger a file defines exists and calls the file's function."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from core.sql_files import read_sql_file, sql_path

pytestmark = pytest.mark.django_db

FILES = [p.stem for p in sorted(sql_path("inventory_lots", "x").parent.glob("*.sql"))]
FUNCTION = re.compile(r"CREATE OR REPLACE FUNCTION (\w+)\(.*?AS \$\$(.*?)\$\$;", re.S)
TRIGGER = re.compile(r"CREATE OR REPLACE TRIGGER (\w+) .*? ON (\w+).*?EXECUTE FUNCTION (\w+)\(\);", re.S)


def test_every_file_is_loaded_by_a_migration():
    assert FILES == [
        "cogs_update_marks_or_unmarks_unallocated",
        "usage_component_order",
        "usage_delete_removes_cogs_row_and_unallocated_mark",
        "usage_insert_adds_cogs_row_and_unallocated_mark",
        "usage_update_keeps_cogs_row_and_unallocated_mark_in_step",
    ]


@pytest.mark.parametrize("name", FILES)
def test_the_database_runs_the_files_definitions(name):
    text = read_sql_file("inventory_lots", name)
    functions = FUNCTION.findall(text)
    assert functions, name
    with connection.cursor() as cursor:
        for function, body in functions:
            cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [function])
            assert [row[0] for row in cursor.fetchall()] == [body], function
        for trigger, table, function in TRIGGER.findall(text):
            cursor.execute(
                "SELECT p.proname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgname = %s AND c.relname = %s",
                [trigger, table],
            )
            assert cursor.fetchall() == [(function,)], trigger
