"""Purchasing services: receiving, reversal, invoices with freight, closing (exact Decimals)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from core.errors import StateConflict, ValidationFailed
from inventory_lots.models import InventoryUsage, Lot, LotCostChange, LotSerial
from inventory_lots.services import record_usage, set_lock_date
from purchasing import services
from purchasing.models import PurchaseOrderLine, Receipt, ReceiptLine, VendorInvoice
from purchasing.selectors import accrued_by_vendor, accrued_lines, accrued_section
from tests.factories import VendorFactory

from .conftest import DAY, close, invoice, make_po, receive

D = Decimal


def test_po_number_and_lines(vendor, office, lic, service_lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "3", "1.50"), (service_lic, "1", "20")])
    assert po.number.startswith("PO-") and po.status == "open"
    assert [(line.line_no, line.lic.code, line.quantity, line.unit_cost) for line in po.lines.all()] == [
        (1, "WIDGET", D("3"), D("1.5")),
        (2, "LABOR", D("1"), D("20")),
    ]
    other = make_po(vendor=vendor, office=office, lines=[(lic, "1", "1")])
    assert other.number != po.number


def test_po_refuses_bad_lines(vendor, office, lic):
    with pytest.raises(ValidationFailed) as exc:
        make_po(vendor=vendor, office=office, lines=[(lic, "0", "1.00")])
    assert exc.value.field == "lines[0].quantity" and exc.value.message == "Line 1: Quantity cannot be zero."
    with pytest.raises(ValidationFailed) as exc:
        make_po(vendor=vendor, office=office, lines=[(lic, "1", "-1.00")])
    assert exc.value.message == "Line 1: Unit cost cannot be negative."
    with pytest.raises(ValidationFailed):
        make_po(vendor=vendor, office=office, lines=[])
    assert not PurchaseOrderLine.objects.exists()


def test_partial_receipts_make_one_lot_each(vendor, office, lic, clerk):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "10", "4.25")])
    first = receive(po, "4", actor=clerk)
    second = receive(po, "6", date=DAY + datetime.timedelta(days=1))
    lots = [first.lines.get().lot, second.lines.get().lot]
    assert [lot.qty_in for lot in lots] == [D("4"), D("6")]
    lot = lots[0]
    assert lot.type == "purchase" and lot.unit_cost == D("4.25") and lot.value_in == D("17.00")
    assert lot.transaction_type == ContentType.objects.get_for_model(ReceiptLine)
    assert lot.transaction_id == first.lines.get().pk and lot.transaction_label == f"{first.number}/1"
    assert lot.parent_order_id == po.pk and lot.parent_order_label == po.number
    assert first.lines.get().get_absolute_url() == first.get_absolute_url()
    line = po.lines.get()
    assert line.quantity_received == D("10")


def test_over_receipt_refused_unless_allowed(vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "10", "1.00")])
    receive(po, "8")
    with pytest.raises(ValidationFailed) as exc:
        receive(po, "3")
    assert exc.value.code == "over_receipt" and exc.value.field == "lines[0].quantity"
    assert exc.value.message.startswith("Line 1: Only 2 of WIDGET is still open on PO line 1 (ordered 10, received 8)")
    assert Lot.objects.count() == 1
    with pytest.raises(ValidationFailed) as exc:
        receive(po, "3", allow=True, reason="  ")
    assert (exc.value.code, exc.value.field) == ("over_receipt_reason_required", "reason")
    assert Lot.objects.count() == 1 and po.lines.get().quantity_received == D("8")
    receipt = receive(po, "3", allow=True, reason="Vendor shipped a full case; agreed by phone")
    line = po.lines.get()
    assert line.quantity_received == D("11") and line.over_receipt_allowed
    assert receipt.reason == "Vendor shipped a full case; agreed by phone"


def test_allowing_over_receipt_needs_no_reason_when_nothing_is_over(vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "10", "1.00")])
    receipt = receive(po, "10", allow=True)
    assert receipt.reason == "" and not po.lines.get().over_receipt_allowed


def test_two_receipt_lines_on_one_po_line_are_summed(vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    line = po.lines.get()
    with pytest.raises(ValidationFailed) as exc:
        services.receive_purchase_order(
            purchase_order=po,
            date=DAY,
            actor=None,
            lines=[
                services.ReceiptLineInput(po_line=line, quantity=D("3")),
                services.ReceiptLineInput(po_line=line, quantity=D("3")),
            ],
        )
    assert exc.value.field == "lines[1].quantity"
    assert not Lot.objects.exists()


def test_non_inventoried_line_is_not_received(vendor, office, service_lic):
    po = make_po(vendor=vendor, office=office, lines=[(service_lic, "1", "50.00")])
    with pytest.raises(ValidationFailed) as exc:
        receive(po, "1")
    assert exc.value.message == "Line 1: LABOR on line 1 is not inventoried: non-inventoried lines are not received."


def test_closed_po_refuses_receipt_with_409(vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    close(po)
    with pytest.raises(StateConflict) as exc:
        receive(po, "1")
    assert exc.value.status == 409
    assert exc.value.message == f"Purchase order {po.number} is closed: nothing more can be received or invoiced on it."


def test_line_of_another_po_is_refused(vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    other = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    with pytest.raises(ValidationFailed) as exc:
        services.receive_purchase_order(
            purchase_order=po,
            date=DAY,
            actor=None,
            lines=[services.ReceiptLineInput(po_line=other.lines.get(), quantity=D("1"))],
        )
    assert exc.value.code == "po_line_mismatch"


def test_serialized_needs_distinct_serials_unique_per_lic(vendor, office, scanner):
    po = make_po(vendor=vendor, office=office, lines=[(scanner, "4", "100.00")])
    with pytest.raises(ValidationFailed) as exc:
        receive(po, "2", serial_numbers=("A1",))
    assert exc.value.code == "serial_count_mismatch"
    receipt = receive(po, "2", serial_numbers=("A1", "A2"))
    assert sorted(receipt.lines.get().lot.serials.values_list("serial_number", flat=True)) == ["A1", "A2"]
    assert receipt.lines.get().serial_numbers == ["A1", "A2"]
    with pytest.raises(ValidationFailed) as exc:
        receive(po, "2", serial_numbers=("A2", "A3"))
    assert exc.value.code == "serial_taken" and "A2" in exc.value.message
    assert Lot.objects.count() == 1


def test_mfr_lot_required(vendor, office, resin):
    po = make_po(vendor=vendor, office=office, lines=[(resin, "5", "18.40")])
    with pytest.raises(ValidationFailed) as exc:
        receive(po, "5")
    assert exc.value.code == "mfr_lot_required" and exc.value.field == "lines[0].mfr_lot_number"
    lot = receive(po, "5", mfr_lot_number="M-77").lines.get().lot
    assert lot.mfr_lot_number == "M-77" and lot.track_by_mfr_lot


def test_lock_date_refuses_receipt_and_invoice(vendor, office, lic, accountant):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    set_lock_date(date=DAY, actor=accountant)
    with pytest.raises(ValidationFailed) as exc:
        receive(po, "1")
    assert exc.value.code == "date_locked"
    with pytest.raises(ValidationFailed):
        invoice(po, "X", ("1", "1.00"))
    receive(po, "1", date=DAY + datetime.timedelta(days=1))


def test_freight_spread_remainder_to_largest_then_lowest_line(vendor, office, lic, service_lic):
    from tests.factories import LicFactory

    other = LicFactory(code="OTHER")
    po = make_po(vendor=vendor, office=office, lines=[(lic, "1", "1"), (other, "1", "1"), (service_lic, "1", "1")])
    inv = invoice(po, "F-1", ("1", "1.00"), ("1", "1.00"), ("1", "5.00"), freight="10.00")
    shares = dict(inv.lines.values_list("line_no", "freight_share"))
    assert shares == {1: D("5.00"), 2: D("5.00"), 3: D("0.00")}
    po2 = make_po(vendor=vendor, office=office, lines=[(lic, "3", "1"), (other, "3", "1")])
    inv = invoice(po2, "F-2", ("1", "100.00"), ("1", "200.00"), freight="0.10")
    # 0.10 x 1/3 = 0.03, 0.10 x 2/3 = 0.07: ties the total with no remainder
    assert dict(inv.lines.values_list("line_no", "freight_share")) == {1: D("0.03"), 2: D("0.07")}
    po3 = make_po(vendor=vendor, office=office, lines=[(lic, "3", "1"), (other, "3", "1")])
    inv = invoice(po3, "F-3", ("1", "50.00"), ("1", "50.00"), freight="0.05")
    # 0.025 -> 0.03 each (half up) = 0.06: the -0.01 goes to line 1 (tie: lowest line number)
    assert dict(inv.lines.values_list("line_no", "freight_share")) == {1: D("0.02"), 2: D("0.03")}


def test_freight_needs_an_inventoried_line(vendor, office, service_lic):
    po = make_po(vendor=vendor, office=office, lines=[(service_lic, "1", "50")])
    with pytest.raises(ValidationFailed) as exc:
        invoice(po, "F", ("1", "50.00"), freight="5.00")
    assert exc.value.code == "freight_without_lines"
    assert not VendorInvoice.objects.exists()


def test_invoice_refusals(vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    invoice(po, "N-1", ("5", "5.00"))
    with pytest.raises(ValidationFailed) as exc:
        invoice(po, "N-1", ("1", "1.00"))
    assert exc.value.message == "Vendor ACME already has an invoice numbered N-1."
    other_vendor = VendorFactory(code="OTHER")
    with pytest.raises(ValidationFailed) as exc:
        services.post_vendor_invoice(
            vendor=other_vendor,
            purchase_order=po,
            number="N-2",
            date=DAY,
            actor=None,
            lines=[services.InvoiceLineInput(po_line=po.lines.get(), quantity=D("1"), amount=D("1"))],
        )
    assert exc.value.code == "vendor_mismatch"
    po2 = make_po(vendor=other_vendor, office=office, lines=[(lic, "5", "1.00")])
    invoice(po2, "N-1", ("5", "5.00"))  # same number, another vendor: fine
    close(po2)
    with pytest.raises(StateConflict):
        invoice(po2, "N-9", ("1", "1.00"))
    assert VendorInvoice.objects.count() == 2


def test_close_short_and_lines_with_nothing_received(vendor, office, lic, textbook):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "20", "10.00"), (textbook, "5", "29.99")])
    lot_a = receive(po, "4").lines.get().lot
    lot_b = receive(po, "6").lines.get().lot
    invoice(po, "S-1", ("10", "103.00"), freight="2.00")
    close(po)
    for lot in (lot_a, lot_b):
        lot.refresh_from_db()
        assert lot.unit_cost == D("10.500000")  # (103.00 + 2.00) / 10, the same for every lot of the line
    assert lot_a.value_in == D("42.00") and lot_b.value_in == D("63.00")
    assert LotCostChange.objects.filter(cause="po_closed", source_label=po.number).count() == 2
    assert PurchaseOrderLine.objects.get(purchase_order=po, line_no=2).quantity_received == 0


def test_close_refused_while_received_not_invoiced(vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "10", "1.00")])
    receive(po, "10")
    invoice(po, "P-1", ("4", "4.00"))
    with pytest.raises(StateConflict) as exc:
        close(po)
    assert exc.value.message == (
        "Line 1 (WIDGET) has 10 received but only 4 invoiced: enter the vendor invoice before closing the PO."
    )
    po.refresh_from_db()
    assert po.status == "open" and not LotCostChange.objects.exists()


def test_close_unit_cost_keeps_six_places(vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "3", "3.33")])
    lot = receive(po, "3").lines.get().lot
    invoice(po, "R-1", ("3", "10.00"))
    close(po)
    lot.refresh_from_db()
    assert lot.unit_cost == D("3.333333") and lot.value_in == D("10.00")


def test_per_lot_accrual_follows_receipt_order(vendor, office, gadget):
    po = make_po(vendor=vendor, office=office, lines=[(gadget, "100", "8.00")])
    first = receive(po, "10").lines.get().lot
    second = receive(po, "10").lines.get().lot
    invoice(po, "G-1", ("15", "120.00"))
    a = accrued_section(Lot.objects.get(pk=first.pk)).api
    b = accrued_section(Lot.objects.get(pk=second.pk)).api
    assert (a["accrued_qty"], a["accrued_value"]) == ("5.000000", "40.00")  # the PO line's figures
    assert (a["lot_accrued_qty"], b["lot_accrued_qty"]) == ("0.000000", "5.000000")
    assert b["lot_accrued_value"] == "40.00"


def test_accrued_report_lines_and_vendor_totals(vendor, office, gadget, textbook):
    po = make_po(vendor=vendor, office=office, lines=[(gadget, "100", "8.00"), (textbook, "100", "29.99")])
    receive(po, "10", "10")
    invoice(po, "A-1", ("10", "80.00"))
    other = VendorFactory(code="BETA")
    po2 = make_po(vendor=other, office=office, lines=[(gadget, "3", "0.333333")])
    receive(po2, "1")
    lines = accrued_lines()
    assert [(line.lic.code, line.accrued_qty, line.accrued_value) for line in lines] == [
        ("TEXTBOOK", D("10"), D("299.90")),
        ("GADGET", D("1"), D("0.33")),
    ]
    assert accrued_by_vendor(lines) == [
        {"vendor": "ACME", "name": "Acme Supply", "total": D("299.90")},
        {"vendor": "BETA", "name": other.name, "total": D("0.33")},
    ]


def test_reverse_receipt_brings_lots_to_zero(vendor, office, scanner, accountant):
    po = make_po(vendor=vendor, office=office, lines=[(scanner, "2", "100.00")])
    receipt = receive(po, "2", serial_numbers=("S1", "S2"))
    lot = receipt.lines.get().lot
    reversal = services.reverse_receipt(receipt=receipt, date=DAY, reason="Wrong vendor", actor=accountant)
    lot.refresh_from_db()
    assert lot.qty_in == 0 and lot.status == "closed" and lot.value_in == D("0.00")
    assert reversal.reverses == receipt and reversal.lines.get().quantity == D("-2") and reversal.lines.get().lot == lot
    assert po.lines.get().quantity_received == 0
    assert Receipt.objects.filter(pk=receipt.pk).exists() and receipt.lines.get().quantity == D("2")
    assert not LotSerial.objects.exists()
    again = receive(po, "2", serial_numbers=("S1", "S2"))  # the serials are free again
    assert again.lines.get().lot.qty_in == D("2")
    with pytest.raises(StateConflict) as exc:
        services.reverse_receipt(receipt=receipt, date=DAY, reason="again", actor=accountant)
    assert exc.value.code == "already_reversed"
    with pytest.raises(StateConflict):
        services.reverse_receipt(receipt=reversal, date=DAY, reason="again", actor=accountant)


def test_reverse_refused_once_a_lot_is_used(vendor, office, lic, accountant):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    receipt = receive(po, "5")
    lot = receipt.lines.get().lot
    record_usage(
        lic=lic,
        office=office,
        date=DAY,
        quantity=D("1"),
        kind="adjustment",
        source=receipt,
        source_label="test",
        actor=None,
        lot=lot,
    )
    with pytest.raises(StateConflict) as exc:
        services.reverse_receipt(receipt=receipt, date=DAY, reason="x", actor=accountant)
    assert exc.value.message == (
        f"Lot {lot.number} of receipt {receipt.number} has been used: a receipt can be "
        "reversed only while its lots are unused."
    )
    assert not Receipt.objects.filter(reverses=receipt).exists()
    assert InventoryUsage.objects.count() == 1
    lot.refresh_from_db()
    assert lot.qty_in == D("5")


def test_reverse_refused_when_qty_used(vendor, office, lic, accountant):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    receipt = receive(po, "5")
    Lot.objects.filter(pk=receipt.lines.get().lot_id).update(qty_used=D("1"))  # as a COGS allocation would
    with pytest.raises(StateConflict):
        services.reverse_receipt(receipt=receipt, date=DAY, reason="x", actor=accountant)
    with pytest.raises(ValidationFailed):
        services.reverse_receipt(receipt=receipt, date=DAY, reason=" ", actor=accountant)


def test_reverse_refused_for_a_receipt_in_closed_books(vendor, office, lic, accountant):
    """Reversing brings the lot's quantity in to 0: a receipt dated on or before the lock date would
    change closed books, so it is refused (whatever the reversal's own date), and nothing is written."""
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "2.00")])
    receipt = receive(po, "5")
    set_lock_date(date=DAY, actor=accountant)
    later = DAY + datetime.timedelta(days=3)
    with pytest.raises(StateConflict) as exc:
        services.reverse_receipt(receipt=receipt, date=later, reason="wrong vendor", actor=accountant)
    assert exc.value.code == "receipt_locked"
    assert exc.value.message == (
        f"Receipt {receipt.number} is dated 2026-03-01, on or before the lock date 2026-03-01: its lots are in "
        "closed books and cannot be reversed. Post a negative inventory adjustment in an open period instead."
    )
    lot = receipt.lines.get().lot
    lot.refresh_from_db()
    assert lot.qty_in == D("5") and not Receipt.objects.filter(reverses=receipt).exists()
    assert po.lines.get().quantity_received == D("5")


