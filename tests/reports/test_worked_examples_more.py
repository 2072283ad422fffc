"""More of DOMAIN.md 4-6's worked examples through the period close, beside
test_domain_examples.py (valuations, roll-forwards) and test_journal.py (journal lines): each one
here gives, at dates before, between and after its events, the valuation, the roll-forward and the
journal lines, derived by hand, as exact Decimals.

- FIFO, then the give-back across lots (DOMAIN 6): the journal's lines and balances on 3 and 4 March.
- The give-back loop (DOMAIN 6): one lot of 30 @ $4.00, a shipment of 50, a return of 50 naming it.
- The rounding lot's holding rule (DOMAIN 6 "Conventions"): $3.33, $3.33, $3.34, then a return of 1
  naming the third usage gives back -$3.33 and re-values it by -$0.01.
- Purchasing (DOMAIN 4): a PO of four lines, three received, one never (closed short); an invoice
  with $0.10 freight spread by amount (the remainder cent to the largest line, the lowest line
  number on a tie); shipments costed at the PO cost before the close, revalued after it.
- Production (DOMAIN 5) with components returned from the order: the lot's cost follows its
  components net of the return."""

from __future__ import annotations

import pytest

from production import services as production
from purchasing import services as purchasing
from purchasing.services import InvoiceLineInput, POLineInput, ReceiptLineInput
from reports import journal, selectors
from tests.cogs.conftest import give_back, ship
from tests.conftest import adjust_in
from tests.factories import LicFactory, ServiceLicFactory

from .conftest import D, day, figures, on_hand, rolled, run, totals
from .test_journal import ACCR, ADJ, CLEAR, COGS, INV, RNI, WIP, assert_balanced, balance, lines, pair

pytestmark = pytest.mark.django_db
ZERO = (D(0), D("0.00"), D(0), D("0.00"))


def test_fifo_then_give_back_across_lots_journal(office, lic, order):
    a = adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=day(1))
    b = adjust_in(office=office, lic=lic, quantity="5", unit_cost="12.00", date=day(2))
    ship(lic=lic, office=office, quantity="7", source=order, date=day(3))
    run(day(3))  # 5 from A ($50.00), 2 from B ($24.00), dated 3 Mar
    give_back(lic=lic, office=office, quantity="3", source=order, date=day(4))
    run(day(4))  # B takes back 2 (-$24.00), A 1 (-$10.00), dated 4 Mar
    assert lines() == [
        *pair(day(1), INV, ADJ, "50.00", "lot"),
        *pair(day(2), INV, ADJ, "60.00", "lot"),
        *pair(day(3), COGS, INV, "50.00", "cogs_entry"),  # A
        *pair(day(3), COGS, INV, "24.00", "cogs_entry"),  # B
        *pair(day(4), COGS, INV, "-24.00", "cogs_entry"),  # B takes back 2: Inventory / COGS
        *pair(day(4), COGS, INV, "-10.00", "cogs_entry"),  # A takes back 1
    ]
    assert_balanced()
    expected = {1: "50.00", 2: "110.00", 3: "36.00", 4: "70.00", 31: "70.00"}
    for n, value in expected.items():
        assert balance(INV, day(n)) == totals(day(n))[1] == D(value), n
    assert balance(COGS, day(3)) == D("74.00") and balance(COGS, day(4)) == D("40.00")
    assert on_hand(a, day(4)) == (D(1), D("10.00")) and on_hand(b, day(4)) == (D(5), D("60.00"))
    assert rolled(day(3), day(4)) == figures(opening_value="110.00", cogs="40.00", closing_value="70.00")


