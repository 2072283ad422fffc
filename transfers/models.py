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
from inventory_lots.querysets import scoped


class Transfer(TimeStampedModel):
    number = models.CharField(max_length=20, unique=True)
    from_office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="transfers_out")
    to_office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="transfers_in")
    date = models.DateField()
    reason = models.CharField(
        max_length=200, blank=True, db_default="", help_text="A reversal's reason (required on a reversal)."
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        help_text="For a reversal: the transfer it reverses (same offices; each transfer is reversed at most once).",
    )
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    # a transfer is both its offices' (DOMAIN.md section 11): seen by a user of either
    objects = scoped("from_office", "to_office").as_manager()

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
    """One line: its usage in the source office and the lot it creates in the destination. A reversal's
    line (``reverses_line``) has -quantity, the negative transfer usage giving the original usage back in
    the source office, and no lot of its own: the original line's lot goes to ``qty_in`` 0 on its date."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="lines")
    line_no = models.PositiveIntegerField()
    lic = models.ForeignKey(LineItemCode, on_delete=models.PROTECT, related_name="+")
    quantity = QuantityField()
    serial_numbers = models.JSONField(default=list, blank=True)
    mfr_lot_number = models.CharField(max_length=60, blank=True)
    usage = models.OneToOneField(InventoryUsage, on_delete=models.PROTECT, related_name="transfer_line")
    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="transfer_line")
    reverses_line = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        help_text="On a reversal: the line it reverses (-quantity; that line's lot goes to 0).",
    )

    objects = scoped("transfer__from_office", "transfer__to_office").as_manager()

    class Meta:
        ordering = ["transfer_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "line_no"], name="transfers_line_unique_no"),
            models.CheckConstraint(
                condition=(Q(reverses_line__isnull=True) & Q(quantity__gt=0) & Q(lot__isnull=False))
                | (Q(reverses_line__isnull=False) & Q(quantity__lt=0) & Q(lot__isnull=True)),
                name="transfers_line_quantity_sign",
                violation_error_message=(
                    "A transfer line moves a positive quantity into its lot; a reversal's line gives it back "
                    "(a negative quantity, no lot of its own)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transfer.number}/{self.line_no}"

    def get_absolute_url(self) -> str:
        return reverse("transfers:transfer_detail", args=[self.transfer_id])
