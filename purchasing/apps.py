from django.apps import AppConfig


class PurchasingConfig(AppConfig):
    name = "purchasing"

    def ready(self) -> None:
        from . import lot_search
        from .selectors import register_sections

        register_sections()
        lot_search.register()
        from inventory_lots.counts import register_later_quantity

        from .selectors import later_receipt_lines

        register_later_quantity(later_receipt_lines)  # a count's book at a date before a receipt's reversal
