"""The lot list's search by customer order number: the production lots made for that order
(their parent order; inventory_lots.filters.register_lot_search)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from .models import Order


def lots_of_order(number: str) -> Q | None:
    order_id = Order.objects.filter(number=number).values_list("pk", flat=True).first()
    if order_id is None:
        return None
    return Q(parent_order_type=ContentType.objects.get_for_model(Order), parent_order_id=order_id)


def register() -> None:
    from inventory_lots.filters import register_lot_search

    register_lot_search(lots_of_order)
