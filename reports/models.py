"""The journal's own tables (DOMAIN.md section 10): the accounts of each office and the record of
each journal export. The journal lines themselves are never stored: they are read from the
immutable ledger (reports.journal)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now

from core.money import MoneyField

# role -> (default account, label); the roles are API.md's keys of ``/accounts/``
ACCOUNT_ROLES = {
    "inventory": ("1300", "Inventory"),
    "work_in_process": ("1350", "Work in process"),
    "in_transit": ("1360", "Inventory in transit"),
    "received_not_invoiced": ("2100", "Received not invoiced"),
    "accrued_cogs": ("2150", "Accrued COGS"),
    "opening_equity": ("3900", "Opening balance equity"),
    "cogs": ("5000", "COGS"),
    "adjustments": ("5100", "Inventory adjustments"),
    "capitalized_clearing": ("5900", "Capitalized job cost clearing"),
}


def _account(role: str) -> models.CharField:
    default, label = ACCOUNT_ROLES[role]
    return models.CharField(label, max_length=40, default=default, db_default=default)


class OfficeAccounts(models.Model):
    """The account of each journal role for one office (DOMAIN.md 10). An office without a row
    uses the defaults; the row is created on demand (the admin, ``PUT /api/v1/accounts/``)."""

    office = models.OneToOneField("inventory_lots.Office", on_delete=models.PROTECT, related_name="+")
    inventory = _account("inventory")
    work_in_process = _account("work_in_process")
    in_transit = _account("in_transit")
    received_not_invoiced = _account("received_not_invoiced")
    accrued_cogs = _account("accrued_cogs")
    opening_equity = _account("opening_equity")
    cogs = _account("cogs")
    adjustments = _account("adjustments")
    capitalized_clearing = _account("capitalized_clearing")
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        verbose_name = "office accounts"
        verbose_name_plural = "office accounts"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(inventory="")
                & ~models.Q(work_in_process="")
                & ~models.Q(in_transit="")
                & ~models.Q(received_not_invoiced="")
                & ~models.Q(accrued_cogs="")
                & ~models.Q(opening_equity="")
                & ~models.Q(cogs="")
                & ~models.Q(adjustments="")
                & ~models.Q(capitalized_clearing=""),
                name="reports_officeaccounts_not_blank",
                violation_error_message="Every account needs a number.",
            ),
        ]

    def __str__(self) -> str:
        return f"Accounts of {self.office}"


class JournalExport(models.Model):
    """One export of the journal of a period (who, when, period, offices, detail, line count,
    totals) and the watermark of the ledger at that moment: the highest id of each source table.
    A line of a later export of the same period is *new* when a record behind it is above the
    previous export's watermark (reports.journal)."""

    created_at = models.DateTimeField(db_default=Now(), editable=False)
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    date_from = models.DateField()
    date_to = models.DateField()
    offices = models.JSONField(default=list, blank=True, help_text="Office codes; empty = every office.")
    detail = models.CharField(max_length=8, default="lines")
    line_count = models.PositiveBigIntegerField()
    debit = MoneyField()
    credit = MoneyField()
    new_line_count = models.PositiveBigIntegerField(default=0)
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The last export of the same period and offices before this one.",
    )
    watermark = models.JSONField(default=dict)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_to__gte=models.F("date_from")),
                name="reports_journalexport_period",
                violation_error_message="The period ends before it starts.",
            ),
            models.CheckConstraint(
                condition=models.Q(detail__in=["lines", "summary"]),
                name="reports_journalexport_detail",
                violation_error_message="Detail is lines or summary.",
            ),
        ]

    def __str__(self) -> str:
        return f"JE-{self.pk:06d}" if self.pk else "journal export"
