"""Trace fixtures: ledger history made through the purchasing, production, orders and COGS
services (a two-level chain: purchase lot → production order → production lot → shipment)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from cogs import services as cogs_services
from inventory_lots.models import Lot
from orders import services as order_services
from orders.models import Shipment
from orders.services import ReturnLineInput, ShipmentLineInput
from production import services as production_services
from production.models import ProductionOrder
from production.services import ComponentLine
from purchasing import services as purchasing_services
from purchasing.models import PurchaseOrder
from purchasing.services import POLineInput, ReceiptLineInput
from tests.factories import LicFactory

D = Decimal
RUN_DAY = datetime.date(2026, 3, 31)


def day(n: int) -> datetime.date:
    return datetime.date(2026, 3, n)


def run_cogs(date: datetime.date = RUN_DAY):
    return cogs_services.run_cogs_now(actor=None, date=date)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def buy(*, vendor, office, lic, quantity, unit_cost, date=None) -> tuple[PurchaseOrder, Lot]:
    """A PO for ``quantity`` @ ``unit_cost``, received in full: (po, the purchase lot)."""
    date = date or day(1)
    po = purchasing_services.create_purchase_order(
        vendor=vendor,
        office=office,
        date=date,
        actor=None,
        lines=[POLineInput(lic=lic, quantity=D(quantity), unit_cost=D(unit_cost))],
    )
    line = po.lines.get()
    receipt = purchasing_services.receive_purchase_order(
        purchase_order=po, date=date, actor=None, lines=[ReceiptLineInput(po_line=line, quantity=D(quantity))]
    )
    return po, receipt.lines.get().lot


def ship(*, order, lic, quantity, date) -> Shipment:
    return order_services.post_shipment(
        order=order, date=date, actor=None, lines=[ShipmentLineInput(lic=lic, quantity=D(quantity))]
    )


def give_back(*, order, lic, quantity, date, usage=None):
    return order_services.post_return(
        order=order, date=date, actor=None, lines=[ReturnLineInput(lic=lic, quantity=D(quantity), usage=usage)]
    )


@dataclass
class Chain:
    po: PurchaseOrder
    component: Lot  # PL: 10 legs @ $5.00
    mo: ProductionOrder
    product: Lot  # PR: 2 stools made from 4 legs ($20.00 → $10.00 each)
    direct_shipment: Shipment  # 3 legs shipped straight from PL (depth 1)
    product_shipment: Shipment  # 1 stool shipped (depth 2)


@pytest.fixture
def chain(db, office, vendor, order) -> Chain:
    legs = LicFactory(code="LEG", description="Leg")
    stools = LicFactory(code="STOOL", description="Stool")
    po, component = buy(vendor=vendor, office=office, lic=legs, quantity="10", unit_cost="5.00")
    mo = production_services.create_production_order(
        office=office,
        date=day(2),
        lic=stools,
        estimated_quantity=D("2"),
        estimated_unit_cost=D("9.00"),
        order=order,
        actor=None,
    )
    production_services.issue_components(
        production_order=mo, date=day(2), actor=None, lines=[ComponentLine(lic=legs, quantity=D("4"))]
    )
    product = production_services.produce(production_order=mo, date=day(3), quantity=D("2"), actor=None)
    production_services.release(production_order=mo, actor=None)
    direct = ship(order=order, lic=legs, quantity="3", date=day(4))
    stool_shipment = ship(order=order, lic=stools, quantity="1", date=day(5))
    run_cogs()
    return Chain(
        po=po,
        component=fresh(component),
        mo=fresh(mo),
        product=fresh(product),
        direct_shipment=direct,
        product_shipment=stool_shipment,
    )
