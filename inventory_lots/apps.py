from django.apps import AppConfig


class InventoryLotsConfig(AppConfig):
    name = "inventory_lots"
    verbose_name = "Inventory lots"

    def ready(self) -> None:
        from .selectors import register_own_sections

        register_own_sections()
