from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "production"

    def ready(self) -> None:
        from . import lot_search
        from .sections import register_sections

        register_sections()
        lot_search.register()
