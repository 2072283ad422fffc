"""The lot list's search by PO number (the purchase lots it is the parent order of) and by receipt
number (the lots its lines created): inventory_lots.filters.register_lot_search."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from .models import PurchaseOrder, ReceiptLine


def lots_of_po(number: str) -> Q | None:
    po_id = PurchaseOrder.objects.filter(number=number).values_list("pk", flat=True).first()
    if po_id is None:
        return None
    return Q(parent_order_type=ContentType.objects.get_for_model(PurchaseOrder), parent_order_id=po_id)


def lots_of_receipt(number: str) -> Q | None:
    lot_ids = list(ReceiptLine.objects.filter(receipt__number=number, quantity__gt=0).values_list("lot_id", flat=True))
    return Q(pk__in=lot_ids) if lot_ids else None


def register() -> None:
    from inventory_lots.filters import register_lot_search

    register_lot_search(lots_of_po)
    register_lot_search(lots_of_receipt)
