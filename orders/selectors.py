"""Reads of orders: the order list and the order page (shipments, returns, their usage and the
production orders made for the order), shipment and return pages."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import CustomerReturn, Order, ReturnLine, Shipment, ShipmentLine


def order_list() -> QuerySet[Order]:
    return Order.objects.select_related("customer", "office").order_by("-date", "-id")


def order_detail(order_id: int) -> Order:
    return Order.objects.select_related("customer", "office").get(pk=order_id)


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


def order_production_orders(order: Order):
    from production.models import ProductionOrder  # production depends on orders, not the reverse

    return ProductionOrder.objects.filter(order=order).select_related("lic", "lot").order_by("date", "id")


def shipment_detail(shipment_id: int) -> Shipment:
    return Shipment.objects.select_related("order", "order__customer", "order__office", "created_by").get(
        pk=shipment_id
    )


def shipment_lines(shipment: Shipment) -> QuerySet[ShipmentLine]:
    return shipment.lines.select_related("lic", "usage", "usage__lot", "usage__cogs_state").order_by("line_no")


def return_detail(return_id: int) -> CustomerReturn:
    return CustomerReturn.objects.select_related("order", "order__customer", "order__office", "created_by").get(
        pk=return_id
    )


def return_lines(document: CustomerReturn) -> QuerySet[ReturnLine]:
    return document.lines.select_related("lic", "usage", "usage__returns_usage", "usage__cogs_state").order_by(
        "line_no")
