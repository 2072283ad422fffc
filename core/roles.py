"""Roles of DOMAIN.md section 8 as Django groups; the data migration and tests use this map."""

VIEWER = "Viewer"
CLERK = "Warehouse clerk"
PRODUCTION = "Production"
ACCOUNTANT = "Accountant"
ADMINISTRATOR = "Administrator"

VIEW = "inventory_lots.view_ledger"
POST_STOCK = "inventory_lots.post_stock"
POST_PRODUCTION = "inventory_lots.post_production"
POST_ACCOUNTING = "inventory_lots.post_accounting"
EXPORT = "inventory_lots.export_lots"

ROLE_PERMISSIONS = {
    VIEWER: [VIEW],
    CLERK: [VIEW, POST_STOCK],
    PRODUCTION: [VIEW, POST_PRODUCTION],
    ACCOUNTANT: [VIEW, POST_ACCOUNTING, EXPORT],
    ADMINISTRATOR: [VIEW, POST_STOCK, POST_PRODUCTION, POST_ACCOUNTING, EXPORT],  # + every model perm
}


def sync_administrator_group(**kwargs) -> None:
    """post_migrate: the Administrator group holds every permission, including later apps'."""
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name=ADMINISTRATOR).first()
    if group is not None:
        group.permissions.add(*Permission.objects.all())
