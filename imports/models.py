"""Import batches: every upload of master data or opening stock, what it created, and
its reversal. The ledger records themselves are written by the owning apps' services."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.models import TimeStampedModel
from core.money import MoneyField, QuantityField
from inventory_lots.models import InventoryAdjustment, Lot


class ImportKind(models.TextChoices):
    OFFICES = "offices", "Offices"
    LICS = "lics", "Line item codes"
    VENDORS = "vendors", "Vendors"
    CUSTOMERS = "customers", "Customers"
    OPENING_STOCK = "opening_stock", "Opening stock"


class BatchStatus(models.TextChoices):
    FAILED = "failed", "Failed (nothing written)"
    PREVIEWED = "previewed", "Checked, not imported yet"
    COMMITTED = "committed", "Imported"
    REVERSED = "reversed", "Reversed"


class BatchQuerySet(models.QuerySet):
    """A batch is placed by the offices its rows name (``offices``): seen by a user who sees every
    one of them (DOMAIN.md section 11). Master-data batches name none: seen by every importer."""

    def visible_to(self, scope):
        if scope.all_offices:
            return self
        return self.filter(offices__contained_by=sorted(scope.viewable))


class ImportBatch(TimeStampedModel):
    """One uploaded file: checked (``failed`` with its errors, or ``previewed``), then ``committed``
    in one transaction, and perhaps ``reversed`` as a whole. The file is kept: a failed file comes
    back with an Errors column, a previewed one is checked again when it is committed."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    status = models.CharField(max_length=10, choices=BatchStatus.choices)
    file_name = models.CharField(max_length=200)
    file_format = models.CharField(max_length=4)  # csv or xlsx
    content = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    total_quantity = QuantityField(null=True, blank=True)
    total_value = MoneyField(null=True, blank=True)
    control_total = MoneyField(null=True, blank=True, help_text="What the user typed to compare, if anything.")
    first_date = models.DateField(null=True, blank=True)
    last_date = models.DateField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)  # [[row, message], ...] of a failed file
    summary = models.JSONField(default=dict, blank=True)  # the preview's figures
    record_ids = models.JSONField(default=list, blank=True)  # master data: the records created
    adjustments = models.ManyToManyField(InventoryAdjustment, blank=True, related_name="+")
    committed_at = models.DateTimeField(null=True, blank=True)
    committed_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reversal_reason = models.CharField(max_length=200, blank=True)
    offices = models.JSONField(default=list, blank=True, help_text="The ids of the offices its rows name.")

    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = "import batch"
        verbose_name_plural = "import batches"
        permissions = [("run_import", "Import master data and opening stock from spreadsheets")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ImportKind.values),
                name="imports_batch_kind_valid",
                violation_error_message="Unknown import kind.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BatchStatus.values),
                name="imports_batch_status_valid",
                violation_error_message="Unknown import status.",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["committed", "reversed"]) | Q(committed_at__isnull=False),
                name="imports_batch_committed_has_time",
                violation_error_message="A committed batch records when it was committed.",
            ),
            models.CheckConstraint(
                condition=~Q(status="reversed") | (Q(reversed_at__isnull=False) & ~Q(reversal_reason="")),
                name="imports_batch_reversed_has_reason",
                violation_error_message="A reversed batch records when and why.",
            ),
        ]

    def __str__(self) -> str:
        return f"IMP-{self.pk:06d}" if self.pk else "import"

    def get_absolute_url(self) -> str:
        return reverse("imports:batch_detail", args=[self.pk])

    @property
    def number(self) -> str:
        return str(self)


class ImportedLot(models.Model):
    """A lot an opening-stock batch created: its row in the file and the row's reference."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="lots")
    row = models.PositiveIntegerField()
    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["batch_id", "row"]
        constraints = [models.UniqueConstraint(fields=["batch", "row"], name="imports_importedlot_unique_row")]

    def __str__(self) -> str:
        return f"{self.batch} row {self.row}"
