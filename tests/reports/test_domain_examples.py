"""The worked examples of DOMAIN.md sections 4-6, evaluated by the period-close reports at dates
before, between and after their events. Every figure is derived by hand in the comments: lots,
their dates, the date COGS gives each entry (DOMAIN.md 6a: an allocation or give-back is dated the
latest of its usage's date and its lot's movement date; a revaluation the run's date; an accrual
its usage's date, its reversal with the entries that change it)."""

from __future__ import annotations

import pytest

from inventory_lots.services import correct_lot_unit_cost
from orders.services import ReturnLineInput, ShipmentLineInput, post_return, post_shipment
from production import services as production
from purchasing import services as purchasing
from purchasing.services import InvoiceLineInput, POLineInput, ReceiptLineInput
from reports import selectors
from tests.cogs.conftest import give_back, ship
from tests.conftest import adjust_in
from tests.factories import LicFactory, ServiceLicFactory

from .conftest import D, day, figures, on_hand, rolled, run, totals

pytestmark = pytest.mark.django_db
ZERO = (D(0), D(0), D(0), D(0))


def two_lots(office, lic):
    """Lot A 5 @ $10.00 (1 Mar) and lot B 5 @ $12.00 (2 Mar)."""
    a = adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    b = adjust_in(office=office, lic=lic, quantity="5", unit_cost="12.00", date=day(2))
    return a, b


def test_fifo_before_between_and_after(office, lic, order):
    a, b = two_lots(office, lic)
    ship(lic=lic, office=office, quantity="7", source=order, date=day(3))
    # no run yet: both lots are whole, and the 7 are unallocated from the usage's date on
    assert totals(day(2)) == (D(10), D("110.00"), D(0), D(0))
    assert totals(day(3)) == (D(10), D("110.00"), D(7), D(0))
    run(day(3))  # 5 from A ($50.00) + 2 from B ($24.00), both dated 3 Mar
    assert totals(day(28, 2)) == ZERO
    assert totals(day(1)) == (D(5), D("50.00"), D(0), D(0))
    assert totals(day(2)) == (D(10), D("110.00"), D(0), D(0))
    assert totals(day(3)) == (D(3), D("36.00"), D(0), D(0))
    assert on_hand(a, day(3)) == (D(0), D("0.00")) and on_hand(b, day(3)) == (D(3), D("36.00"))
    assert [r.lot_id for r in selectors.valuation_rows(as_of=day(3))] == [b.pk]  # A is used up: not listed
    assert rolled(day(1), day(31)) == figures(lots_in="110.00", cogs="74.00", closing_value="36.00")
    assert rolled(day(3), day(3)) == figures(opening_value="110.00", cogs="74.00", closing_value="36.00")
    assert rolled(day(4), day(31)) == figures(opening_value="36.00", closing_value="36.00")


def test_lifo_before_and_after(office, lic, order):
    lic.costing_method = "lifo"
    lic.save()
    a, b = two_lots(office, lic)
    ship(lic=lic, office=office, quantity="7", source=order, date=day(3))
    run(day(3))  # 5 from B ($60.00) + 2 from A ($20.00)
    assert totals(day(2)) == (D(10), D("110.00"), D(0), D(0))
    assert totals(day(3)) == (D(3), D("30.00"), D(0), D(0))
    assert on_hand(a, day(3)) == (D(3), D("30.00")) and on_hand(b, day(3)) == (D(0), D("0.00"))
    assert rolled(day(1), day(31)) == figures(lots_in="110.00", cogs="80.00", closing_value="30.00")