def test_give_back_loop(office, lic, order):
    """Pass 1: 30 allocated (2 Mar), 20 unallocated. Pass 2: the return takes back the 30 (-$120.00,
    3 Mar, the return's date) and the 20 are allocated from what came back (+$80.00, dated 3 Mar:
    stock is never used before it is there again). Pass 3: the last 20 given back (-$80.00). Pass 4:
    nothing. No accrual: the run ends with nothing unallocated."""
    lot = adjust_in(office=office, lic=lic, quantity="30", unit_cost="4.00", date=day(1))
    shipped = ship(lic=lic, office=office, quantity="50", source=order, date=day(2))
    give_back(lic=lic, office=office, quantity="50", source=order, date=day(3), returns=shipped)
    run(day(3))
    assert totals(day(1)) == (D(30), D("120.00"), D(0), D("0.00"))
    assert totals(day(2)) == (D(0), D("0.00"), D(20), D("0.00"))  # 50 shipped, 30 allocated by then
    assert totals(day(3)) == (D(30), D("120.00"), D(0), D("0.00"))
    assert on_hand(lot, day(2)) == (D(0), D("0.00")) and on_hand(lot, day(3)) == (D(30), D("120.00"))
    assert rolled(day(1), day(31)) == figures(lots_in="120.00", cogs="0.00", closing_value="120.00")
    assert rolled(day(2), day(2)) == figures(opening_value="120.00", cogs="120.00", closing_value="0.00")
    assert rolled(day(3), day(3)) == figures(opening_value="0.00", cogs="-120.00", closing_value="120.00")
    assert lines() == [
        *pair(day(1), INV, ADJ, "120.00", "lot"),
        *pair(day(2), COGS, INV, "120.00", "cogs_entry"),
        *pair(day(3), COGS, INV, "-120.00", "cogs_entry"),  # pass 2: the 30 given back
        *pair(day(3), COGS, INV, "80.00", "cogs_entry"),  # pass 2: the 20 allocated
        *pair(day(3), COGS, INV, "-80.00", "cogs_entry"),  # pass 3: the 20 given back
    ]
    assert_balanced()
    assert balance(COGS, day(31)) == D("0.00") and balance(ACCR, day(31)) == D("0.00")
    assert balance(INV, day(2)) == D("0.00") and balance(INV, day(3)) == D("120.00")


def test_rounding_lot_holding_rule(office, lic, order):
    """Lot 3 for $10.00 (unit cost 3.333333); usages of 1 on 2, 3 and 4 March: $3.33, $3.33 and $3.34
    (the remainder). A return of 1 on 6 March naming the third gives back -$3.33 and the run
    re-values the third usage's allocation to its target $3.33 (-$0.01, dated the run's 7 March):
    the lot has $3.34 for its one unit, and the third usage nets to $0.00."""
    lot = adjust_in(office=office, lic=lic, quantity="3", unit_cost="3.333333", date=day(1))
    usages = [ship(lic=lic, office=office, quantity="1", source=order, date=day(n)) for n in (2, 3, 4)]
    run(day(5))
    give_back(lic=lic, office=office, quantity="1", source=order, date=day(6), returns=usages[2])
    run(day(7))
    assert [on_hand(lot, day(n)) for n in (1, 2, 3, 4, 5, 6, 7)] == [
        (D(3), D("10.00")),
        (D(2), D("6.67")),
        (D(1), D("3.34")),
        (D(0), D("0.00")),
        (D(0), D("0.00")),
        (D(1), D("3.33")),  # the give-back on its date; the cent comes back with the revaluation
        (D(1), D("3.34")),
    ]
    assert rolled(day(1), day(31)) == figures(lots_in="10.00", cogs="6.66", closing_value="3.34")
    assert rolled(day(6), day(6)) == figures(opening_value="0.00", cogs="-3.33", closing_value="3.33")
    assert rolled(day(7), day(7)) == figures(opening_value="3.33", cogs="-0.01", closing_value="3.34")
    assert lines() == [
        *pair(day(1), INV, ADJ, "10.00", "lot"),
        *pair(day(2), COGS, INV, "3.33", "cogs_entry"),
        *pair(day(3), COGS, INV, "3.33", "cogs_entry"),
        *pair(day(4), COGS, INV, "3.34", "cogs_entry"),
        *pair(day(6), COGS, INV, "-3.33", "cogs_entry"),  # the give-back
        *pair(day(7), COGS, INV, "-0.01", "cogs_entry"),  # the third usage re-valued to $3.33
    ]
    assert_balanced()
    for n in range(1, 8):
        assert balance(INV, day(n)) == totals(day(n))[1], n


