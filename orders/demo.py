"""Demo data of orders: a few shipments (FIFO, specific unit, serialized) and customer returns,
all through orders.services. Run by lotledger/demo.py after the ledger core's demo."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from inventory_lots.models import LineItemCode, Lot, LotSerial, Office, SerialUse
from orders import services
from orders.models import Customer, Order


def seed_customers() -> None:
    """Five customers, codes matched ignoring case (an existing "c001" is C001)."""
    for i in range(1, 6):
        Customer.objects.get_or_create(
            code__iexact=f"C{i:03d}", defaults={"code": f"C{i:03d}", "name": f"Customer {i} Ltd."}
        )


def seed_orders(*, actor, today: datetime.date) -> None:
    """Ten open orders, spread over the customers and offices, for the demos that ship and produce."""
    offices = list(Office.objects.all())
    customers = list(Customer.objects.all())
    for i in range(10):
        services.create_order(
            customer=customers[i % len(customers)],
            office=offices[i % len(offices)],
            date=today - datetime.timedelta(days=60 - i),
            actor=actor,
        )


def seed(*, rng: random.Random, actor, today: datetime.date) -> None:
    orders = list(Order.objects.select_related("office").order_by("id")[:6])
    widgets = list(LineItemCode.objects.filter(code__startswith="WIDGET-").order_by("code"))
    for index, order in enumerate(orders):
        date = today - datetime.timedelta(days=8 - index)
        in_stock = [lic for lic in widgets if Lot.objects.open().filter(lic=lic, office=order.office).exists()]
        if not in_stock:
            continue
        lines = [
            services.ShipmentLineInput(lic=lic, quantity=Decimal(rng.randint(1, 3)))
            for lic in rng.sample(in_stock, k=min(2, len(in_stock)))
        ]
        engine_lot = Lot.objects.open().filter(lic__code="ENGINE-SPEC", office=order.office).order_by("id").first()
        if engine_lot is not None and index % 2 == 0:
            lines.append(services.ShipmentLineInput(lic=engine_lot.lic, quantity=Decimal(1), lot=engine_lot))
        # a serial still in stock: not always the office's first serial
        out = SerialUse.objects.filter(returned_by__isnull=True).values("serial_id")
        serial = (
            LotSerial.objects.filter(lic__code="SCANNER-SN", lot__office=order.office)
            .exclude(pk__in=out)
            .order_by("serial_number")
            .values_list("serial_number", flat=True)
        )
        if index < 3 and serial:
            scanner = LineItemCode.objects.get(code="SCANNER-SN")
            lines.append(services.ShipmentLineInput(lic=scanner, quantity=Decimal(1), serial_numbers=(serial[0],)))
        shipment = services.post_shipment(order=order, date=date, lines=lines, actor=actor)
        if index % 3 == 0:  # the customer sends part of the first line back, naming the shipment usage
            first = shipment.lines.select_related("usage").get(line_no=1)
            services.post_return(
                order=order,
                date=date + datetime.timedelta(days=1),
                actor=actor,
                lines=[services.ReturnLineInput(lic=first.lic, quantity=Decimal(1), usage=first.usage)],
            )
