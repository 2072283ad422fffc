"""Table of the production order list."""

from __future__ import annotations

import django_tables2 as tables

from inventory_lots.tables import QtyColumn, UnitCostColumn

from .models import PRODUCTION_ORDER_COLUMNS, ProductionOrder


class ProductionOrderTable(tables.Table):
    number = tables.Column(linkify=True, verbose_name="Production order", order_by=("id",))
    date = tables.Column(order_by=("date", "id"))
    office = tables.Column(accessor="office__code", verbose_name="Office", orderable=False)
    lic = tables.Column(accessor="lic__code", verbose_name="LIC produced", orderable=False)
    order = tables.Column(accessor="order__number", verbose_name="Parent order", orderable=False)
    status = tables.Column(orderable=False)
    estimated_quantity = QtyColumn(verbose_name="Est. qty", orderable=False)
    estimated_unit_cost = UnitCostColumn(verbose_name="Est. unit cost", orderable=False)
    lot = tables.Column(accessor="lot__number", verbose_name="Lot", orderable=False)

    class Meta:
        model = ProductionOrder
        fields = ()
        sequence = PRODUCTION_ORDER_COLUMNS
        order_by = ("-date",)
        attrs = {"class": "table table-sm table-hover align-middle"}
        template_name = "production/_production_order_table.html"
