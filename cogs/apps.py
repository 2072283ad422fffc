from django.apps import AppConfig


class CogsConfig(AppConfig):
    name = "cogs"
    verbose_name = "COGS"

    def ready(self) -> None:
        from inventory_lots import sections
        from inventory_lots import selectors as lot_selectors

        from . import sections as cogs_sections
        from . import selectors, transfer_section

        sections.register(90, cogs_sections.inventory_cogs_section)
        sections.register(20, transfer_section.transferred_from_section)
        lot_selectors.register_usage_section(10, cogs_sections.usage_cogs_section)
        lot_selectors.register_allocation_reader(selectors.usage_allocations, many=selectors.usages_allocations)
