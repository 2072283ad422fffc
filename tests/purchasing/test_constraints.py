"""PostgreSQL CHECKs of purchasing, proven by writing around Python."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from purchasing.models import PurchaseOrder, PurchaseOrderLine, VendorInvoice, VendorInvoiceLine

from .conftest import DAY, invoice, make_po, receive

D = Decimal


@pytest.fixture
def po(vendor, office, lic):
    return make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])


@pytest.mark.parametrize(
    "changes",
    [
        {"quantity": D("0")},
        {"unit_cost": D("-1")},
        {"quantity_received": D("6")},
        {"quantity_received": D("-1")},
        {"amount_invoiced": D("-0.01")},
        {"freight_allocated": D("-0.01")},
    ],
)
def test_po_line_checks(po, changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseOrderLine.objects.filter(purchase_order=po).update(**changes)


def test_over_receipt_allowed_flag_lifts_the_check(po):
    PurchaseOrderLine.objects.filter(purchase_order=po).update(quantity_received=D("6"), over_receipt_allowed=True)


def test_po_status_checks(po):
    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseOrder.objects.filter(pk=po.pk).update(status="closed")  # closed without a date
    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseOrder.objects.filter(pk=po.pk).update(status="void")


def test_invoice_checks(po):
    receive(po, "5")
    inv = invoice(po, "I-1", ("5", "5.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        VendorInvoice.objects.create(vendor=po.vendor, purchase_order=po, number="I-1", date=DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        VendorInvoice.objects.filter(pk=inv.pk).update(freight=D("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        VendorInvoiceLine.objects.filter(invoice=inv).update(amount=D("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        VendorInvoiceLine.objects.filter(invoice=inv).update(quantity=D("0"))


def test_receipt_line_checks(po):
    from purchasing.models import ReceiptLine

    receipt = receive(po, "2")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReceiptLine.objects.filter(receipt=receipt).update(quantity=D("0"))
    line = receipt.lines.get()
    with pytest.raises(IntegrityError), transaction.atomic():  # a lot is created by one receipt line only
        ReceiptLine.objects.create(receipt=receipt, line_no=2, po_line=line.po_line, quantity=D("1"), lot=line.lot)


def test_saved_values_equal_reloaded(po):
    line = po.lines.get()
    receive(po, "1.5")
    inv = invoice(po, "Q-1", ("1.5", "1.50"), freight="0.10")
    reloaded = PurchaseOrderLine.objects.get(pk=line.pk)
    assert (reloaded.quantity_received, reloaded.amount_invoiced, reloaded.freight_allocated) == (
        D("1.5"),
        D("1.50"),
        D("0.10"),
    )
    assert inv.lines.get().freight_share == VendorInvoiceLine.objects.get(invoice=inv).freight_share == D("0.10")
