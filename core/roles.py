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
# Moving the lock date back (with a reason): administrators only (their group holds every permission;
# no other role lists it). DOMAIN.md 6a.
MOVE_LOCK_DATE_BACK = "inventory_lots.move_lock_date_back"
# Who sees what (DOMAIN.md section 11): "all offices" is given to users, not to roles (a role grant
# could not be narrowed for one user); "see costs" comes with the roles that read money.
ALL_OFFICES = "inventory_lots.all_offices"
SEE_COSTS = "inventory_lots.see_costs"

ROLE_PERMISSIONS = {
    VIEWER: [VIEW, SEE_COSTS],
    CLERK: [VIEW, POST_STOCK],
    PRODUCTION: [VIEW, POST_PRODUCTION],
    ACCOUNTANT: [VIEW, POST_ACCOUNTING, EXPORT, SEE_COSTS],
    ADMINISTRATOR: [VIEW, POST_STOCK, POST_PRODUCTION, POST_ACCOUNTING, EXPORT, SEE_COSTS],  # + every model perm
}


def sync_administrator_group(**kwargs) -> None:
    """post_migrate: the Administrator group holds every permission, including later apps'."""
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name=ADMINISTRATOR).first()
    if group is not None:
        group.permissions.add(*Permission.objects.all())


def ensure_role_groups() -> None:
    """Create the role groups with their permissions if they are missing (the data migration
    makes them; a test database flushed by a transactional test has lost them)."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in ROLE_PERMISSIONS.items():
        group, created = Group.objects.get_or_create(name=role)
        if created or not group.permissions.exists():
            wanted = [
                Permission.objects.get(content_type__app_label=p.split(".")[0], codename=p.split(".")[1]) for p in perms
            ]
            group.permissions.set(wanted)
    sync_administrator_group()
