from django.apps import AppConfig


class PurchasingConfig(AppConfig):
    name = "purchasing"

    def ready(self) -> None:
        from . import lot_search
        from .selectors import register_sections

        register_sections()
        lot_search.register()
        from inventory_lots.counts import register_later_quantity

        from .selectors import LATER_RECEIPT_LINES

        register_later_quantity(LATER_RECEIPT_LINES)  # a count's book at a date before a receipt's reversal