def test_give_back_across_lots(office, lic, order):
    a, b = two_lots(office, lic)
    ship(lic=lic, office=office, quantity="7", source=order, date=day(3))
    run(day(3))
    give_back(lic=lic, office=office, quantity="3", source=order, date=day(4))  # names no usage
    run(day(4))  # LIFO over lots with qty_used: B takes back 2 (-$24.00), A 1 (-$10.00), dated 4 Mar
    assert totals(day(3)) == (D(3), D("36.00"), D(0), D(0))  # unchanged by the later give-back
    assert totals(day(4)) == (D(6), D("70.00"), D(0), D(0))
    assert on_hand(a, day(4)) == (D(1), D("10.00")) and on_hand(b, day(4)) == (D(5), D("60.00"))
    # the give-backs are in the COGS column of their (return) usage, negative
    assert rolled(day(4), day(4)) == figures(opening_value="36.00", cogs="-34.00", closing_value="70.00")
    assert rolled(day(1), day(31)) == figures(lots_in="110.00", cogs="40.00", closing_value="70.00")


def _purchase(vendor, office, lic, *, ordered, received, unit_cost, date):
    po = purchasing.create_purchase_order(
        vendor=vendor,
        office=office,
        date=date,
        actor=None,
        lines=[POLineInput(lic=lic, quantity=D(ordered), unit_cost=D(unit_cost))],
    )
    receipt = purchasing.receive_purchase_order(
        purchase_order=po, date=date, actor=None, lines=[ReceiptLineInput(po_line=po.lines.get(), quantity=D(received))]
    )
    return po, receipt


def test_receive_ship_return(office, vendor, order):
    books = LicFactory(code="TEXTBOOK", description="Textbook")
    _, receipt = _purchase(vendor, office, books, ordered="100", received="10", unit_cost="29.99", date=day(1))
    lot = receipt.lines.get().lot
    shipment = post_shipment(order=order, date=day(2), actor=None, lines=[ShipmentLineInput(lic=books, quantity=D(10))])
    assert totals(day(2)) == (D(10), D("299.90"), D(10), D(0))  # shipped, not allocated yet
    run(day(2))  # 10 x $29.99 = $299.90, dated 2 Mar: the lot is closed
    assert totals(day(1)) == (D(10), D("299.90"), D(0), D(0))
    assert totals(day(2)) == ZERO
    post_return(
        order=order,
        date=day(3),
        actor=None,
        lines=[ReturnLineInput(lic=books, quantity=D(2), usage=shipment.lines.get().usage)],
    )
    run(day(3))  # 2 given back to the lot: -$59.98, dated 3 Mar
    assert totals(day(2)) == ZERO
    assert totals(day(3)) == (D(2), D("59.98"), D(0), D(0))
    assert on_hand(lot, day(3)) == (D(2), D("59.98"))
    assert rolled(day(1), day(31)) == figures(lots_in="299.90", cogs="239.92", closing_value="59.98")


def test_receipt_reversal_takes_the_lot_out_on_its_date(office, vendor, lic):
    _, receipt = _purchase(vendor, office, lic, ordered="10", received="10", unit_cost="5.00", date=day(1))
    lot = receipt.lines.get().lot
    purchasing.reverse_receipt(receipt=receipt, date=day(5), reason="wrong PO", actor=None)
    assert totals(day(4)) == (D(10), D("50.00"), D(0), D(0))
    assert totals(day(5)) == ZERO
    assert on_hand(lot, day(4)) == (D(10), D("50.00")) and on_hand(lot, day(5)) == (D(0), D("0.00"))
    assert rolled(day(1), day(31)) == figures()  # born and reversed in the period: nothing to show
    assert selectors.roll_forward(date_from=day(1), date_to=day(31)).rows == []
    assert rolled(day(5), day(31)) == figures(opening_value="50.00", lots_in="-50.00")


