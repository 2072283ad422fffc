from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = "Transfers between offices"

    def ready(self) -> None:
        from inventory_lots.counts import register_later_quantity

        from .selectors import later_reversals

        # a count's book at a date between a transfer and its reversal (inventory_lots never imports transfers)
        register_later_quantity(later_reversals)
