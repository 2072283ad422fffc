"""Tables of the PO list and the accrued-inventory report."""

from __future__ import annotations

import django_tables2 as tables

from inventory_lots.tables import MoneyColumn, QtyColumn, UnitCostColumn

from .models import PurchaseOrder, PurchaseOrderLine


class PurchaseOrderTable(tables.Table):
    number = tables.Column(linkify=True, verbose_name="PO", order_by=("id",))
    date = tables.Column(order_by=("date", "id"))
    vendor = tables.Column(accessor="vendor__code", verbose_name="Vendor", orderable=False)
    vendor_name = tables.Column(accessor="vendor__name", verbose_name="Vendor name", orderable=False)
    office = tables.Column(accessor="office__code", verbose_name="Office", orderable=False)
    status = tables.Column(orderable=False)

    class Meta:
        model = PurchaseOrder
        fields = ()
        sequence = ("number", "date", "vendor", "vendor_name", "office", "status")
        order_by = ("-date",)
        attrs = {"class": "table table-sm table-hover align-middle", "id": "po-table"}
        template_name = "purchasing/_po_table.html"


class AccruedLineTable(tables.Table):
    po = tables.Column(
        accessor="purchase_order__number",
        verbose_name="PO",
        orderable=False,
        linkify=lambda record: record.purchase_order.get_absolute_url(),
    )
    vendor = tables.Column(accessor="purchase_order__vendor__code", verbose_name="Vendor", orderable=False)
    office = tables.Column(accessor="purchase_order__office__code", verbose_name="Office", orderable=False)
    line_no = tables.Column(verbose_name="Line", orderable=False)
    lic = tables.Column(accessor="lic__code", verbose_name="LIC", orderable=False)
    unit_cost = UnitCostColumn(verbose_name="PO unit cost", orderable=False)
    quantity_received = QtyColumn(verbose_name="Received", orderable=False)
    quantity_purchased = QtyColumn(verbose_name="Purchased", orderable=False)
    accrued_qty = QtyColumn(verbose_name="Accrued qty", orderable=False)
    accrued_value = MoneyColumn(
        verbose_name="Accrued value",
        orderable=False,
        attrs={"td": {"class": "text-end font-monospace", "data-figure": "accrued_value"}},
    )

    class Meta:
        model = PurchaseOrderLine
        fields = ()
        sequence = (
            "po",
            "vendor",
            "office",
            "line_no",
            "lic",
            "unit_cost",
            "quantity_received",
            "quantity_purchased",
            "accrued_qty",
            "accrued_value",
        )
        attrs = {"class": "table table-sm table-hover align-middle", "id": "accrued-table"}