def test_unallocated_then_adjust_in_with_accruals(office, lic, order):
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="10.00", date=day(1))
    ship(lic=lic, office=office, quantity="5", source=order, date=day(2))
    run(day(2))  # 3 allocated ($30.00, 2 Mar), 2 unallocated: accrual 2 x $10.00 = $20.00 dated 2 Mar
    assert totals(day(1)) == (D(3), D("30.00"), D(0), D(0))
    assert totals(day(2)) == (D(0), D("0.00"), D(2), D("20.00"))
    adjust_in(office=office, lic=lic, quantity="2", unit_cost="11.00", date=day(5))
    run(day(6))  # 2 allocated ($22.00) dated 5 Mar (the lot's date); the accrual reversed (-$20.00) with it
    assert totals(day(2)) == (D(0), D("0.00"), D(2), D("20.00"))  # what 2 March showed, still
    assert totals(day(4)) == (D(0), D("0.00"), D(2), D("20.00"))
    assert totals(day(5)) == (D(0), D("0.00"), D(0), D("0.00"))
    assert totals(day(31)) == (D(0), D("0.00"), D(0), D("0.00"))
    assert rolled(day(1), day(31)) == figures(lots_in="52.00", cogs="52.00")
    assert rolled(day(5), day(5)) == figures(lots_in="22.00", cogs="22.00")


def test_rounding_remainder_at_each_date(office, lic, order):
    lot = adjust_in(office=office, lic=lic, quantity="3", unit_cost="3.333333", date=day(1))  # value in $10.00
    for n in (2, 3, 4):
        ship(lic=lic, office=office, quantity="1", source=order, date=day(n))
    run(day(4))  # $3.33 (2 Mar), $3.33 (3 Mar), $3.34 (4 Mar: the remainder)
    assert [on_hand(lot, day(n)) for n in (1, 2, 3, 4)] == [
        (D(3), D("10.00")),
        (D(2), D("6.67")),
        (D(1), D("3.34")),
        (D(0), D("0.00")),
    ]
    assert rolled(day(1), day(31)) == figures(lots_in="10.00", cogs="10.00")


def test_late_freight_is_a_dated_cost_change_then_a_dated_revaluation(office, vendor, lic, order):
    po, receipt = _purchase(vendor, office, lic, ordered="15", received="15", unit_cost="35.00", date=day(1))
    lot = receipt.lines.get().lot
    purchasing.post_vendor_invoice(
        vendor=vendor,
        purchase_order=po,
        number="INV-1",
        date=day(2),
        actor=None,
        freight=D("8.85"),
        lines=[InvoiceLineInput(po_line=po.lines.get(), quantity=D(15), amount=D("525.00"))],
    )
    ship(lic=lic, office=office, quantity="15", source=order, date=day(3))
    run(day(3))  # $525.00 dated 3 Mar
    purchasing.close_purchase_order(purchase_order=po, date=day(10), actor=None)  # $533.85 / 15 = $35.59
    # the cost change is in the lot from 10 March: $8.85 not yet revalued is value still in the lot
    assert totals(day(10)) == (D(0), D("8.85"), D(0), D(0))
    assert [(r.lot_id, r.quantity, r.value) for r in selectors.valuation_rows(as_of=day(10))] == [
        (lot.pk, D(0), D("8.85"))
    ]
    run(day(12))  # the revaluation +$8.85, dated 12 March
    assert totals(day(1)) == (D(15), D("525.00"), D(0), D(0))
    assert totals(day(9)) == ZERO
    assert totals(day(10)) == (D(0), D("8.85"), D(0), D(0))
    assert totals(day(11)) == (D(0), D("8.85"), D(0), D(0))
    assert totals(day(12)) == ZERO
    assert rolled(day(1), day(31)) == figures(lots_in="525.00", cost_changes="8.85", cogs="533.85")
    assert rolled(day(1), day(10)) == figures(
        lots_in="525.00", cost_changes="8.85", cogs="525.00", closing_value="8.85"
    )
    assert rolled(day(11), day(31)) == figures(opening_value="8.85", cogs="8.85")


