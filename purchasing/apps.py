from django.apps import AppConfig


class PurchasingConfig(AppConfig):
    name = "purchasing"

    def ready(self) -> None:
        from . import lot_search
        from .selectors import register_sections

        register_sections()
        lot_search.register()
