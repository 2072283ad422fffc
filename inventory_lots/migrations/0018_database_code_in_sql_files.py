# The triggers and SQL functions of this app, loaded from inventory_lots/sql/ (core.sql_files): the
# definitions 0007 and 0011 created, unchanged, now kept in those files.

from django.db import migrations

from core.sql_files import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("inventory_lots", "0017_reversals"),
    ]

    operations = [
        run_sql_file("inventory_lots", "usage_component_order"),
        run_sql_file("inventory_lots", "usage_insert_adds_cogs_row_and_unallocated_mark"),
        run_sql_file("inventory_lots", "usage_update_keeps_cogs_row_and_unallocated_mark_in_step"),
        run_sql_file("inventory_lots", "usage_delete_removes_cogs_row_and_unallocated_mark"),
        run_sql_file("inventory_lots", "cogs_update_marks_or_unmarks_unallocated"),
    ]
