import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


def store_aging(apps, schema_editor):
    """A ledger whose lock date already moved: store the aging and the daily movements of the
    closed days its snapshots cover (one pass over every lot's history and one over the entries;
    the aging and the roll-forward read them from now on). Nothing to do on a ledger without
    snapshots."""
    from reports.snapshots import write_stored_aging

    write_stored_aging()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_close_jobs"),
        # the fill reads the ledger with today's statements (transfer reversals among the lot events)
        ("transfers", "0002_transfer_reversal"),
    ]

    operations = [
        migrations.CreateModel(
            name="AgingDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField()),
                ("office_id", models.BigIntegerField()),
                ("lic_id", models.BigIntegerField()),
                ("lot_date", models.DateField()),
                ("quantity", models.DecimalField(decimal_places=6, max_digits=28)),
                ("value", models.DecimalField(decimal_places=2, max_digits=28)),
            ],
            options={
                "indexes": [models.Index(fields=["date"], name="agingday_date")],
            },
        ),
        migrations.CreateModel(
            name="DailyMovement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField()),
                ("office_id", models.BigIntegerField()),
                ("lic_id", models.BigIntegerField()),
                ("value", models.DecimalField(decimal_places=2, default=0, max_digits=28)),
                ("lots_in", models.DecimalField(decimal_places=2, default=0, max_digits=28)),
                ("cost_changes", models.DecimalField(decimal_places=2, default=0, max_digits=28)),
                ("cogs", models.DecimalField(decimal_places=2, default=0, max_digits=28)),
                ("production", models.DecimalField(decimal_places=2, default=0, max_digits=28)),
                ("transfers_out", models.DecimalField(decimal_places=2, default=0, max_digits=28)),
                ("adjustments_out", models.DecimalField(decimal_places=2, default=0, max_digits=28)),
            ],
            options={
                "indexes": [models.Index(fields=["date"], name="dailymovement_date")],
            },
        ),
        migrations.CreateModel(
            name="AgingFigures",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("office_id", models.BigIntegerField()),
                ("lic_id", models.BigIntegerField(null=True)),
                ("lot_dates", django.contrib.postgres.fields.ArrayField(base_field=models.DateField(), size=None)),
                (
                    "cum_quantities",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.DecimalField(decimal_places=6, max_digits=28), size=None
                    ),
                ),
                (
                    "cum_values",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.DecimalField(decimal_places=2, max_digits=28), size=None
                    ),
                ),
                (
                    "snapshot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="aging",
                        to="reports.valuationsnapshot",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["snapshot", "office_id"], name="agingfigures_snapshot")],
            },
        ),
        migrations.RunPython(store_aging, migrations.RunPython.noop),
    ]
