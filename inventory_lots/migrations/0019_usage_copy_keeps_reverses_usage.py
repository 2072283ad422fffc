# The usage triggers copy reverses_usage into UsageCogs (0017 added it; 0018 first loaded the files with
# the definitions from before it on databases that ran 0018 before the files were brought up to date).

from django.db import migrations

from core.sql_files import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("inventory_lots", "0018_database_code_in_sql_files"),
    ]

    operations = [
        run_sql_file("inventory_lots", "usage_insert_adds_cogs_row_and_unallocated_mark"),
        run_sql_file("inventory_lots", "usage_update_keeps_cogs_row_and_unallocated_mark_in_step"),
    ]
