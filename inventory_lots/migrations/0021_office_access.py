"""Who sees what (DOMAIN.md section 11): office access per user, the permissions "all offices" and
"see costs". Every user that exists now gets "all offices", so nothing changes until an administrator
restricts someone; "see costs" goes to the Viewer and Accountant roles (Administrators hold every
permission), not to clerks and production staff."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def grant_defaults(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    content_type, _ = ContentType.objects.get_or_create(app_label="inventory_lots", model="officeaccess")
    all_offices, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="all_offices", defaults={"name": "Sees and posts in every office"}
    )
    see_costs, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="see_costs", defaults={"name": "Sees unit costs and money figures"}
    )
    for user in User.objects.all():
        user.user_permissions.add(all_offices)
    for group in Group.objects.filter(name__in=["Viewer", "Accountant", "Administrator"]):
        group.permissions.add(see_costs)
    administrators = Group.objects.filter(name="Administrator").first()
    if administrators is not None:
        administrators.permissions.add(all_offices)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory_lots", "0020_transfer_lots_and_usage"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalOfficeAccess",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("can_post", models.BooleanField(default=False, help_text="View and post; otherwise view only.")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "office",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="inventory_lots.office",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical office access",
                "verbose_name_plural": "historical office access",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="OfficeAccess",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("can_post", models.BooleanField(default=False, help_text="View and post; otherwise view only.")),
                (
                    "office",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="inventory_lots.office"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="office_access",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "office access",
                "verbose_name_plural": "office access",
                "ordering": ["user_id", "office__code"],
                "permissions": [
                    ("all_offices", "Sees and posts in every office"),
                    ("see_costs", "Sees unit costs and money figures"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("user", "office"), name="inventory_lots_office_access_once")
                ],
            },
        ),
        migrations.RunPython(grant_defaults, migrations.RunPython.noop),
    ]
