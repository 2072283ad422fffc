"""API test helpers: a ledger with some records of every kind a list shows, built through the
services (the query-count, read and export tests grow it and compare)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from cogs.services import run_cogs_now
from imports.services import stage_import
from inventory_lots.dates import today
from inventory_lots.models import Office
from inventory_lots.services import AdjustmentLineInput, post_adjustment
from orders.services import ReturnLineInput, ShipmentLineInput, create_order, post_return, post_shipment
from production import services as production
from purchasing.services import (
    InvoiceLineInput,
    POLineInput,
    ReceiptLineInput,
    create_purchase_order,
    post_vendor_invoice,
    receive_purchase_order,
)
from tests.conftest import adjust_in
from tests.factories import CustomerFactory, LicFactory, OfficeFactory, ServiceLicFactory, VendorFactory
from transfers.services import TransferLineInput, post_transfer

D = Decimal
DAY = datetime.date(2026, 3, 1)
RUN_DAY = datetime.date(2026, 3, 31)


def grow_ledger(n: int, *, actor=None):
    """``n`` more records of every kind a list shows (master data, orders, lots, adjustments in and
    out, POs received and part invoiced, shipments with an unallocatable line, returns, production
    orders issued, costed and produced, serial numbers in stock and shipped), then ``n`` COGS runs;
    returns the first run (it posted the entries of everything above)."""
    office = OfficeFactory(code="HQ", name="Headquarters")
    widget = LicFactory(code="WIDGET", description="Widget")
    nostock = LicFactory(code="NOSTOCK", description="Never in stock")  # its usage stays unallocated
    scanner = LicFactory(code="SCANNER", description="Scanner", serialized=True)
    product = LicFactory(code="GIZMO", description="Gizmo")
    labour = ServiceLicFactory(code="LABOR", description="Labour")
    vendor = VendorFactory(code="ACME", name="Acme Supply")
    customer = CustomerFactory(code="CUST", name="A Customer")
    branch = Office.objects.filter(code="BRANCH").first() or OfficeFactory(code="BRANCH", name="Branch")
    for _ in range(n):
        OfficeFactory(), VendorFactory(), CustomerFactory()
        adjust_in(office=office, lic=LicFactory(), quantity="1", unit_cost="1.00", actor=actor)  # a row per LIC
        order = create_order(customer=customer, office=office, date=DAY, actor=actor)
        adjust_in(office=office, lic=widget, quantity="10", unit_cost="2.00", actor=actor)
        # dated today: a line in the journal page's default period (this month)
        adjust_in(office=office, lic=widget, quantity="1", unit_cost="2.00", actor=actor, date=today())
        post_adjustment(
            office=office,
            date=DAY,
            reason="count",
            actor=actor,
            lines=[AdjustmentLineInput(lic=widget, quantity=D("-1"))],
        )
        post_transfer(  # a transfer usage out of HQ and a transfer lot in the branch
            from_office=office,
            to_office=branch,
            date=DAY,
            actor=actor,
            lines=[TransferLineInput(lic=widget, quantity=D("1"))],
        )
        po = create_purchase_order(
            vendor=vendor,
            office=office,
            date=DAY,
            actor=actor,
            lines=[POLineInput(lic=widget, quantity=D("5"), unit_cost=D("3.00"))],
        )
        po_line = po.lines.get()
        receive_purchase_order(
            purchase_order=po, date=DAY, actor=actor, lines=[ReceiptLineInput(po_line=po_line, quantity=D("5"))]
        )
        post_vendor_invoice(
            vendor=vendor,
            purchase_order=po,
            number=f"INV-{po.number}",
            date=DAY,
            actor=actor,
            freight=D("0"),
            lines=[InvoiceLineInput(po_line=po_line, quantity=D("2"), amount=D("6.00"))],
        )
        kept, shipped = f"{order.number}-A", f"{order.number}-B"  # serial numbers: one stays, one ships
        adjust_in(
            office=office, lic=scanner, quantity="2", unit_cost="5.00", actor=actor, serial_numbers=(kept, shipped)
        )
        shipment = post_shipment(
            order=order,
            date=DAY,
            actor=actor,
            lines=[
                ShipmentLineInput(lic=widget, quantity=D("2")),
                ShipmentLineInput(lic=nostock, quantity=D("1")),
                ShipmentLineInput(lic=scanner, quantity=D("1"), serial_numbers=(shipped,)),
            ],
        )
        post_return(
            order=order,
            date=DAY,
            actor=actor,
            lines=[ReturnLineInput(lic=widget, quantity=D("1"), usage=shipment.lines.get(line_no=1).usage)],
        )
        mo = production.create_production_order(
            office=office,
            date=DAY,
            order=order,
            lic=product,
            estimated_quantity=D("2"),
            estimated_unit_cost=D("9.00"),
            actor=actor,
        )
        production.issue_components(
            production_order=mo, date=DAY, actor=actor, lines=[production.ComponentLine(lic=widget, quantity=D("1"))]
        )
        production.post_job_cost(
            production_order=mo,
            date=DAY,
            lic=labour,
            description="Assembly",
            amount=D("5.00"),
            capitalized=True,
            actor=actor,
        )
        production.produce(production_order=mo, date=DAY, quantity=D("1"), actor=actor)
        stage_import(  # an import batch, checked and not imported (the imports list)
            kind="customers", file_name="c.csv", content=f"code,name\nI{order.number},x\n".encode(), actor=actor
        )
    runs = [run_cogs_now(actor=actor, date=RUN_DAY) for _ in range(n)]
    assert all(run.status == "done" for run in runs), [run.error for run in runs]
    return runs[0]


@pytest.fixture
def grow(db):
    return grow_ledger
