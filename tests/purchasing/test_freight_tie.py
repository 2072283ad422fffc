"""DOMAIN.md 4: freight's remainder cent goes to the largest line, the lowest *PO line number* on a
tie, whatever order the vendor invoice lists its lines in."""

from __future__ import annotations

from decimal import Decimal

from purchasing.costing import FreightLine, spread_freight
from purchasing.services import InvoiceLineInput, post_vendor_invoice
from tests.factories import LicFactory

from .conftest import DAY, make_po, receive

D = Decimal


def test_pure_spread_breaks_ties_by_po_line_number():
    # invoice lines 1, 2, 3 carry PO lines 3, 1, 2
    lines = [
        FreightLine(1, D("10.00"), True, po_line_no=3),
        FreightLine(2, D("10.00"), True, po_line_no=1),
        FreightLine(3, D("10.00"), True, po_line_no=2),
    ]
    assert spread_freight(D("0.10"), lines) == {1: D("0.03"), 2: D("0.04"), 3: D("0.03")}


def _three_equal_lines(vendor, office):
    lics = [LicFactory(code=f"EQ{i}") for i in (1, 2, 3)]
    po = make_po(vendor=vendor, office=office, lines=[(lic, "1", "10.00") for lic in lics])
    receive(po, "1", "1", "1")
    return po, {line.line_no: line for line in po.lines.all()}


def test_invoice_in_order_3_1_2_gives_line_1_the_extra_cent(vendor, office):
    po, by_no = _three_equal_lines(vendor, office)
    invoice = post_vendor_invoice(
        vendor=vendor,
        purchase_order=po,
        number="F-312",
        date=DAY,
        freight=D("0.10"),
        actor=None,
        lines=[InvoiceLineInput(po_line=by_no[n], quantity=D("1"), amount=D("10.00")) for n in (3, 1, 2)],
    )
    shares = {line.po_line.line_no: line.freight_share for line in invoice.lines.select_related("po_line")}
    assert shares == {1: D("0.04"), 2: D("0.03"), 3: D("0.03")}
    po.refresh_from_db()
    assert {line.line_no: line.freight_allocated for line in po.lines.all()} == shares


def test_api_invoice_in_order_3_1_2(vendor, office, accountant, api):
    po, by_no = _three_equal_lines(vendor, office)
    response = api(accountant).post(
        "/api/v1/vendor-invoices/",
        {
            "vendor": vendor.code,
            "purchase_order": po.pk,
            "number": "F-312",
            "date": DAY.isoformat(),
            "freight": "0.10",
            "lines": [{"po_line": by_no[n].pk, "quantity": "1", "amount": "10.00"} for n in (3, 1, 2)],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    by_po_line = {line["po_line"]: line["freight_share"] for line in response.json()["lines"]}
    assert by_po_line == {by_no[1].pk: "0.04", by_no[2].pk: "0.03", by_no[3].pk: "0.03"}
