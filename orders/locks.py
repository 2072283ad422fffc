"""The only place orders lock rows.

The customer order's row decides whether documents may be posted on it (its status) and what they
inherit (its office). Closing, reopening and editing it in the admin take it ``FOR NO KEY UPDATE``;
every posting on it (shipment, return, production order) takes it ``FOR SHARE`` after its LIC locks
(inventory_lots.locks), so postings never wait on each other, a close waits for the postings in
flight, and a posting that waited sees the close. Nothing that holds an order row then waits for a
LIC row, so the global lock order (LICs, lots, document lines) has no cycle.
"""

from __future__ import annotations

from django.db import connection

from .models import Order


def order_for_update(order_id: int) -> Order:
    return (
        Order.objects.select_for_update(no_key=True, of=("self",)).select_related("customer", "office").get(pk=order_id)
    )


def order_for_share(order_id: int) -> Order:
    """``SELECT … FOR SHARE`` (Django's select_for_update has no shared mode), then the order re-read."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM orders_order WHERE id = %s FOR SHARE", [order_id])
        if cursor.fetchone() is None:
            raise Order.DoesNotExist(f"Order {order_id} does not exist.")
    return Order.objects.select_related("customer", "office").get(pk=order_id)
