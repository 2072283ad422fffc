"""Transfers between offices (DOMAIN.md 9): a document whose every line writes a ``transfer`` usage in
the source office and a ``transfer`` lot in the destination office. The lot's unit cost follows the
usage's COGS value (transfers.services.recompute_transfer_lot_cost_locked, called by the COGS engine)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from core.models import TimeStampedModel
from core.money import QuantityField
from inventory_lots.models import InventoryUsage, LineItemCode, Lot, Office


class Transfer(TimeStampedModel):
    number = models.CharField(max_length=20, unique=True)
    from_office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="transfers_out")
    to_office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="transfers_in")
    date = models.DateField()
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_office=F("to_office")),
                name="transfers_transfer_between_two_offices",
                violation_error_message="A transfer goes from one office to another.",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("transfers:transfer_detail", args=[self.pk])


class TransferLine(models.Model):
    """One line: its usage in the source office and the lot it creates in the destination."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="lines")
    line_no = models.PositiveIntegerField()
    lic = models.ForeignKey(LineItemCode, on_delete=models.PROTECT, related_name="+")
    quantity = QuantityField()
    serial_numbers = models.JSONField(default=list, blank=True)
    mfr_lot_number = models.CharField(max_length=60, blank=True)
    usage = models.OneToOneField(InventoryUsage, on_delete=models.PROTECT, related_name="transfer_line")
    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="transfer_line")

    class Meta:
        ordering = ["transfer_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "line_no"], name="transfers_line_unique_no"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="transfers_line_quantity_positive",
                violation_error_message="A transfer line moves a positive quantity.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transfer.number}/{self.line_no}"

    def get_absolute_url(self) -> str:
        return reverse("transfers:transfer_detail", args=[self.transfer_id])
