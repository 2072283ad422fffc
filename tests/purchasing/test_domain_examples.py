"""DOMAIN.md section 4 worked examples through the services, with exact Decimals."""

from decimal import Decimal

from inventory_lots.models import Lot, LotCostChange
from purchasing.selectors import accrued_section, ordered_purchased_section, ordered_received_section

from .conftest import close, invoice, make_po, receive

D = Decimal


def test_freight_close_makes_35_00_into_35_59(vendor, office, lic, accountant):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "15", "35.00")])
    receipt = receive(po, "15")
    lot = receipt.lines.get().lot
    assert lot.unit_cost == D("35.000000") and lot.value_in == D("525.00")
    inv = invoice(po, "INV-1", ("15", "525.00"), freight="8.85", actor=accountant)
    assert inv.lines.get().freight_share == D("8.85")
    close(po, actor=accountant)
    lot.refresh_from_db()
    assert lot.unit_cost == D("35.590000")
    assert lot.value_in == D("533.85")
    change = LotCostChange.objects.get(lot=lot)
    assert (change.old_unit_cost, change.new_unit_cost, change.cause, change.source_label) == (
        D("35.000000"),
        D("35.590000"),
        "po_closed",
        po.number,
    )
    po.refresh_from_db()
    assert po.status == "closed"


def test_gadgets_accrued_80_then_0(vendor, office, gadget):
    po = make_po(vendor=vendor, office=office, lines=[(gadget, "100", "8.00")])
    lot = receive(po, "10").lines.get().lot
    section = accrued_section(lot)
    assert section.api == {
        "purchased_qty": "0.000000",
        "received_qty": "10.000000",
        "accrued_qty": "10.000000",
        "accrued_value": "80.00",
        "lot_accrued_qty": "10.000000",
        "lot_accrued_value": "80.00",
    }
    invoice(po, "G-1", ("10", "80.00"))
    lot = Lot.objects.get(pk=lot.pk)
    section = accrued_section(lot)
    assert section.api["accrued_value"] == "0.00" and section.api["accrued_qty"] == "0.000000"
    assert section.api["purchased_qty"] == "10.000000"
    op = ordered_purchased_section(lot).api
    assert (op["ordered_qty"], op["ordered_value"], op["purchased_qty"], op["purchased_value"]) == (
        "100.000000",
        "800.00",
        "10.000000",
        "80.00",
    )


def test_textbooks_10_at_29_99(vendor, office, textbook):
    po = make_po(vendor=vendor, office=office, lines=[(textbook, "100", "29.99")])
    lot = receive(po, "10").lines.get().lot
    assert lot.value_in == D("299.90") and lot.qty_in == D("10")
    assert accrued_section(lot).api["accrued_value"] == "299.90"
    received = ordered_received_section(lot).api
    assert received == {
        "ordered_qty": "100.000000",
        "ordered_value": "2999.00",
        "received_qty": "10.000000",
        "received_value": "299.90",
    }
