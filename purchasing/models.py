"""Vendors (master data), purchase orders, receipts (which create purchase lots) and vendor
invoices (with freight). Same-row invariants are PostgreSQL CHECK constraints; the cross-row
"received never exceeds ordered" rule is kept by the denormalised ``quantity_received`` that the
receiving service updates with F() under the PO-line lock (the CHECK is the backstop)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.codes import code_constraints, validate_code
from core.models import TimeStampedModel
from core.money import MoneyField, QuantityField, UnitCostField
from inventory_lots.models import LineItemCode, Lot, Office
from inventory_lots.querysets import scoped


class Vendor(TimeStampedModel):
    code = models.CharField(max_length=20, unique=True, validators=[validate_code])
    name = models.CharField(max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = code_constraints("vendor", "purchasing", "vendor")

    def __str__(self) -> str:
        return self.code


class POStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class PurchaseOrder(TimeStampedModel):
    number = models.CharField(max_length=20, unique=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="purchase_orders")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="purchase_orders")
    date = models.DateField()
    status = models.CharField(max_length=6, choices=POStatus.choices, default=POStatus.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = scoped("office").as_manager()  # who sees what: DOMAIN.md section 11

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "purchase order"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=POStatus.values),
                name="purchasing_po_status_valid",
                violation_error_message="PO status must be open or closed.",
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_on__isnull=True) | Q(status="closed", closed_on__isnull=False),
                name="purchasing_po_closed_has_date",
                violation_error_message="A closed PO has a closing date; an open one has none.",
            ),
        ]
        indexes = [
            models.Index(fields=["date", "id"], name="po_date_id"),
            models.Index(fields=["vendor", "date", "id"], name="po_vendor_date_id"),
            models.Index(fields=["office", "date", "id"], name="po_office_date_id"),
            models.Index(fields=["status", "date", "id"], name="po_status_date_id"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("purchasing:po_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == POStatus.OPEN


# The columns of a PO's lines wherever they are listed (the admin, the API), in this order.
PO_LINE_COLUMNS = (
    "line_no",
    "lic",
    "quantity",
    "unit_cost",
    "quantity_received",
    "quantity_purchased",
    "amount_invoiced",
    "freight_allocated",
)


class PurchaseOrderLine(models.Model):
    """One PO line. ``quantity_received``, ``quantity_purchased``, ``amount_invoiced`` and
    ``freight_allocated`` are running totals kept by the services under the line lock."""

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="lines")
    line_no = models.PositiveIntegerField()
    lic = models.ForeignKey(LineItemCode, on_delete=models.PROTECT, related_name="+")
    quantity = QuantityField()
    unit_cost = UnitCostField()
    quantity_received = QuantityField(default=Decimal("0"))
    over_receipt_allowed = models.BooleanField(
        default=False, help_text="Set when a receipt explicitly allowed receiving more than ordered."
    )
    quantity_purchased = QuantityField(default=Decimal("0"))
    amount_invoiced = MoneyField(default=Decimal("0.00"))
    freight_allocated = MoneyField(default=Decimal("0.00"))

    objects = scoped("purchase_order__office").as_manager()  # who sees what: DOMAIN.md section 11

    class Meta:
        ordering = ["purchase_order_id", "line_no"]
        verbose_name = "PO line"
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "line_no"], name="purchasing_poline_unique_no"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="purchasing_poline_quantity_positive",
                violation_error_message="Ordered quantity must be greater than zero.",
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0),
                name="purchasing_poline_unit_cost_not_negative",
                violation_error_message="Unit cost cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__gte=0)
                & (Q(quantity_received__lte=F("quantity")) | Q(over_receipt_allowed=True)),
                name="purchasing_poline_received_within_ordered",
                violation_error_message="Received quantity must be between 0 and the ordered quantity.",
            ),
            models.CheckConstraint(
                condition=Q(quantity_purchased__gte=0) & Q(amount_invoiced__gte=0) & Q(freight_allocated__gte=0),
                name="purchasing_poline_invoiced_not_negative",
                violation_error_message="Invoiced quantity, amount and freight cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order.number}/{self.line_no}"

    def get_absolute_url(self) -> str:
        return reverse("purchasing:po_detail", args=[self.purchase_order_id])

    @property
    def quantity_open(self) -> Decimal:
        return max(self.quantity - self.quantity_received, Decimal("0"))

    @property
    def accrued_quantity(self) -> Decimal:
        return max(self.quantity_received - self.quantity_purchased, Decimal("0"))


class Receipt(TimeStampedModel):
    """Goods received on a PO. A reversal is a receipt with ``reverses`` set and negative lines."""

    number = models.CharField(max_length=20, unique=True)
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts")
    date = models.DateField()
    allow_over_receipt = models.BooleanField(default=False)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = scoped("purchase_order__office").as_manager()  # who sees what: DOMAIN.md section 11

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["purchase_order", "date", "id"], name="receipt_po_date_id")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("purchasing:receipt_detail", args=[self.pk])


class ReceiptLine(models.Model):
    """Positive: received goods (creates ``lot``). Negative: a reversal line that brings ``lot``
    back to zero."""

    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="lines")
    line_no = models.PositiveIntegerField()
    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines")
    quantity = QuantityField()
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    mfr_lot_number = models.CharField(max_length=60, blank=True)
    serial_numbers = models.JSONField(default=list, blank=True)

    objects = scoped("receipt__purchase_order__office").as_manager()  # who sees what: DOMAIN.md section 11

    class Meta:
        ordering = ["receipt_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["receipt", "line_no"], name="purchasing_receiptline_unique_no"),
            models.CheckConstraint(
                condition=~Q(quantity=0),
                name="purchasing_receiptline_quantity_not_zero",
                violation_error_message="Receipt quantity cannot be zero.",
            ),
            models.UniqueConstraint(
                fields=["lot"], condition=Q(quantity__gt=0), name="purchasing_receiptline_one_lot_per_line"
            ),
            models.UniqueConstraint(
                fields=["lot"], condition=Q(quantity__lt=0), name="purchasing_receiptline_lot_reversed_once"
            ),
        ]
        indexes = [models.Index(fields=["po_line", "id"], name="receiptline_poline")]

    def __str__(self) -> str:
        return f"{self.receipt.number}/{self.line_no}"

    def get_absolute_url(self) -> str:
        return reverse("purchasing:receipt_detail", args=[self.receipt_id])


class VendorInvoice(TimeStampedModel):
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="invoices")
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=40)
    date = models.DateField()
    freight = MoneyField(default=Decimal("0.00"))
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = scoped("purchase_order__office").as_manager()  # who sees what: DOMAIN.md section 11

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "vendor invoice"
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "number"],
                name="purchasing_invoice_unique_number_per_vendor",
                violation_error_message="This vendor already has an invoice with that number.",
            ),
            models.CheckConstraint(
                condition=Q(freight__gte=0),
                name="purchasing_invoice_freight_not_negative",
                violation_error_message="Freight cannot be negative.",
            ),
        ]
        indexes = [models.Index(fields=["purchase_order", "id"], name="invoice_po")]

    def __str__(self) -> str:
        return f"{self.vendor.code} {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("purchasing:invoice_detail", args=[self.pk])

    @property
    def label(self) -> str:
        return self.number


class VendorInvoiceLine(models.Model):
    invoice = models.ForeignKey(VendorInvoice, on_delete=models.PROTECT, related_name="lines")
    line_no = models.PositiveIntegerField()
    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="invoice_lines")
    quantity = QuantityField()
    amount = MoneyField()
    freight_share = MoneyField(default=Decimal("0.00"))

    objects = scoped("invoice__purchase_order__office").as_manager()  # who sees what: DOMAIN.md section 11

    class Meta:
        ordering = ["invoice_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "line_no"], name="purchasing_invoiceline_unique_no"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="purchasing_invoiceline_quantity_positive",
                violation_error_message="Invoiced quantity must be greater than zero.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(freight_share__gte=0),
                name="purchasing_invoiceline_amounts_not_negative",
                violation_error_message="Invoice amounts cannot be negative.",
            ),
        ]
        indexes = [models.Index(fields=["po_line", "id"], name="invoiceline_poline")]

    def __str__(self) -> str:
        return f"{self.invoice.number}/{self.line_no}"

    def get_absolute_url(self) -> str:
        return reverse("purchasing:invoice_detail", args=[self.invoice_id])
