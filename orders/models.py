"""Customers and customer orders (the "parent order" of production orders and shipments)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.codes import code_constraints, validate_code
from core.models import TimeStampedModel
from core.money import QuantityField
from inventory_lots.models import InventoryUsage, LineItemCode, Office
from inventory_lots.querysets import scoped

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .services import StockWarning


class Customer(TimeStampedModel):
    code = models.CharField(max_length=20, unique=True, validators=[validate_code])
    name = models.CharField(max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = code_constraints("customer", "orders", "customer")

    def __str__(self) -> str:
        return self.code


class OrderStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Order(TimeStampedModel):
    number = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="orders")
    date = models.DateField()
    status = models.CharField(max_length=6, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    history = HistoricalRecords()
    # set before a save, for the audit history: who changed the order and why (not columns)
    _history_user: User | None
    _change_reason: str | None

    objects = scoped("office").as_manager()  # who sees what: DOMAIN.md section 11

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["date", "id"], name="order_date_id")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values),
                name="orders_order_status_valid",
                violation_error_message="Order status must be open or closed.",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:order_detail", args=[self.pk])


class Shipment(TimeStampedModel):
    """Goods shipped to the customer against an order; each line writes one shipment usage."""

    warnings: list[StockWarning]  # set by post_shipment on the shipment it returns (not a column)
    number = models.CharField(max_length=20, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    date = models.DateField()
    # DOMAIN.md 9: a customer return is reversed by a shipment (its lines put back what the return took)
    reverses_return = models.OneToOneField(
        "CustomerReturn",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        help_text="For a reversal: the customer return it reverses.",
    )
    reason = models.CharField(max_length=200, blank=True, default="", help_text="Why it was reversed (a reversal).")
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = scoped("order__office").as_manager()  # who sees what: DOMAIN.md section 11

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["date", "id"], name="shipment_date_id"),
            models.Index(fields=["order", "date", "id"], name="shipment_order_date_id"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:shipment_detail", args=[self.pk])


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="lines")
    line_no = models.PositiveIntegerField()
    lic = models.ForeignKey(LineItemCode, on_delete=models.PROTECT, related_name="+")
    quantity = QuantityField()
    usage = models.OneToOneField(InventoryUsage, on_delete=models.PROTECT, related_name="shipment_line")

    objects = scoped("shipment__order__office").as_manager()  # who sees what: DOMAIN.md section 11

    class Meta:
        ordering = ["shipment_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "line_no"], name="orders_shipmentline_unique_no"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="orders_shipmentline_quantity_positive",
                violation_error_message="A shipment line ships a positive quantity.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipment.number}/{self.line_no}"

    def get_absolute_url(self) -> str:
        return reverse("orders:shipment_detail", args=[self.shipment_id])


class CustomerReturn(TimeStampedModel):
    """Goods the customer sent back; each line writes one negative usage of kind "return"."""

    number = models.CharField(max_length=20, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    date = models.DateField()
    # DOMAIN.md 9: a shipment is reversed by a return naming each line's usage
    reverses_shipment = models.OneToOneField(
        Shipment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        help_text="For a reversal: the shipment it reverses.",
    )
    reason = models.CharField(max_length=200, blank=True, default="", help_text="Why it was reversed (a reversal).")
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    override_reason = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="Why an accountant let this return exceed what the order shipped net of its earlier returns "
        "(empty: within the limit).",
    )

    objects = scoped("order__office").as_manager()  # who sees what: DOMAIN.md section 11

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "customer return"
        indexes = [
            models.Index(fields=["date", "id"], name="return_date_id"),
            models.Index(fields=["order", "date", "id"], name="return_order_date_id"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:return_detail", args=[self.pk])


class ReturnLine(models.Model):
    customer_return = models.ForeignKey(CustomerReturn, on_delete=models.PROTECT, related_name="lines")
    line_no = models.PositiveIntegerField()
    lic = models.ForeignKey(LineItemCode, on_delete=models.PROTECT, related_name="+")
    quantity = QuantityField(help_text="Positive: the quantity that came back.")
    usage = models.OneToOneField(InventoryUsage, on_delete=models.PROTECT, related_name="return_line")

    objects = scoped("customer_return__order__office").as_manager()  # who sees what: DOMAIN.md section 11

    class Meta:
        ordering = ["customer_return_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["customer_return", "line_no"], name="orders_returnline_unique_no"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="orders_returnline_quantity_positive",
                violation_error_message="A return line gives back a positive quantity.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_return.number}/{self.line_no}"

    def get_absolute_url(self) -> str:
        return reverse("orders:return_detail", args=[self.customer_return_id])
