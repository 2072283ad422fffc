"""Production orders, their job cost entries and their produce reports (DOMAIN.md section 5).

Contract with COGS: a production lot's transaction (Lot.transaction_type/transaction_id) is its
ProductionOrder; component usages have source = the ProductionOrder and kind "production".
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.models import TimeStampedModel
from core.money import MoneyField, QuantityField, UnitCostField, plain
from inventory_lots.models import LineItemCode, Lot, Office
from inventory_lots.querysets import scoped


class ProductionStatus(models.TextChoices):
    OPEN = "open", "Open"
    RELEASED = "released", "Released"
    CLOSED = "closed", "Closed"


# The columns of every list of production orders (the page, the admin), in this order.
PRODUCTION_ORDER_COLUMNS = (
    "number",
    "date",
    "office",
    "lic",
    "order",
    "status",
    "estimated_quantity",
    "estimated_unit_cost",
    "lot",
)


class ProductionOrder(TimeStampedModel):
    number = models.CharField(max_length=20, unique=True)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="production_orders")
    date = models.DateField()
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="production_orders",
        help_text="The parent (customer) order, if any.",
    )
    lic = models.ForeignKey(LineItemCode, on_delete=models.PROTECT, related_name="production_orders")
    estimated_quantity = QuantityField()
    estimated_unit_cost = UnitCostField()
    status = models.CharField(max_length=8, choices=ProductionStatus.choices, default=ProductionStatus.OPEN)
    lot = models.OneToOneField(
        Lot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="production_order",
        help_text="The production lot (created by the first produce).",
    )
    released_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = scoped("office").as_manager()  # who sees what: DOMAIN.md section 11

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProductionStatus.values),
                name="production_productionorder_status_valid",
                violation_error_message="Production order status must be open, released or closed.",
            ),
            models.CheckConstraint(
                condition=Q(estimated_quantity__gt=0),
                name="production_productionorder_est_qty_positive",
                violation_error_message="Estimated quantity must be greater than zero.",
            ),
            models.CheckConstraint(
                condition=Q(estimated_unit_cost__gte=0),
                name="production_productionorder_est_cost_not_negative",
                violation_error_message="Estimated unit cost cannot be negative.",
            ),
        ]
        indexes = [
            models.Index(fields=["date", "id"], name="prodorder_date_id"),
            models.Index(fields=["status", "date", "id"], name="prodorder_status_date_id"),
            models.Index(fields=["office", "date", "id"], name="prodorder_office_date_id"),
            models.Index(fields=["lic", "date", "id"], name="prodorder_lic_date_id"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("production:production_order_detail", args=[self.pk])

    @property
    def estimated_value(self) -> Decimal:
        from core.money import extended

        return extended(self.estimated_quantity, self.estimated_unit_cost)


class JobCostEntry(TimeStampedModel):
    """A non-inventoried cost charged to a production order. Immutable once posted; a mistake is
    corrected by one reversing entry (negative amount, ``reverses`` = the original)."""

    production_order = models.ForeignKey(ProductionOrder, on_delete=models.PROTECT, related_name="job_costs")
    date = models.DateField()
    lic = models.ForeignKey(LineItemCode, on_delete=models.PROTECT, related_name="job_costs")
    description = models.CharField(max_length=200)
    amount = MoneyField()
    capitalized = models.BooleanField(default=True)
    vendor = models.ForeignKey(
        "purchasing.Vendor", on_delete=models.PROTECT, null=True, blank=True, related_name="job_costs"
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        help_text="For a reversing entry: the entry it reverses (each entry is reversed at most once).",
    )
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = scoped("production_order__office").as_manager()  # who sees what: DOMAIN.md section 11

    class Meta:
        ordering = ["date", "id"]
        verbose_name = "job cost entry"
        verbose_name_plural = "job cost entries"
        constraints = [
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True) & Q(amount__gt=0)) | (Q(reverses__isnull=False) & Q(amount__lt=0)),
                name="production_jobcostentry_amount_sign",
                violation_error_message="A job cost is a positive amount; only a reversing entry is negative.",
            ),
        ]
        indexes = [
            models.Index(fields=["production_order", "date", "id"], name="jobcost_order_date_id"),
            models.Index(fields=["date", "id"], name="jobcost_date_id"),
        ]

    def __str__(self) -> str:
        return f"JC-{self.pk:06d}" if self.pk else "job cost"

    def get_absolute_url(self) -> str:
        return reverse("production:job_cost_detail", args=[self.pk])

    @property
    def number(self) -> str:
        return str(self)


class ProductionReport(TimeStampedModel):
    """One "produce" action: a quantity added to the order's production lot on a date."""

    production_order = models.ForeignKey(ProductionOrder, on_delete=models.PROTECT, related_name="reports")
    date = models.DateField()
    quantity = QuantityField()
    serial_numbers = models.JSONField(default=list, blank=True)
    mfr_lot_number = models.CharField(max_length=60, blank=True)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = scoped("production_order__office").as_manager()  # who sees what: DOMAIN.md section 11

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="production_productionreport_qty_positive",
                violation_error_message="Produced quantity must be greater than zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.production_order.number} +{plain(self.quantity)}"

    def get_absolute_url(self) -> str:
        return reverse("production:production_order_detail", args=[self.production_order_id])
