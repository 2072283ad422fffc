"""Reads of orders: the order list and the order page (shipments, returns, their usage and the
production orders made for the order), shipment and return pages."""

from __future__ import annotations

from django.db.models import QuerySet

from inventory_lots.scope import EVERYTHING, Scope

from . import documents
from .models import CustomerReturn, Order, ReturnLine, Shipment, ShipmentLine


def order_list(scope: Scope = EVERYTHING) -> QuerySet[Order]:
    return Order.objects.visible_to(scope).select_related("customer", "office").order_by("-date", "-id")


def order_detail(order_id: int, scope: Scope = EVERYTHING) -> Order:
    return Order.objects.visible_to(scope).select_related("customer", "office").get(pk=order_id)


def order_shipment_lines(order: Order) -> QuerySet[ShipmentLine]:
    return (
        ShipmentLine.objects.filter(shipment__order=order)
        .select_related("shipment", "lic", "usage", "usage__lot", "usage__cogs_state")
        .order_by("shipment__date", "shipment_id", "line_no")
    )


def order_return_lines(order: Order) -> QuerySet[ReturnLine]:
    return (
        ReturnLine.objects.filter(customer_return__order=order)
        .select_related("customer_return", "lic", "usage", "usage__returns_usage", "usage__cogs_state")
        .order_by("customer_return__date", "customer_return_id", "line_no")
    )


def order_documents_of_other_apps(order: Order, scope: Scope = EVERYTHING) -> dict[str, QuerySet]:
    """The documents apps above orders made for the order (production orders), by page name
    (orders/documents.py: those apps register them); only those in offices ``scope`` sees."""
    return {kind.page_name: kind.rows(order).visible_to(scope) for kind in documents.registered()}


def order_has_documents(order: Order) -> bool:
    """Posted documents hang on the order: a shipment, a customer return or a production order."""
    return (
        Shipment.objects.filter(order=order).exists()
        or CustomerReturn.objects.filter(order=order).exists()
        or any(kind.rows(order).exists() for kind in documents.registered())
    )


def order_unclosed_document_numbers(order: Order) -> list[str]:
    """Documents made for the order still going on (production orders not closed)."""
    return [number for kind in documents.registered() for number in kind.unclosed_numbers(order)]


def shipment_detail(shipment_id: int, scope: Scope = EVERYTHING) -> Shipment:
    return (
        Shipment.objects.visible_to(scope)
        .select_related("order", "order__customer", "order__office", "created_by")
        .get(pk=shipment_id)
    )


def shipment_lines(shipment: Shipment) -> QuerySet[ShipmentLine]:
    return shipment.lines.select_related("lic", "usage", "usage__lot", "usage__cogs_state").order_by("line_no")


def return_detail(return_id: int, scope: Scope = EVERYTHING) -> CustomerReturn:
    return (
        CustomerReturn.objects.visible_to(scope)
        .select_related("order", "order__customer", "order__office", "created_by")
        .get(pk=return_id)
    )


def return_lines(document: CustomerReturn) -> QuerySet[ReturnLine]:
    return document.lines.select_related("lic", "usage", "usage__returns_usage", "usage__cogs_state").order_by(
        "line_no"
    )


def shipment_list(scope: Scope = EVERYTHING) -> QuerySet[Shipment]:
    """Shipments with their order, office and lines (the lines of a whole page in one query)."""
    from django.db.models import Prefetch

    return (
        Shipment.objects.visible_to(scope)
        .select_related("order", "order__office")
        .prefetch_related(Prefetch("lines", queryset=ShipmentLine.objects.select_related("lic").order_by("line_no")))
        .order_by("-date", "-id")
    )


def return_list(scope: Scope = EVERYTHING) -> QuerySet[CustomerReturn]:
    """Customer returns with their order, office and lines (one query for a page's lines)."""
    from django.db.models import Prefetch

    return (
        CustomerReturn.objects.visible_to(scope)
        .select_related("order", "order__office")
        .prefetch_related(Prefetch("lines", queryset=ReturnLine.objects.select_related("lic").order_by("line_no")))
        .order_by("-date", "-id")
    )


def order_returnable(order: Order, lic_ids) -> dict[int, dict]:
    """Per LIC: what the order shipped and what came back on its returns (positive quantities), the
    limit of a new customer return. Read under the LICs' row locks by post_return, so
    two returns at once see each other."""
    from django.db.models import Sum

    from core.money import ZERO

    ids = sorted(set(lic_ids))
    out = {lic_id: {"shipped": ZERO, "returned": ZERO} for lic_id in ids}
    shipped = (
        ShipmentLine.objects.filter(shipment__order=order, lic_id__in=ids)
        .values("lic_id")
        .annotate(q=Sum("quantity"))
        .values_list("lic_id", "q")
    )
    returned = (
        ReturnLine.objects.filter(customer_return__order=order, lic_id__in=ids)
        .values("lic_id")
        .annotate(q=Sum("quantity"))
        .values_list("lic_id", "q")
    )
    for key, rows in (("shipped", shipped), ("returned", returned)):
        for lic_id, quantity in rows:
            out[lic_id][key] = quantity
    return out
