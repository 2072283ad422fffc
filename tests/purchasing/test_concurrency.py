"""Two clerks receiving the same PO line at once never exceed the ordered quantity (real
parallel connections; lock order: LIC row, then PO lines by pk)."""

from decimal import Decimal

import pytest

from core.errors import DomainError
from inventory_lots.models import Lot
from purchasing.models import PurchaseOrderLine
from purchasing.services import InvoiceLineInput, ReceiptLineInput, post_vendor_invoice, receive_purchase_order
from tests.concurrency import run_concurrently
from tests.factories import LicFactory, OfficeFactory, VendorFactory

from .conftest import DAY, make_po

D = Decimal


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_parallel_receipts_never_exceed_ordered():
    lic = LicFactory(code="PAR-WIDGET")
    po = make_po(vendor=VendorFactory(code="PV"), office=OfficeFactory(code="PO1"), lines=[(lic, "10", "1.00")])
    line = po.lines.get()

    def receive_six():
        return receive_purchase_order(
            purchase_order=po, date=DAY, actor=None, lines=[ReceiptLineInput(po_line=line, quantity=D("6"))]
        )

    for round_no in range(3):  # three rounds of racing clerks
        results = run_concurrently(receive_six, receive_six, receive_six)
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(refused) == (2 if round_no == 0 else 3)
        assert all(isinstance(r, DomainError) and r.code == "over_receipt" for r in refused), refused
    line.refresh_from_db()
    assert line.quantity_received == D("6")
    assert Lot.objects.filter(lic=lic).count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_parallel_receive_and_invoice_on_two_lines_do_not_deadlock():
    a, b = LicFactory(code="PAR-A"), LicFactory(code="PAR-B")
    po = make_po(
        vendor=VendorFactory(code="PV2"),
        office=OfficeFactory(code="PO2"),
        lines=[(a, "100", "1.00"), (b, "100", "1.00")],
    )
    la, lb = po.lines.order_by("line_no")

    def receive_both_reversed():
        return receive_purchase_order(
            purchase_order=po,
            date=DAY,
            actor=None,
            lines=[ReceiptLineInput(po_line=lb, quantity=D("1")), ReceiptLineInput(po_line=la, quantity=D("1"))],
        )

    def receive_both():
        return receive_purchase_order(
            purchase_order=po,
            date=DAY,
            actor=None,
            lines=[ReceiptLineInput(po_line=la, quantity=D("1")), ReceiptLineInput(po_line=lb, quantity=D("1"))],
        )

    counter = iter(range(1000))

    def invoice_both():
        return post_vendor_invoice(
            vendor=po.vendor,
            purchase_order=po,
            number=f"C-{next(counter)}",
            date=DAY,
            actor=None,
            lines=[
                InvoiceLineInput(po_line=lb, quantity=D("1"), amount=D("1")),
                InvoiceLineInput(po_line=la, quantity=D("1"), amount=D("1")),
            ],
        )

    for _ in range(5):
        results = run_concurrently(receive_both_reversed, receive_both, invoice_both, invoice_both)
        assert not any(isinstance(r, Exception) for r in results), results
    rows = dict(PurchaseOrderLine.objects.filter(purchase_order=po).values_list("line_no", "quantity_received"))
    assert rows == {1: D("10"), 2: D("10")}
    assert PurchaseOrderLine.objects.get(pk=la.pk).quantity_purchased == D("10")
