"""Fill the lot's movement date and the open accrual's date (inventory_lots 0012) from the posted
records: the latest allocation/give-back entry or production report of each lot, the latest accrual
entry of each usage with an open accrual."""

from django.db import migrations

FORWARD = """
UPDATE inventory_lots_lot l SET movement_date = m.d
FROM (SELECT lot_id, MAX(date) AS d
      FROM (SELECT lot_id, date FROM cogs_cogsentry WHERE kind IN (1, 2, 3)
            UNION ALL SELECT lot_id, date FROM production_productionreport WHERE lot_id IS NOT NULL) x
      GROUP BY lot_id) m
WHERE l.id = m.lot_id AND m.d > l.date;
UPDATE inventory_lots_usagecogs c SET accrual_date = a.d
FROM (SELECT DISTINCT ON (usage_id) usage_id, date AS d FROM cogs_cogsentry WHERE kind = 5
      ORDER BY usage_id, id DESC) a
WHERE c.usage_id = a.usage_id AND c.accrued_value <> 0;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cogs", "0003_run_job"),
        ("inventory_lots", "0012_lot_movement_date_accrual_date"),
        ("production", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
