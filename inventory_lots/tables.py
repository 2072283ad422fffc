"""Tables of the lot and usage lists. Sortable columns are those an index serves."""

from __future__ import annotations

import django_tables2 as tables

from core.templatetags.money import money, qty, ucost

from .models import InventoryUsage, Lot


class QtyColumn(tables.Column):
    attrs = {"td": {"class": "text-end font-monospace"}, "th": {"class": "text-end"}}

    def render(self, value):
        return qty(value)


class MoneyColumn(QtyColumn):
    def render(self, value):
        return money(value)


class UnitCostColumn(QtyColumn):
    def render(self, value):
        return ucost(value)


class LotTable(tables.Table):
    number = tables.Column(linkify=True, verbose_name="Lot", order_by=("id",))
    type = tables.Column(orderable=False)
    status = tables.Column(orderable=False)
    office = tables.Column(accessor="office__code", verbose_name="Office", orderable=False)
    lic = tables.Column(accessor="lic__code", verbose_name="LIC", orderable=False)
    description = tables.Column(accessor="lic__description", orderable=False)
    date = tables.Column(order_by=("date", "id"))
    parent_order_label = tables.Column(verbose_name="Parent order", orderable=False)
    qty_in = QtyColumn(verbose_name="Qty in", orderable=False)
    qty_available = QtyColumn(verbose_name="Available", orderable=False)
    unit_cost = UnitCostColumn(verbose_name="Unit cost", orderable=False)
    value_available = MoneyColumn(verbose_name="Value available", orderable=False, empty_values=())

    class Meta:
        model = Lot
        fields = ()
        sequence = (
            "number", "type", "status", "office", "lic", "description", "date", "parent_order_label",
            "qty_in", "qty_available", "unit_cost", "value_available",
        )
        order_by = ("-date",)
        attrs = {"class": "table table-sm table-hover align-middle"}
        template_name = "inventory_lots/_lot_table.html"

    def render_value_available(self, record):
        return money(record.value_in - record.value_used)


class UsageTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="Usage", order_by=("id",))
    date = tables.Column(order_by=("date", "id"))
    kind = tables.Column(orderable=False)
    office = tables.Column(accessor="office__code", verbose_name="Office", orderable=False)
    lic = tables.Column(accessor="lic__code", verbose_name="LIC", orderable=False)
    source_label = tables.Column(verbose_name="Source", orderable=False)
    quantity = QtyColumn(orderable=False)
    allocated_quantity = QtyColumn(verbose_name="Allocated", orderable=False)
    unallocated_quantity = QtyColumn(verbose_name="Unallocated", orderable=False)
    cogs_value = MoneyColumn(verbose_name="COGS", orderable=False)

    class Meta:
        model = InventoryUsage
        fields = ()
        sequence = (
            "id", "date", "kind", "office", "lic", "source_label", "quantity", "allocated_quantity",
            "unallocated_quantity", "cogs_value",
        )
        order_by = ("-date",)
        attrs = {"class": "table table-sm table-hover align-middle"}
        template_name = "inventory_lots/_usage_table.html"

    def render_id(self, record):
        return str(record)
