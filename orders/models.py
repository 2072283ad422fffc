"""Customers and customer orders (the "parent order" of production orders and shipments)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.models import TimeStampedModel
from inventory_lots.models import Office


class Customer(TimeStampedModel):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

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
