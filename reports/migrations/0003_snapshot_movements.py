from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_valuation_snapshots"),
    ]

    operations = [
        migrations.AddField(
            model_name="snapshotfigures",
            name="lots_in",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=28),
        ),
        migrations.AddField(
            model_name="snapshotfigures",
            name="cost_changes",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=28),
        ),
        migrations.AddField(
            model_name="snapshotfigures",
            name="cogs",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=28),
        ),
        migrations.AddField(
            model_name="snapshotfigures",
            name="production",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=28),
        ),
        migrations.AddField(
            model_name="snapshotfigures",
            name="transfers_out",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=28),
        ),
        migrations.AddField(
            model_name="snapshotfigures",
            name="adjustments_out",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=28),
        ),
    ]
