"""Purchasing fixtures: POs, receipts and invoices made through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from purchasing.services import (
    InvoiceLineInput,
    POLineInput,
    ReceiptLineInput,
    close_purchase_order,
    create_purchase_order,
    post_vendor_invoice,
    receive_purchase_order,
)
from tests.factories import LicFactory

D = Decimal
DAY = datetime.date(2026, 3, 1)


def make_po(*, vendor, office, lines, date=DAY, actor=None):
    """``lines``: [(lic, quantity, unit_cost)] with strings for the decimals."""
    return create_purchase_order(
        vendor=vendor,
        office=office,
        date=date,
        actor=actor,
        lines=[POLineInput(lic=lic, quantity=D(q), unit_cost=D(c)) for lic, q, c in lines],
    )


def receive(po, *quantities, date=DAY, actor=None, allow=False, reason="", **extra):
    """Receive ``quantities`` on the PO's lines in order (None or "0" skips a line)."""
    po_lines = list(po.lines.order_by("line_no"))
    inputs = [
        ReceiptLineInput(po_line=line, quantity=D(q), **extra)
        for line, q in zip(po_lines, quantities)
        if q not in (None, "0")
    ]
    return receive_purchase_order(
        purchase_order=po, date=date, lines=inputs, actor=actor, allow_over_receipt=allow, reason=reason
    )


def invoice(po, number, *lines, freight="0", date=DAY, actor=None):
    """``lines``: (quantity, amount) per PO line in order (None skips a line)."""
    po_lines = list(po.lines.order_by("line_no"))
    inputs = [
        InvoiceLineInput(po_line=line, quantity=D(q), amount=D(a))
        for line, item in zip(po_lines, lines)
        if item is not None
        for q, a in [item]
    ]
    return post_vendor_invoice(
        vendor=po.vendor, purchase_order=po, number=number, date=date, lines=inputs, freight=D(freight), actor=actor
    )


def close(po, date=DAY, actor=None):
    return close_purchase_order(purchase_order=po, date=date, actor=actor)


@pytest.fixture
def gadget(db):
    return LicFactory(code="GADGET", description="Gadget")


@pytest.fixture
def textbook(db):
    return LicFactory(code="TEXTBOOK", description="Textbook")


@pytest.fixture
def scanner(db):
    return LicFactory(code="SCANNER", description="Scanner", serialized=True)


@pytest.fixture
def resin(db):
    return LicFactory(code="RESIN", description="Resin", track_by_mfr_lot=True)
