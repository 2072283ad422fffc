"""Trust fixtures: one small ledger with one record of every kind (made through the services), the
row counts of every ledger table, and the POST doors of the product (pages and API)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection

from cogs import services as cogs_services
from inventory_lots.models import InventoryAdjustment
from orders.services import (
    ReturnLineInput,
    ShipmentLineInput,
    close_order,
    create_order,
    post_return,
    post_shipment,
)
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

# Every table a posting can write (the ledger, its documents, COGS, audit history, idempotency).
LEDGER_APPS = (
    "inventory_lots",
    "purchasing",
    "orders",
    "production",
    "cogs",
    "traceability",
    "core",
    "reports",
    "transfers",
)


def ledger_tables() -> list[str]:
    tables = set()
    for label in LEDGER_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            if not model._meta.managed or model._meta.proxy:
                continue
            tables.add(model._meta.db_table)
    existing = set(connection.introspection.table_names(include_views=False))
    return sorted(tables & existing)


_TABLES: list[str] = []


def row_counts() -> dict[str, str]:
    """The state of every ledger table, in one query: its row count and a digest of its rows (so
    an UPDATE shows as a change too)."""
    if not _TABLES:
        _TABLES.extend(ledger_tables())
    sql = " UNION ALL ".join(
        f"SELECT '{t}', COUNT(*) || ':' || md5(COALESCE(string_agg(x::text, '|' ORDER BY x::text), '')) "  # noqa: S608
        f"FROM {connection.ops.quote_name(t)} x"  # table names from the app registry
        for t in _TABLES
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def changed(before: dict[str, str], after: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {t: (before[t], after[t]) for t in before if before[t] != after[t]}


@dataclass
class World:
    office: object
    lic: object
    product: object
    service_lic: object
    vendor: object
    customer: object
    order: object
    stock_lot: object
    po: object
    po_line: object
    receipt: object
    invoice: object
    shipment: object
    ship_usage: object
    customer_return: object
    mo: object
    mo_lot: object
    mo_open: object
    job_cost: object
    run: object
    closable_order: object = None  # an order with nothing hanging on it (the close doors)
    closed_order: object = None  # (the reopen doors)
    spare_adjustment: object = None  # an adjustment whose lot is unused (the adjustment reversal doors)
    other_office: object = None  # a second office (the transfer doors)
    spare_transfer: object = None  # a transfer whose lot is unused (the transfer reversal doors)


@pytest.fixture
def world(db, admin_user) -> World:
    """HQ office; WIDGET (inventoried), GIZMO (produced), LABOR (service); ACME, CUST, an order.
    Stock 100 WIDGET @ 2.00; PO 20 WIDGET @ 3.00 with 5 received and invoiced; 2 shipped and 1
    returned; a production order of GIZMO (4 WIDGET issued, $10.00 labour, 2 produced, not
    released) and an empty open one; one COGS run done."""
    office = OfficeFactory(code="HQ", name="Headquarters")
    lic = LicFactory(code="WIDGET", description="Widget")
    product = LicFactory(code="GIZMO", description="Gizmo")
    service_lic = ServiceLicFactory(code="LABOR", description="Labour")
    vendor = VendorFactory(code="ACME", name="Acme Supply")
    customer = CustomerFactory(code="CUST", name="A Customer")
    order = create_order(customer=customer, office=office, date=DAY)
    stock_lot = adjust_in(office=office, lic=lic, quantity="100", unit_cost="2.00")
    po = create_purchase_order(
        vendor=vendor,
        office=office,
        date=DAY,
        actor=admin_user,
        lines=[POLineInput(lic=lic, quantity=D("20"), unit_cost=D("3.00"))],
    )
    po_line = po.lines.get()
    receipt = receive_purchase_order(
        purchase_order=po, date=DAY, actor=admin_user, lines=[ReceiptLineInput(po_line=po_line, quantity=D("5"))]
    )
    invoice = post_vendor_invoice(
        vendor=vendor,
        purchase_order=po,
        number="INV-1",
        date=DAY,
        actor=admin_user,
        lines=[InvoiceLineInput(po_line=po_line, quantity=D("5"), amount=D("15.00"))],
    )
    shipment = post_shipment(
        order=order, date=DAY, actor=admin_user, lines=[ShipmentLineInput(lic=lic, quantity=D("2"))]
    )
    ship_usage = shipment.lines.get().usage
    customer_return = post_return(
        order=order, date=DAY, actor=admin_user, lines=[ReturnLineInput(lic=lic, quantity=D("1"), usage=ship_usage)]
    )
    mo = production.create_production_order(
        office=office,
        date=DAY,
        order=order,
        lic=product,
        estimated_quantity=D("2"),
        estimated_unit_cost=D("9.00"),
        actor=admin_user,
    )
    production.issue_components(
        production_order=mo, date=DAY, actor=admin_user, lines=[production.ComponentLine(lic=lic, quantity=D("4"))]
    )
    job_cost = production.post_job_cost(
        production_order=mo,
        date=DAY,
        lic=service_lic,
        description="Assembly",
        amount=D("10.00"),
        capitalized=True,
        actor=admin_user,
    )
    mo_lot = production.produce(production_order=mo, date=DAY, quantity=D("2"), actor=admin_user)
    mo_open = production.create_production_order(
        office=office,
        date=DAY,
        order=None,
        lic=product,
        estimated_quantity=D("1"),
        estimated_unit_cost=D("1.00"),
        actor=admin_user,
    )
    run = cogs_services.run_cogs_now(actor=admin_user, date=RUN_DAY)
    assert run.status == "done", run.error
    mo.refresh_from_db()
    closable_order = create_order(customer=customer, office=office, date=DAY)
    closed_order = close_order(order=create_order(customer=customer, office=office, date=DAY), actor=admin_user)
    spare_lot = adjust_in(office=office, lic=product, quantity="1", unit_cost="5.00")
    spare_adjustment = InventoryAdjustment.objects.get(lines__lot=spare_lot)
    other_office = OfficeFactory(code="WH", name="Warehouse")
    spare_transfer = post_transfer(
        from_office=office,
        to_office=other_office,
        date=DAY,
        lines=[TransferLineInput(lic=lic, quantity=Decimal(1))],
        actor=admin_user,
    )
    return World(
        office,
        lic,
        product,
        service_lic,
        vendor,
        customer,
        order,
        stock_lot,
        po,
        po_line,
        receipt,
        invoice,
        shipment,
        ship_usage,
        customer_return,
        mo,
        mo_lot,
        mo_open,
        job_cost,
        run,
        closable_order,
        closed_order,
        spare_adjustment,
        other_office,
        spare_transfer,
    )


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