def test_po_with_freight_spread_closed_short(office, vendor, order):
    """PO (1 Mar): A 10 @ $1.00, B 5 @ $2.00, C 2 @ $5.00 (each $10.00) and D 3 @ $4.00, never
    received. Received A, B, C in full on 1 March; 4 A shipped on 2 March and costed at the PO's
    $1.00. Invoice (2 Mar): each line $10.00, freight $0.10: shares 0.0333 -> $0.03 each, the
    remainder cent to the largest line, the lowest line number on the tie: A $0.04. Closed short on
    3 March: A (10.00 + 0.04) / 10 = $1.004, B 10.03 / 5 = $2.006, C 10.03 / 2 = $5.015. The run of
    4 March re-values the 4 A shipped: round(4 x 1.004, 2) = $4.02, +$0.02."""
    a, b, c, d = (LicFactory(code=code) for code in ("A", "B", "C", "D"))
    po = purchasing.create_purchase_order(
        vendor=vendor,
        office=office,
        date=day(1),
        actor=None,
        lines=[
            POLineInput(lic=a, quantity=D(10), unit_cost=D("1.00")),
            POLineInput(lic=b, quantity=D(5), unit_cost=D("2.00")),
            POLineInput(lic=c, quantity=D(2), unit_cost=D("5.00")),
            POLineInput(lic=d, quantity=D(3), unit_cost=D("4.00")),
        ],
    )
    po_lines = list(po.lines.order_by("line_no"))
    receipt = purchasing.receive_purchase_order(
        purchase_order=po,
        date=day(1),
        actor=None,
        lines=[ReceiptLineInput(po_line=line, quantity=line.quantity) for line in po_lines[:3]],
    )
    lot_a, lot_b, lot_c = (line.lot for line in receipt.lines.order_by("line_no"))
    ship(lic=a, office=office, quantity="4", source=order, date=day(2))
    run(day(2))  # 4 x $1.00 = $4.00, dated 2 Mar
    invoice = purchasing.post_vendor_invoice(
        vendor=vendor,
        purchase_order=po,
        number="INV-7",
        date=day(2),
        actor=None,
        freight=D("0.10"),
        lines=[InvoiceLineInput(po_line=line, quantity=line.quantity, amount=D("10.00")) for line in po_lines[:3]],
    )
    assert [x.freight_share for x in invoice.lines.order_by("line_no")] == [D("0.04"), D("0.03"), D("0.03")]
    purchasing.close_purchase_order(purchase_order=po, date=day(3), actor=None)
    run(day(4))
    for lot, cost, value in ((lot_a, "1.004", "10.04"), (lot_b, "2.006", "10.03"), (lot_c, "5.015", "10.03")):
        lot.refresh_from_db()
        assert (lot.unit_cost, lot.value_in) == (D(cost), D(value))
    assert totals(day(1)) == (D(17), D("30.00"), D(0), D("0.00"))
    assert totals(day(2)) == (D(13), D("26.00"), D(0), D("0.00"))
    assert totals(day(3)) == (D(13), D("26.10"), D(0), D("0.00"))  # A 10.04 - 4.00 = 6.04 (the +0.02 not yet)
    assert totals(day(4)) == (D(13), D("26.08"), D(0), D("0.00"))
    assert on_hand(lot_a, day(3)) == (D(6), D("6.04")) and on_hand(lot_a, day(4)) == (D(6), D("6.02"))
    assert rolled(day(1), day(31)) == figures(lots_in="30.00", cost_changes="0.10", cogs="4.02", closing_value="26.08")
    assert rolled(day(3), day(3)) == figures(opening_value="26.00", cost_changes="0.10", closing_value="26.10")
    assert rolled(day(4), day(31)) == figures(opening_value="26.10", cogs="0.02", closing_value="26.08")
    assert lines() == [
        *pair(day(1), INV, RNI, "10.00", "lot"),
        *pair(day(1), INV, RNI, "10.00", "lot"),
        *pair(day(1), INV, RNI, "10.00", "lot"),
        *pair(day(2), COGS, INV, "4.00", "cogs_entry"),
        *pair(day(3), INV, RNI, "0.04", "lot_cost_change"),  # the PO close, per lot
        *pair(day(3), INV, RNI, "0.03", "lot_cost_change"),
        *pair(day(3), INV, RNI, "0.03", "lot_cost_change"),
        *pair(day(4), COGS, INV, "0.02", "cogs_entry"),  # the revaluation of the 4 A shipped
    ]
    assert_balanced()
    assert balance(RNI, day(31)) == D("-30.10") and balance(COGS, day(31)) == D("4.02")
    for n in (1, 2, 3, 4):
        assert balance(INV, day(n)) == totals(day(n))[1], n


