from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from .roles import sync_administrator_group

        post_migrate.connect(sync_administrator_group, dispatch_uid="lotledger_sync_admin_group")
