from django.apps import AppConfig


class TraceabilityConfig(AppConfig):
    name = "traceability"
    verbose_name = "Cost history and trace"

    def ready(self) -> None:
        from inventory_lots import sections

        from . import sections as trace_sections
        from . import serials

        sections.register(5, serials.serials_section)
        sections.register(100, trace_sections.cost_history_section)
        sections.register(110, trace_sections.trace_section)