def test_production_chair_example(office, order):
    leg, seat = LicFactory(code="LEG"), LicFactory(code="SEAT")
    chair = LicFactory(code="CHAIR")
    labour, finishing = ServiceLicFactory(code="LABOR"), ServiceLicFactory(code="FINISHING")
    adjust_in(office=office, lic=leg, quantity="60", unit_cost="2.50", date=day(1))  # $150.00
    adjust_in(office=office, lic=seat, quantity="15", unit_cost="7.00", date=day(1))  # $105.00
    mo = production.create_production_order(
        office=office,
        date=day(2),
        order=order,
        lic=chair,
        estimated_quantity=D(10),
        estimated_unit_cost=D("24.00"),
        actor=None,
    )
    production.issue_components(
        production_order=mo,
        date=day(2),
        actor=None,
        lines=[production.ComponentLine(lic=leg, quantity=D(40)), production.ComponentLine(lic=seat, quantity=D(10))],
    )
    for lic, amount in ((labour, "50.00"), (finishing, "30.00")):
        production.post_job_cost(
            production_order=mo,
            date=day(2),
            lic=lic,
            description="work",
            amount=D(amount),
            capitalized=True,
            actor=None,
        )
    # produced before the components are costed: provisional ($0.00 + $80.00) / 10 = $8.00
    chairs = production.produce(production_order=mo, date=day(3), quantity=D(10), actor=None)
    production.release(production_order=mo, actor=None)
    assert totals(day(3)) == (D(85), D("335.00"), D(50), D(0))  # 60 + 15 + 10 in, 50 components unallocated
    run(day(5))  # components $170.00 dated 2 Mar; the chair lot recomputed to $25.00 dated 5 Mar
    assert totals(day(1)) == (D(75), D("255.00"), D(0), D(0))
    assert totals(day(2)) == (D(25), D("85.00"), D(0), D(0))
    assert totals(day(3)) == (D(35), D("165.00"), D(0), D(0))
    assert totals(day(4)) == (D(35), D("165.00"), D(0), D(0))
    assert totals(day(5)) == (D(35), D("335.00"), D(0), D(0))
    assert on_hand(chairs, day(4)) == (D(10), D("80.00")) and on_hand(chairs, day(5)) == (D(10), D("250.00"))
    ship(lic=chair, office=office, quantity="4", source=order, date=day(6))
    run(day(7))  # 4 x $25.00 = $100.00 dated 6 Mar
    assert totals(day(6)) == (D(31), D("235.00"), D(0), D(0))
    report = selectors.roll_forward(date_from=day(1), date_to=day(31))
    by_lic = {row.lic: row.figures() for row in report.rows}
    assert by_lic == {
        "CHAIR": figures(lots_in="80.00", cost_changes="170.00", cogs="100.00", closing_value="150.00"),
        "LEG": figures(lots_in="150.00", production="100.00", closing_value="50.00"),
        "SEAT": figures(lots_in="105.00", production="70.00", closing_value="35.00"),
    }
    assert rolled(day(1), day(31)) == figures(
        lots_in="335.00", cost_changes="170.00", cogs="100.00", production="170.00", closing_value="235.00"
    )
    assert rolled(day(4), day(5)) == figures(opening_value="165.00", cost_changes="170.00", closing_value="335.00")


def test_manual_correction_dated_before_an_earlier_recorded_change_keeps_today(office, vendor, lic):
    """Cost changes are taken in the order they were recorded (by id) among those dated <= D: a
    correction dated before the PO close but recorded after it is the cost from its date on."""
    po, receipt = _purchase(vendor, office, lic, ordered="10", received="10", unit_cost="4.00", date=day(1))
    lot = receipt.lines.get().lot
    purchasing.post_vendor_invoice(
        vendor=vendor,
        purchase_order=po,
        number="INV-2",
        date=day(2),
        actor=None,
        lines=[InvoiceLineInput(po_line=po.lines.get(), quantity=D(10), amount=D("45.00"))],
    )
    purchasing.close_purchase_order(purchase_order=po, date=day(10), actor=None)  # 4.00 -> 4.50 on 10 Mar
    correct_lot_unit_cost(lot=lot, new_unit_cost=D("4.20"), reason="count", date=day(6), actor=None)  # -> 4.20
    assert [on_hand(lot, day(n))[1] for n in (5, 6, 10)] == [D("40.00"), D("42.00"), D("42.00")]
    assert on_hand(lot, day(31)) == (D(10), type(lot).objects.get(pk=lot.pk).value_in)
    assert rolled(day(1), day(31)) == figures(lots_in="40.00", cost_changes="2.00", closing_value="42.00")
