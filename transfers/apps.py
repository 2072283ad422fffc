from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = "Transfers between offices"

    def ready(self) -> None:
        from inventory_lots.counts import register_later_quantity

        from .selectors import LATER_REVERSALS

        # a count's book at a date between a transfer and its reversal (inventory_lots never imports transfers)
        register_later_quantity(LATER_REVERSALS)
