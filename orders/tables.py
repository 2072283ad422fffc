"""Table of the order list."""

from __future__ import annotations

import django_tables2 as tables

from .models import Order


class OrderTable(tables.Table):
    number = tables.Column(linkify=True, verbose_name="Order", order_by=("id",))
    date = tables.Column(order_by=("date", "id"))
    customer = tables.Column(accessor="customer__code", verbose_name="Customer", orderable=False)
    customer_name = tables.Column(accessor="customer__name", verbose_name="Customer name", orderable=False)
    office = tables.Column(accessor="office__code", verbose_name="Office", orderable=False)
    status = tables.Column(orderable=False)

    class Meta:
        model = Order
        fields = ()
        sequence = ("number", "date", "customer", "customer_name", "office", "status")
        order_by = ("-date",)
        attrs = {"class": "table table-sm table-hover align-middle"}
