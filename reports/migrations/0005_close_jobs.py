# The period close's background jobs: the requests to write the stored figures after a lock-date
# move (SnapshotRun), the ledger checks the close page shows (LedgerCheck), and the LockDate row each
# snapshot was written for (a later move back below it makes it stale).

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models


def mark_written_for_current_lock(apps, schema_editor):
    """Snapshots written before this migration were written in the lock-date move's own transaction,
    so they are those of the lock-date row in force."""
    LockDate = apps.get_model("inventory_lots", "LockDate")
    ValuationSnapshot = apps.get_model("reports", "ValuationSnapshot")
    current = LockDate.objects.order_by("-id").values_list("id", flat=True).first()
    if current is not None:
        ValuationSnapshot.objects.update(lock_row_id=current)


JOB_STATUS = [("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")]


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_journal_day_sums"),
        ("inventory_lots", "0003_cost_history_pending_cogs_lock_date"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SnapshotRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "lock_row_id",
                    models.BigIntegerField(help_text="The LockDate row whose move asked for it.", unique=True),
                ),
                ("date", models.DateField(help_text="The lock date that move set.")),
                ("status", models.CharField(choices=JOB_STATUS, default="queued", max_length=8)),
                (
                    "created_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), editable=False),
                ),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("step", models.CharField(blank=True, default="", max_length=80)),
                ("steps_done", models.PositiveSmallIntegerField(default=0)),
                ("steps_total", models.PositiveSmallIntegerField(default=0)),
                (
                    "written_through",
                    models.DateField(blank=True, help_text="The lock date the job wrote up to.", null=True),
                ),
                ("error", models.TextField(blank=True, default="")),
            ],
            options={"ordering": ["-id"]},
        ),
        migrations.AddField(
            model_name="valuationsnapshot",
            name="lock_row_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="LedgerCheck",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("status", models.CharField(choices=JOB_STATUS, default="queued", max_length=8)),
                (
                    "created_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), editable=False),
                ),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("violations_count", models.PositiveIntegerField(blank=True, null=True)),
                (
                    "violations",
                    models.JSONField(blank=True, default=list, help_text="The first violations found."),
                ),
                ("watermark", models.JSONField(blank=True, default=dict)),
                ("error", models.TextField(blank=True, default="")),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["-id"]},
        ),
        migrations.RunPython(mark_written_for_current_lock, migrations.RunPython.noop),
    ]
