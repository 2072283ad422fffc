"""Reads of purchasing: PO list/detail, per-line figures, the accrued-inventory report and the
purchase lot page's sections (Ordered / Purchased, Ordered / Received, Accrued Inventory)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import DecimalField, F, Prefetch, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Round

from core.money import MAX_DIGITS, MONEY_PLACES, QTY_PLACES, ZERO, extended
from inventory_lots.models import Lot, LotType
from inventory_lots.scope import EVERYTHING, Scope
from inventory_lots.sections import Section, register

from .costing import accrued_quantity, lot_accrued_quantity
from .models import PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine, VendorInvoice, VendorInvoiceLine


def po_list(scope: Scope = EVERYTHING) -> QuerySet[PurchaseOrder]:
    return PurchaseOrder.objects.visible_to(scope).select_related("vendor", "office").order_by("-date", "-id")


def po_detail(po_id: int, scope: Scope = EVERYTHING) -> PurchaseOrder:
    return (
        PurchaseOrder.objects.visible_to(scope)
        .select_related("vendor", "office", "created_by", "closed_by")
        .get(pk=po_id)
    )


@dataclass(frozen=True)
class LineFigures:
    """Ordered / received / invoiced / accrued of one PO line (DOMAIN.md 4)."""

    line: PurchaseOrderLine
    ordered_qty: Decimal
    ordered_value: Decimal
    received_qty: Decimal
    purchased_qty: Decimal
    purchased_value: Decimal
    freight_allocated: Decimal
    accrued_qty: Decimal
    accrued_value: Decimal


def line_figures(line: PurchaseOrderLine) -> LineFigures:
    accrued = accrued_quantity(line.quantity_received, line.quantity_purchased)
    return LineFigures(
        line=line,
        ordered_qty=line.quantity,
        ordered_value=extended(line.quantity, line.unit_cost),
        received_qty=line.quantity_received,
        purchased_qty=line.quantity_purchased,
        purchased_value=line.amount_invoiced,
        freight_allocated=line.freight_allocated,
        accrued_qty=accrued,
        accrued_value=extended(accrued, line.unit_cost),
    )


def po_lines(po: PurchaseOrder) -> list[LineFigures]:
    return [line_figures(line) for line in po.lines.select_related("lic").order_by("line_no")]


def po_receipts(po: PurchaseOrder) -> QuerySet[Receipt]:
    return (
        po.receipts.select_related("reverses", "created_by")
        .prefetch_related(Prefetch("lines", queryset=ReceiptLine.objects.select_related("po_line__lic", "lot")))
        .annotate(reversal_id=F("reversed_by__id"))
        .order_by("date", "id")
    )


def po_invoices(po: PurchaseOrder) -> QuerySet[VendorInvoice]:
    return (
        po.invoices.select_related("vendor")
        .prefetch_related(Prefetch("lines", queryset=VendorInvoiceLine.objects.select_related("po_line__lic")))
        .order_by("date", "id")
    )


def receipt_detail(receipt_id: int, scope: Scope = EVERYTHING) -> Receipt:
    return (
        Receipt.objects.visible_to(scope)
        .select_related("purchase_order__vendor", "purchase_order__office", "reverses", "created_by")
        .get(pk=receipt_id)
    )


def receipt_reversal(receipt: Receipt) -> Receipt | None:
    return Receipt.objects.filter(reverses=receipt).first()


def invoice_detail(invoice_id: int, scope: Scope = EVERYTHING) -> VendorInvoice:
    return (
        VendorInvoice.objects.visible_to(scope)
        .select_related("vendor", "purchase_order", "created_by")
        .get(pk=invoice_id)
    )


# --- accrued inventory -----------------------------------------------------------------------

_QTY = DecimalField(max_digits=MAX_DIGITS, decimal_places=QTY_PLACES)
_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=MONEY_PLACES)


def accrued_lines(scope: Scope = EVERYTHING) -> QuerySet[PurchaseOrderLine]:
    """Every PO line with inventory received but not invoiced, with its accrued qty and value
    (``(received − purchased) × PO unit cost`` rounded half up to cents, as PostgreSQL rounds)."""
    return (
        PurchaseOrderLine.objects.visible_to(scope)
        .filter(quantity_received__gt=F("quantity_purchased"))
        .select_related("purchase_order__vendor", "purchase_order__office", "lic")
        .annotate(
            accrued_qty=F("quantity_received") - F("quantity_purchased"),
            accrued_value=Round(
                (F("quantity_received") - F("quantity_purchased")) * F("unit_cost"), MONEY_PLACES, output_field=_MONEY
            ),
        )
        .order_by("purchase_order__vendor__code", "purchase_order__date", "purchase_order_id", "line_no")
    )


def accrued_by_vendor(lines: QuerySet[PurchaseOrderLine]) -> list[dict]:
    rows = (
        lines.order_by()
        .values("purchase_order__vendor__code", "purchase_order__vendor__name")
        .annotate(total=Coalesce(Sum("accrued_value"), Value(Decimal("0.00")), output_field=_MONEY))
        .order_by("purchase_order__vendor__code")
    )
    return [
        {"vendor": r["purchase_order__vendor__code"], "name": r["purchase_order__vendor__name"], "total": r["total"]}
        for r in rows
    ]


# --- the purchase lot page ---------------------------------------------------------------------


@dataclass(frozen=True)
class LotPurchaseContext:
    receipt_line: ReceiptLine
    figures: LineFigures
    lot_accrued_qty: Decimal
    invoices: list[VendorInvoice]


def _receipt_line_type_id() -> int:
    return ContentType.objects.get_for_model(ReceiptLine).pk  # cached by ContentTypeManager


def lot_purchase_context(lot: Lot) -> LotPurchaseContext | None:
    """The PO line a purchase lot belongs to, with its figures (3 queries, cached on the lot so the
    three sections share them); None for production and adjustment lots."""
    if lot.type != LotType.PURCHASE or lot.transaction_type_id != _receipt_line_type_id():
        return None
    cached = getattr(lot, "_purchase_context", False)
    if cached is not False:
        return cached
    receipt_line = (
        ReceiptLine.objects.select_related("receipt", "po_line__lic", "po_line__purchase_order__vendor")
        .filter(pk=lot.transaction_id)
        .first()
    )
    context = None
    if receipt_line is not None:
        po_line = receipt_line.po_line
        lots = list(
            Lot.objects.filter(pk__in=ReceiptLine.objects.filter(po_line=po_line, quantity__gt=0).values("lot_id"))
            .order_by("id")
            .values_list("id", "qty_in")
        )
        invoices = list(VendorInvoice.objects.filter(lines__po_line=po_line).distinct().order_by("date", "id"))
        context = LotPurchaseContext(
            receipt_line=receipt_line,
            figures=line_figures(po_line),
            lot_accrued_qty=lot_accrued_quantity(lots, po_line.quantity_purchased, lot.pk),
            invoices=invoices,
        )
    lot._purchase_context = context
    return context


def _s(value: Decimal) -> str:
    return str(value)


_NO_PO_TEMPLATE = "purchasing/_section_no_po.html"


def _no_po_section(key: str, title: str) -> Section:
    """A purchase lot with no PO (an adjustment lot): the API shows the key as null (API.md), the
    page omits the section (DOMAIN.md 4)."""
    return Section(key=key, title=title, template=_NO_PO_TEMPLATE, context={}, api=None, page=False)


def _purchase_section(key: str, title: str, template: str):
    """A lot page section of purchase lots: ``build(lot, ctx)`` gives the section's page context and
    API figures for a lot received on a PO; other lots have no such section, and a purchase lot with
    no PO (an adjustment lot) has the empty one (``_no_po_section``)."""

    def decorate(build):
        @functools.wraps(build)
        def section(lot: Lot) -> Section | None:
            if lot.type != LotType.PURCHASE:
                return None
            ctx = lot_purchase_context(lot)
            if ctx is None:
                return _no_po_section(key, title)
            context, api = build(lot, ctx)
            return Section(key=key, title=title, template=template, context=context, api=api)

        return section

    return decorate


@_purchase_section("ordered_purchased", "Ordered / Purchased", "purchasing/_section_ordered_purchased.html")
def ordered_purchased_section(lot: Lot, ctx) -> tuple[dict, dict]:
    f = ctx.figures
    data = {
        "ordered_qty": f.ordered_qty,
        "ordered_value": f.ordered_value,
        "purchased_qty": f.purchased_qty,
        "purchased_value": f.purchased_value,
    }
    api = {k: _s(v) for k, v in data.items()}
    api["freight_allocated"] = _s(f.freight_allocated)
    return {"f": f, "ctx": ctx, "po": ctx.receipt_line.po_line.purchase_order}, api


@_purchase_section("ordered_received", "Ordered / Received", "purchasing/_section_ordered_received.html")
def ordered_received_section(lot: Lot, ctx) -> tuple[dict, dict]:
    f = ctx.figures
    data = {
        "ordered_qty": f.ordered_qty,
        "ordered_value": f.ordered_value,
        "received_qty": f.received_qty,
        "received_value": extended(f.received_qty, lot.unit_cost),
    }
    return {"d": data}, {k: _s(v) for k, v in data.items()}


@_purchase_section("accrued", "Accrued Inventory", "purchasing/_section_accrued.html")
def accrued_section(lot: Lot, ctx) -> tuple[dict, dict]:
    f = ctx.figures
    data = {
        "purchased_qty": f.purchased_qty,
        "received_qty": f.received_qty,
        "accrued_qty": f.accrued_qty,
        "accrued_value": f.accrued_value,
    }
    lot_data = {
        "lot_accrued_qty": ctx.lot_accrued_qty,
        "lot_accrued_value": extended(ctx.lot_accrued_qty, f.line.unit_cost),
    }
    api = {k: _s(v) for k, v in {**data, **lot_data}.items()}
    return {"d": data, "lot": lot_data, "unit_cost": f.line.unit_cost}, api


def register_sections() -> None:
    register(20, ordered_purchased_section)
    register(30, ordered_received_section)
    register(40, accrued_section)


__all__ = ["ZERO"]


def lot_accrued_value_expression():
    """The lot's accrued inventory value as a SQL expression over ``inventory_lots_lot`` rows
    (for the lot export): the same rule as ``costing.lot_accrued_quantity`` — invoices cover the
    line's lots oldest first — times the PO unit cost, rounded to cents. NULL for lots that are
    not from a receipt (adjustment and production lots), which pay no subquery (CASE)."""
    from django.db.models import DecimalField
    from django.db.models.expressions import RawSQL

    sql = """
    CASE WHEN inventory_lots_lot.transaction_type_id = %s THEN (
        SELECT round(LEAST(GREATEST(inventory_lots_lot.qty_in - GREATEST(pl.quantity_purchased - COALESCE((
                    SELECT sum(l3.qty_in) FROM purchasing_receiptline rl3
                    JOIN inventory_lots_lot l3 ON l3.id = rl3.lot_id
                    WHERE rl3.po_line_id = pl.id AND rl3.quantity > 0 AND l3.id < inventory_lots_lot.id), 0), 0), 0),
                inventory_lots_lot.qty_in) * pl.unit_cost, 2)
        FROM purchasing_receiptline rl JOIN purchasing_purchaseorderline pl ON pl.id = rl.po_line_id
        WHERE rl.lot_id = inventory_lots_lot.id AND rl.quantity > 0)
    END"""
    # constant SQL, the one value bound as a parameter
    return RawSQL(sql, [_receipt_line_type_id()], output_field=DecimalField(max_digits=18, decimal_places=2))  # noqa: S611


# the receipt lines dated after a count's date (a receipt's reversal: -quantity) on lots dated on or before
# it: what those lots' qty_in changed by since (inventory_lots.counts.register_later_quantity)
LATER_RECEIPT_LINES = """SELECT l.lic_id, rl.quantity FROM purchasing_receiptline rl
    JOIN purchasing_receipt r ON r.id = rl.receipt_id
    JOIN inventory_lots_lot l ON l.id = rl.lot_id
    WHERE l.office_id = %(office)s AND l.date <= %(d)s AND l.lic_id = ANY(%(lics)s) AND r.date > %(d)s"""
