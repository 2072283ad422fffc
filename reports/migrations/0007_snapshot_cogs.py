import django.db.models.deletion
from django.db import migrations, models


def store_cogs(apps, schema_editor):
    """The snapshots already written: their COGS movements per office."""
    schema_editor.execute(
        "INSERT INTO reports_snapshotcogs (snapshot_id, office_id, cogs) SELECT snapshot_id, office_id, sum(cogs)"
        " FROM reports_snapshotfigures GROUP BY 1, 2 HAVING sum(cogs) <> 0"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_stored_aging"),
    ]

    operations = [
        migrations.CreateModel(
            name="SnapshotCogs",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("office_id", models.BigIntegerField()),
                ("cogs", models.DecimalField(decimal_places=2, max_digits=28)),
                (
                    "snapshot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="cogs_by_office",
                        to="reports.valuationsnapshot",
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("snapshot", "office_id"), name="snapshotcogs_unique")],
            },
        ),
        migrations.RunPython(store_cogs, migrations.RunPython.noop),
    ]
