"""Closing the books (DOMAIN.md 6a) through every door: helpers shared by tests/books.

Ledger history is made through the services (purchasing, orders, production, COGS); the doors
under test are the pages, the admin, the API and the run_cogs command."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from cogs import services as cogs_services
from cogs.models import CogsEntry, CogsRun
from inventory_lots.models import InventoryAdjustment, InventoryUsage, LockDate, Lot, LotCostChange
from orders import services as order_services
from orders.models import CustomerReturn, Shipment
from orders.services import ReturnLineInput, ShipmentLineInput
from production.models import JobCostEntry, ProductionOrder, ProductionReport
from purchasing import services as purchasing_services
from purchasing.models import PurchaseOrder, Receipt, VendorInvoice
from purchasing.services import InvoiceLineInput, POLineInput, ReceiptLineInput

D = Decimal


def day(n: int, month: int = 3) -> datetime.date:
    return datetime.date(2026, month, n)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


RUN_DAY = datetime.date(2026, 3, 31)


def run_cogs(date: datetime.date = RUN_DAY, **scope) -> CogsRun:
    return cogs_services.run_cogs_now(actor=None, date=date, **scope)


def figures(response) -> dict[str, str]:
    """``data-figure`` cells of a page: name -> text."""
    assert response.status_code == 200, response.status_code
    return dict(re.findall(r'data-figure="([\w-]+)">([^<]*)<', response.content.decode()))


def ship(*, order, lic, quantity, date) -> Shipment:
    return order_services.post_shipment(
        order=order, date=date, actor=None, lines=[ShipmentLineInput(lic=lic, quantity=D(quantity))]
    )


def give_back(*, order, lic, quantity, date, usage=None, override_reason="") -> CustomerReturn:
    return order_services.post_return(
        order=order,
        date=date,
        actor=None,
        override_reason=override_reason,
        lines=[ReturnLineInput(lic=lic, quantity=D(quantity), usage=usage)],
    )


def buy(*, vendor, office, lic, quantity, unit_cost, date) -> tuple[PurchaseOrder, Receipt]:
    po = purchasing_services.create_purchase_order(
        vendor=vendor,
        office=office,
        date=date,
        actor=None,
        lines=[POLineInput(lic=lic, quantity=D(quantity), unit_cost=D(unit_cost))],
    )
    receipt = purchasing_services.receive_purchase_order(
        purchase_order=po, date=date, actor=None, lines=[ReceiptLineInput(po_line=po.lines.get(), quantity=D(quantity))]
    )
    return po, receipt


def invoice(*, po, number, date, amount, quantity, freight="0"):
    return purchasing_services.post_vendor_invoice(
        vendor=po.vendor,
        purchase_order=po,
        number=number,
        date=date,
        freight=D(freight),
        actor=None,
        lines=[InvoiceLineInput(po_line=po.lines.get(), quantity=D(quantity), amount=D(amount))],
    )


LEDGER_MODELS = (
    Lot,
    InventoryUsage,
    InventoryAdjustment,
    Receipt,
    VendorInvoice,
    Shipment,
    CustomerReturn,
    ProductionOrder,
    ProductionReport,
    JobCostEntry,
    LotCostChange,
    CogsRun,
    CogsEntry,
    LockDate,
)


def ledger_fingerprint() -> tuple:
    """Everything a posting could write: row counts, lot costs and quantities, document states."""
    counts = tuple(m.objects.count() for m in LEDGER_MODELS)
    lots = tuple(Lot.objects.order_by("pk").values_list("pk", "qty_in", "qty_used", "unit_cost", "released"))
    pos = tuple(PurchaseOrder.objects.order_by("pk").values_list("pk", "status"))
    mos = tuple(ProductionOrder.objects.order_by("pk").values_list("pk", "status"))
    return counts, lots, pos, mos


@pytest.fixture
def fingerprint():
    return ledger_fingerprint
