"""The lot list's search by production order number: the lot it produced (its transaction;
inventory_lots.filters.register_lot_search)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from .models import ProductionOrder


def lots_of_production_order(number: str) -> Q | None:
    order_id = ProductionOrder.objects.filter(number=number).values_list("pk", flat=True).first()
    if order_id is None:
        return None
    return Q(transaction_type=ContentType.objects.get_for_model(ProductionOrder), transaction_id=order_id)


def register() -> None:
    from inventory_lots.filters import register_lot_search

    register_lot_search(lots_of_production_order)
