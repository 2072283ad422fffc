"""Demo purchasing data (runs in seed_demo after the ledger core): ~20 POs, receipts (some
partial), vendor invoices (some with freight), a couple of POs closed. Through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal

from core.money import money
from inventory_lots.models import LineItemCode, Office

from . import services
from .models import Vendor

D = Decimal


def seed_vendors() -> None:
    """Five vendors, codes matched ignoring case (an existing "v001" is V001)."""
    for i in range(1, 6):
        Vendor.objects.get_or_create(
            code__iexact=f"V{i:03d}", defaults={"code": f"V{i:03d}", "name": f"Vendor {i} Supply Co."}
        )


def seed(*, rng, actor, today: datetime.date) -> None:
    offices = list(Office.objects.order_by("code"))
    vendors = list(Vendor.objects.order_by("code"))
    lics = list(
        LineItemCode.objects.filter(inventoried=True, serialized=False, track_by_mfr_lot=False)
        .exclude(code__in=["CHAIR"])
        .order_by("code")
    )
    freight_lic = LineItemCode.objects.filter(code="FREIGHT").first()
    if not (offices and vendors and lics):
        return
    start = today - datetime.timedelta(days=40)
    for n in range(20):
        date = start + datetime.timedelta(days=n)
        chosen = rng.sample(lics, k=rng.randint(1, 4))
        lines = [
            services.POLineInput(
                lic=lic,
                quantity=D(rng.choice([10, 12, 15, 20, 24, 50, 100])),
                unit_cost=D(rng.randint(150, 4500)) / 100,
            )
            for lic in chosen
        ]
        if freight_lic is not None and n % 5 == 0:
            lines.append(services.POLineInput(lic=freight_lic, quantity=D(1), unit_cost=D("25.00")))
        po = services.create_purchase_order(
            vendor=vendors[n % len(vendors)], office=offices[n % len(offices)], date=date, lines=lines, actor=actor
        )
        _receive_and_invoice(po, n, date, rng, actor)
    if textbook := LineItemCode.objects.filter(code="TEXTBOOK").first():
        po = services.create_purchase_order(  # DOMAIN.md's textbook example: 10 of 100 received, accrued $299.90
            vendor=vendors[0],
            office=offices[0],
            date=today - datetime.timedelta(days=5),
            actor=actor,
            lines=[services.POLineInput(lic=textbook, quantity=D(100), unit_cost=D("29.99"))],
        )
        services.receive_purchase_order(
            purchase_order=po,
            date=today - datetime.timedelta(days=4),
            actor=actor,
            lines=[services.ReceiptLineInput(po_line=po.lines.get(), quantity=D(10))],
        )


def _receive_and_invoice(po, n: int, date: datetime.date, rng, actor) -> None:
    lines = [line for line in po.lines.select_related("lic").order_by("line_no") if line.lic.inventoried]
    partial = n % 3 == 1
    receipt_inputs = [
        services.ReceiptLineInput(
            po_line=line, quantity=(line.quantity / 2).to_integral_value() if partial else line.quantity
        )
        for line in lines
    ]
    if n % 7 == 6:
        return  # ordered, nothing received yet
    services.receive_purchase_order(
        purchase_order=po, date=date + datetime.timedelta(days=2), lines=receipt_inputs, actor=actor
    )
    if n % 2 == 1:
        return  # received, not invoiced: shows up as accrued inventory
    all_lines = list(po.lines.select_related("lic").order_by("line_no"))
    invoice_lines = []
    for line in all_lines:
        quantity = line.quantity_received if line.lic.inventoried else line.quantity
        if quantity > 0:
            factor = D(rng.choice(["1", "1", "1.02"]))  # some vendors bill a little over the PO price
            invoice_lines.append(
                services.InvoiceLineInput(
                    po_line=line, quantity=quantity, amount=money(quantity * line.unit_cost * factor)
                )
            )
    freight = D(rng.randint(0, 3000)) / 100 if n % 4 == 0 else D("0")
    services.post_vendor_invoice(
        vendor=po.vendor,
        purchase_order=po,
        number=f"INV-{1000 + n}",
        date=date + datetime.timedelta(days=5),
        lines=invoice_lines,
        freight=freight,
        actor=actor,
    )
    if n in (0, 8):
        services.close_purchase_order(purchase_order=po, date=date + datetime.timedelta(days=6), actor=actor)
