from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "production"

    def ready(self) -> None:
        from orders import documents

        from . import lot_search, selectors
        from .sections import register_sections

        register_sections()
        lot_search.register()
        from inventory_lots.counts import register_later_quantity

        register_later_quantity(selectors.LATER_REPORTS)  # a count's book at a date before a later report
        # the order page lists them; an order with one not closed cannot close (orders never imports production)
        documents.register(
            documents.OrderDocuments(
                page_name="production_orders",
                rows=selectors.order_production_orders,
                unclosed_numbers=selectors.order_unclosed_production_numbers,
            )
        )