def test_production_with_components_returned(office, order):
    """Components: 12 legs issued @ $2.50 on 2 March, 4 returned unused on 3 March (naming the
    issue); labour $6.00 capitalized. 2 stools produced on 4 March (provisional: the components are
    not costed yet, so ($6.00) / 2 = $3.00), released; the run of 5 March costs the legs ($30.00 out,
    $10.00 back: $20.00 net) and recomputes the stool: ($20.00 + $6.00) / 2 = $13.00 (+$20.00)."""
    leg, stool, labour = LicFactory(code="LEG"), LicFactory(code="STOOL"), ServiceLicFactory(code="LABOR")
    adjust_in(office=office, lic=leg, quantity="20", unit_cost="2.50", date=day(1))  # $50.00
    mo = production.create_production_order(
        office=office,
        date=day(2),
        order=order,
        lic=stool,
        estimated_quantity=D(2),
        estimated_unit_cost=D("12.00"),
        actor=None,
    )
    (issued,) = production.issue_components(
        production_order=mo, date=day(2), actor=None, lines=[production.ComponentLine(lic=leg, quantity=D(12))]
    )
    production.issue_components(
        production_order=mo,
        date=day(3),
        actor=None,
        lines=[production.ComponentLine(lic=leg, quantity=D(-4), returns_usage=issued)],
    )
    production.post_job_cost(
        production_order=mo,
        date=day(2),
        lic=labour,
        description="assembly",
        amount=D("6.00"),
        capitalized=True,
        actor=None,
    )
    stools = production.produce(production_order=mo, date=day(4), quantity=D(2), actor=None)
    production.release(production_order=mo, actor=None)
    production.close(production_order=mo, actor=None)
    assert stools.unit_cost == D("3.00")
    run(day(5))
    stools.refresh_from_db()
    assert (stools.unit_cost, stools.value_in) == (D("13.00"), D("26.00"))
    assert totals(day(1)) == (D(20), D("50.00"), D(0), D("0.00"))
    assert totals(day(2)) == (D(8), D("20.00"), D(0), D("0.00"))
    assert totals(day(3)) == (D(12), D("30.00"), D(0), D("0.00"))
    assert totals(day(4)) == (D(14), D("36.00"), D(0), D("0.00"))
    assert totals(day(5)) == (D(14), D("56.00"), D(0), D("0.00"))
    report = selectors.roll_forward(date_from=day(1), date_to=day(31))
    assert {row.lic: row.figures() for row in report.rows} == {
        "LEG": figures(lots_in="50.00", production="20.00", closing_value="30.00"),
        "STOOL": figures(lots_in="6.00", cost_changes="20.00", closing_value="26.00"),
    }
    assert lines() == [
        *pair(day(1), INV, ADJ, "50.00", "lot"),
        *pair(day(2), WIP, CLEAR, "6.00", "job_cost"),
        *pair(day(2), WIP, INV, "30.00", "cogs_entry"),  # 12 legs issued
        *pair(day(3), WIP, INV, "-10.00", "cogs_entry"),  # 4 returned: Inventory / Work in process
        *pair(day(4), INV, WIP, "6.00", "lot"),  # 2 stools at the provisional $3.00
        *pair(day(5), INV, WIP, "20.00", "lot_cost_change"),  # recomputed to $13.00
    ]
    assert_balanced()
    assert balance(WIP, day(4)) == D("20.00") and balance(WIP, day(5)) == D("0.00")
    for n in (1, 2, 3, 4, 5):
        assert balance(INV, day(n)) == totals(day(n))[1], n
    assert journal.journal_violations() == []