def test_reverse_allowed_for_a_receipt_after_the_lock_date(vendor, office, lic, accountant):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "2.00")])
    receipt = receive(po, "5", date=DAY + datetime.timedelta(days=1))
    set_lock_date(date=DAY, actor=accountant)
    reversal = services.reverse_receipt(
        receipt=receipt, date=DAY + datetime.timedelta(days=2), reason="x", actor=accountant
    )
    assert reversal.lines.get().quantity == D("-5")


def test_identifiers_are_stored_without_bidi_controls(vendor, office, scanner, resin, lic):
    """A serial, a manufacturer lot or an invoice number that displays differently from what it
    says would let a look-alike identifier through: the controls are dropped, so the look-alike
    is the identifier it looks like (and a repeat of it is refused as one)."""
    po = make_po(vendor=vendor, office=office, lines=[(scanner, "4", "100.00")])
    receipt = receive(po, "2", serial_numbers=("\u202eA1\u202c", "A2\u200f"))
    assert sorted(receipt.lines.get().lot.serials.values_list("serial_number", flat=True)) == ["A1", "A2"]
    with pytest.raises(ValidationFailed) as exc:
        receive(po, "1", serial_numbers=("\u2066A1\u2069",))
    assert exc.value.code == "serial_taken"
    resin_po = make_po(vendor=vendor, office=office, lines=[(resin, "5", "18.40")])
    assert receive(resin_po, "5", mfr_lot_number="M-\u202e77").lines.get().lot.mfr_lot_number == "M-77"
    po2 = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    assert invoice(po2, "N-\u200e1", ("5", "5.00")).number == "N-1"
    with pytest.raises(ValidationFailed) as exc:
        invoice(po2, "N-1\u202c", ("1", "1.00"))
    assert exc.value.code == "duplicate_invoice_number"
