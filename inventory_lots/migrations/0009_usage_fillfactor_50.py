# Usage pages keep room for a second version of every row (fillfactor 50, was 55): a COGS run updates
# each recent usage row once, and at 55 about 4 % of a first run's updates found no room on their page
# and were not HOT (a new version on another page and an entry in each of the table's 8 indexes:
# ~1 s of a million-row run). Existing pages take the setting when the table is rewritten
# (VACUUM FULL, CLUSTER); new pages at once.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("inventory_lots", "0008_unallocated_index_include"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE inventory_lots_inventoryusage SET (fillfactor = 50)",
            "ALTER TABLE inventory_lots_inventoryusage SET (fillfactor = 55)",
        ),
    ]
