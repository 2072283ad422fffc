"""Roles of DOMAIN.md section 8 as groups with permissions; number sequences."""

from django.db import migrations

from core.numbering import create_sequences_sql, drop_sequences_sql
from core.roles import ACCOUNTANT, ADMINISTRATOR, CLERK, EXPORT, POST_ACCOUNTING, POST_PRODUCTION, POST_STOCK
from core.roles import PRODUCTION, VIEW, VIEWER

# The roles as this migration made them; later permissions are added by later migrations
# (0021 office_access: "see costs"), so this map is frozen here rather than read from core.roles.
ROLE_PERMISSIONS = {
    VIEWER: [VIEW],
    CLERK: [VIEW, POST_STOCK],
    PRODUCTION: [VIEW, POST_PRODUCTION],
    ACCOUNTANT: [VIEW, POST_ACCOUNTING, EXPORT],
    ADMINISTRATOR: [VIEW, POST_STOCK, POST_PRODUCTION, POST_ACCOUNTING, EXPORT],
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
    # Administrators also get every model permission (later apps too: core.roles.sync_administrator_group).
    Group.objects.get(name=ADMINISTRATOR).permissions.add(*Permission.objects.all())


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLE_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("inventory_lots", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunSQL(create_sequences_sql(), drop_sequences_sql()),
        migrations.RunPython(create_roles, drop_roles),
    ]
