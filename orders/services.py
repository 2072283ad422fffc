"""Writes of orders: customer orders, shipments (shipment usage) and customer returns (negative
usage of kind "return"). Each document locks its lines' LIC rows first (inventory_lots.locks)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from core import numbering
from core.errors import StateConflict, ValidationFailed
from inventory_lots import locks
from inventory_lots.models import InventoryUsage, LineItemCode, Lot, Office, UsageKind
from inventory_lots.services import MSG_NO_LINES, _line_error, check_open_date, check_quantity, record_usage_locked

from .models import Customer, CustomerReturn, Order, OrderStatus, ReturnLine, Shipment, ShipmentLine

MSG_ORDER_CLOSED = "Order {number} is closed: nothing more can be shipped on it."
MSG_RETURN_NOT_OF_ORDER = "Usage {usage} is not a shipment of order {number}."


@transaction.atomic
def create_order(*, customer: Customer, office: Office, date: datetime.date, actor: User | None = None) -> Order:
    return Order.objects.create(number=numbering.next_number("SO"), customer=customer, office=office, date=date)


@dataclass(frozen=True)
class ShipmentLineInput:
    lic: LineItemCode
    quantity: Decimal
    lot: Lot | None = None
    serial_numbers: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReturnLineInput:
    lic: LineItemCode
    quantity: Decimal  # positive: what came back
    usage: InventoryUsage | None = None  # the shipment usage it returns, if known


@transaction.atomic
def post_shipment(
    *, order: Order, date: datetime.date, lines: Sequence[ShipmentLineInput], actor: User | None
) -> Shipment:
    """Ship goods on an order: one shipment usage per line (source = the shipment). Specific-unit
    LICs name the lot; serialized LICs name the serial numbers."""
    if not lines:
        raise ValidationFailed("no_lines", MSG_NO_LINES, field="lines")
    check_open_date(date)
    locks.lics_for_update(line.lic.pk for line in lines)
    order = Order.objects.select_related("office").get(pk=order.pk)
    if order.status == OrderStatus.CLOSED:
        raise StateConflict("order_closed", MSG_ORDER_CLOSED.format(number=order.number))
    shipment = Shipment.objects.create(number=numbering.next_number("SH"), order=order, date=date, created_by=actor)
    rows = []
    for index, line in enumerate(lines):
        try:
            quantity = check_quantity(line.quantity, positive=True)
            usage = record_usage_locked(
                lic=line.lic, office=order.office, date=date, quantity=quantity, kind=UsageKind.SHIPMENT,
                source=shipment, source_label=shipment.number, actor=actor, lot=line.lot,
                serial_numbers=line.serial_numbers,
            )
        except ValidationFailed as exc:
            raise _line_error(exc, index) from exc
        rows.append(ShipmentLine(shipment=shipment, line_no=index + 1, lic=line.lic, quantity=quantity, usage=usage))
    ShipmentLine.objects.bulk_create(rows)
    return shipment


@transaction.atomic
def post_return(
    *, order: Order, date: datetime.date, lines: Sequence[ReturnLineInput], actor: User | None
) -> CustomerReturn:
    """Record goods the customer sent back: one negative usage of kind "return" per line,
    optionally naming the shipment usage it returns (record_usage checks the limit).
    Allowed on closed orders too (returns arrive after an order is done)."""
    if not lines:
        raise ValidationFailed("no_lines", MSG_NO_LINES, field="lines")
    check_open_date(date)
    locks.lics_for_update(line.lic.pk for line in lines)
    order = Order.objects.select_related("office").get(pk=order.pk)
    document = CustomerReturn.objects.create(
        number=numbering.next_number("RT"), order=order, date=date, created_by=actor
    )
    shipment_ct = ContentType.objects.get_for_model(Shipment)
    rows = []
    for index, line in enumerate(lines):
        try:
            quantity = check_quantity(line.quantity, positive=True)
            returned = line.usage
            if returned is not None:
                returned = InventoryUsage.objects.get(pk=returned.pk)
                if not (
                    returned.kind == UsageKind.SHIPMENT and returned.source_type_id == shipment_ct.pk
                    and Shipment.objects.filter(pk=returned.source_id, order=order).exists()
                ):
                    raise ValidationFailed(
                        "return_not_of_order", MSG_RETURN_NOT_OF_ORDER.format(usage=returned, number=order.number),
                        field="usage",
                    )
            usage = record_usage_locked(
                lic=line.lic, office=order.office, date=date, quantity=-quantity, kind=UsageKind.RETURN,
                source=document, source_label=document.number, actor=actor, returns_usage=returned,
            )
        except ValidationFailed as exc:
            raise _line_error(exc, index) from exc
        rows.append(ReturnLine(customer_return=document, line_no=index + 1, lic=line.lic, quantity=quantity,
                               usage=usage))
    ReturnLine.objects.bulk_create(rows)
    return document
