"""DOMAIN.md 10: every figure is a sum of dated, append-only records, so what a date on or before the
lock date shows never changes again. The March ledger is closed through 31 March; then April brings
everything that could reach a March lot: shipments and a return naming a March shipment, adjustments
in and out, the late close of a March PO (a cost change of March lots), a manual cost correction,
more production reported into a March production lot and components issued to it, a receipt and
its reversal, COGS runs. Every report at March dates is the same afterwards."""

from __future__ import annotations

import pytest

from inventory_lots.models import Lot
from inventory_lots.services import AdjustmentLineInput, correct_lot_unit_cost, post_adjustment
from orders.models import Order
from orders.services import ReturnLineInput, ShipmentLineInput, post_return, post_shipment
from production import services as production
from purchasing import services as purchasing
from purchasing.models import PurchaseOrder
from reports import selectors
from tests.conftest import adjust_in
from tests.factories import ServiceLicFactory

from .conftest import D, build_ledger, close_books, day, run

pytestmark = pytest.mark.django_db
LOCK = day(31)
MARCH = [day(1), day(5), day(8), day(12), day(15), day(20), LOCK]


def snapshot() -> dict:
    out = {}
    for d in MARCH:
        out[("lots", d)] = selectors.lots_at(as_of=d)
        for group in ("lot", "lic", "office"):
            out[(group, d)] = selectors.valuation_rows(as_of=d, group_by=group)
        out[("totals", d)] = selectors.valuation_totals(as_of=d)
        out[("aging", d)] = selectors.aging(as_of=d)
        out[("aging7", d)] = selectors.aging(as_of=d, bounds=(3, 7))
    for start, end in [(day(1), LOCK), (day(6), day(15)), (day(15), day(15)), (day(1, 2), day(28, 2))]:
        out[("roll", start, end)] = selectors.roll_forward(date_from=start, date_to=end)
    return out


def test_figures_through_the_lock_date_never_change(db):
    ledger = build_ledger(april=False)
    hq, widget, gadget = ledger.hq, ledger.widget, ledger.gadget
    order = Order.objects.get()
    # a production lot born in March (produced 1, costed from a capitalized job cost)
    gizmo_mo = production.create_production_order(
        office=hq,
        date=day(20),
        order=order,
        lic=ledger.gizmo,
        estimated_quantity=D(2),
        estimated_unit_cost=D("9.00"),
        actor=None,
    )
    production.post_job_cost(
        production_order=gizmo_mo,
        date=day(20),
        lic=ServiceLicFactory(code="LABOR"),
        description="assembly",
        amount=D("4.00"),
        capitalized=True,
        actor=None,
    )
    gizmo = production.produce(production_order=gizmo_mo, date=day(21), quantity=D(1), actor=None)
    production.release(production_order=gizmo_mo, actor=None)
    # a PO received in March, invoiced and closed in April
    late = purchasing.create_purchase_order(
        vendor=PurchaseOrder.objects.get().vendor,
        office=hq,
        date=day(22),
        actor=None,
        lines=[purchasing.POLineInput(lic=gadget, quantity=D(4), unit_cost=D("6.00"))],
    )
    purchasing.receive_purchase_order(
        purchase_order=late,
        date=day(22),
        actor=None,
        lines=[purchasing.ReceiptLineInput(po_line=late.lines.get(), quantity=D(4))],
    )
    run(LOCK)
    close_books(date=LOCK, actor=None)
    before = snapshot()
    assert before[("totals", LOCK)].value > 0 and before[("roll", day(1), LOCK)].rows

    # --- April: everything that could reach a March lot ---
    march_shipment = post_shipment(
        order=order,
        date=day(1, 4),
        actor=None,
        lines=[ShipmentLineInput(lic=widget, quantity=D(3)), ShipmentLineInput(lic=gadget, quantity=D(4))],
    )
    post_return(
        order=order,
        date=day(2, 4),
        actor=None,
        lines=[ReturnLineInput(lic=widget, quantity=D(1), usage=march_shipment.lines.get(line_no=1).usage)],
    )
    post_adjustment(
        office=hq,
        date=day(2, 4),
        reason="count",
        actor=None,
        lines=[
            AdjustmentLineInput(lic=widget, quantity=D(-1)),
            AdjustmentLineInput(lic=gadget, quantity=D(2), unit_cost=D("7.00")),
        ],
    )
    purchasing.post_vendor_invoice(
        vendor=late.vendor,
        purchase_order=late,
        number="LATE-1",
        date=day(3, 4),
        actor=None,
        freight=D("0.40"),
        lines=[purchasing.InvoiceLineInput(po_line=late.lines.get(), quantity=D(4), amount=D("26.00"))],
    )
    purchasing.close_purchase_order(purchase_order=late, date=day(3, 4), actor=None)  # 6.00 -> 6.60
    correct_lot_unit_cost(
        lot=Lot.objects.get(pk=ledger.lots[1].pk), new_unit_cost=D("2.75"), reason="recount", date=day(4, 4), actor=None
    )  # the branch's March lot
    production.issue_components(
        production_order=gizmo_mo,
        date=day(4, 4),
        actor=None,
        lines=[production.ComponentLine(lic=widget, quantity=D(1))],
    )
    production.produce(production_order=gizmo_mo, date=day(5, 4), quantity=D(1), actor=None)  # into the March lot
    april = purchasing.create_purchase_order(
        vendor=late.vendor,
        office=hq,
        date=day(5, 4),
        actor=None,
        lines=[purchasing.POLineInput(lic=widget, quantity=D(2), unit_cost=D("1.00"))],
    )
    receipt = purchasing.receive_purchase_order(
        purchase_order=april,
        date=day(5, 4),
        actor=None,
        lines=[purchasing.ReceiptLineInput(po_line=april.lines.get(), quantity=D(2))],
    )
    purchasing.reverse_receipt(receipt=receipt, date=day(6, 4), reason="wrong", actor=None)
    run(day(6, 4))
    adjust_in(office=hq, lic=widget, quantity="5", unit_cost="4.00", date=day(7, 4))
    post_shipment(order=order, date=day(8, 4), actor=None, lines=[ShipmentLineInput(lic=ledger.gizmo, quantity=D(2))])
    run(day(9, 4))

    after = snapshot()
    assert set(after) == set(before)
    for key in before:
        assert after[key] == before[key], key
    # April did move: the lots' figures today are not March's
    assert selectors.valuation_totals(as_of=day(9, 4)) != before[("totals", LOCK)]
    assert Lot.objects.get(pk=gizmo.pk).qty_in == D(2)
    assert selectors.lots_at(as_of=day(9, 4))[gizmo.pk].qty_in == D(2)
    assert selectors.lots_at(as_of=LOCK)[gizmo.pk].qty_in == D(1)
