"""Master data (Office, LineItemCode) and the ledger core: Lot, LotSerial, InventoryUsage,
InventoryAdjustment. Invariants that fit one row are PostgreSQL CHECK constraints."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Round
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.codes import code_constraints, validate_code
from core.models import TimeStampedModel
from core.money import MAX_DIGITS, MONEY_PLACES, QTY_PLACES, MoneyField, QuantityField, UnitCostField

from .querysets import LotQuerySet, OfficeQuerySet, UsageQuerySet, scoped


class Office(TimeStampedModel):
    code = models.CharField(max_length=20, unique=True, validators=[validate_code])
    name = models.CharField(max_length=200)
    history = HistoricalRecords()

    objects = OfficeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = code_constraints("office", "inventory_lots", "office")

    def __str__(self) -> str:
        return self.code


class CostingMethod(models.TextChoices):
    FIFO = "fifo", "FIFO"
    LIFO = "lifo", "LIFO"
    SPECIFIC = "specific", "Specific unit"


# A LIC's fields as its lists show them (the admin, the API), in this order.
LIC_COLUMNS = (
    "code",
    "description",
    "inventoried",
    "serialized",
    "track_by_mfr_lot",
    "costing_method",
    "unit",
    "active",
)


class LineItemCode(TimeStampedModel):
    """A line item code (LIC). Non-inventoried LICs (services, expenses) never get lots."""

    code = models.CharField(max_length=40, unique=True, validators=[validate_code])
    description = models.CharField(max_length=200, blank=True)
    inventoried = models.BooleanField(default=False)
    serialized = models.BooleanField(default=False)
    track_by_mfr_lot = models.BooleanField(default=False)
    costing_method = models.CharField(max_length=10, choices=CostingMethod.choices, default=CostingMethod.FIFO)
    unit = models.CharField(max_length=10, default="ea")
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = "line item code"
        constraints = [
            models.CheckConstraint(
                condition=Q(costing_method__in=CostingMethod.values),
                name="inventory_lots_lic_costing_method_valid",
                violation_error_message="Costing method must be FIFO, LIFO or specific unit.",
            ),
            models.CheckConstraint(
                condition=Q(inventoried=True) | Q(serialized=False, track_by_mfr_lot=False),
                name="inventory_lots_lic_flags_need_inventoried",
                violation_error_message="Only inventoried LICs can be serialized or tracked by mfr lot.",
            ),
            *code_constraints("lic", "inventory_lots", "line item code"),
        ]

    def __str__(self) -> str:
        return self.code


class LotType(models.TextChoices):
    PURCHASE = "purchase", "Purchase"
    PRODUCTION = "production", "Production"
    TRANSFER = "transfer", "Transfer"


class LotStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


# The columns every list of lots shows first (the admin's list, the API's lots), in this order.
LOT_COLUMNS = ("number", "type", "status", "office", "lic", "date", "qty_in", "qty_used", "qty_available", "unit_cost")


class Lot(TimeStampedModel):
    """One batch of one inventoried LIC that entered stock in one office by one transaction."""

    number = models.CharField(max_length=20, unique=True)
    type = models.CharField(max_length=12, choices=LotType.choices)
    # No single-column FK indexes where a composite index leads with the column (lot_lic_date_id,
    # lot_office_date_id, lot_transaction, lot_parent_order): fewer indexes to maintain when COGS
    # closes a lot (docs/cogs.md "Speed").
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="lots", db_index=False)
    lic = models.ForeignKey(LineItemCode, on_delete=models.PROTECT, related_name="lots", db_index=False)
    date = models.DateField()
    # Go-To targets: the receipt line / adjustment line / production order, and the parent order.
    transaction_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    transaction_id = models.BigIntegerField()
    transaction_label = models.CharField(max_length=60)
    parent_order_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", null=True, blank=True, db_index=False
    )
    parent_order_id = models.BigIntegerField(null=True, blank=True)
    parent_order_label = models.CharField(max_length=60, blank=True)
    serialized = models.BooleanField(default=False)
    track_by_mfr_lot = models.BooleanField(default=False)
    mfr_lot_number = models.CharField(max_length=60, blank=True)
    released = models.BooleanField(default=True, help_text="Production lots: released into general inventory.")
    # DOMAIN.md 6a: the latest date of what the lot has (more quantity reported into it, its COGS
    # allocation and give-back entries); COGS never dates a new allocation or give-back earlier, so
    # stock is never used before it exists. Null: nothing since the lot's date.
    movement_date = models.DateField(null=True, blank=True, editable=False)
    qty_in = QuantityField()
    qty_used = QuantityField(default=Decimal("0"))
    qty_available = models.GeneratedField(
        expression=F("qty_in") - F("qty_used"),
        output_field=models.DecimalField(max_digits=MAX_DIGITS, decimal_places=QTY_PLACES),
        db_persist=True,
    )
    status = models.GeneratedField(
        expression=models.Case(
            models.When(Q(qty_in__gt=F("qty_used")), then=Value("open")),
            default=Value("closed"),
        ),
        output_field=models.CharField(max_length=6),
        db_persist=True,
    )
    unit_cost = UnitCostField()
    value_in = models.GeneratedField(
        expression=Round(F("qty_in") * F("unit_cost"), MONEY_PLACES),
        output_field=models.DecimalField(max_digits=MAX_DIGITS, decimal_places=MONEY_PLACES),
        db_persist=True,
    )
    value_used = MoneyField(default=Decimal("0.00"), help_text="Sum of posted COGS values on the lot.")

    objects = LotQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        permissions = [
            ("view_ledger", "Browse lots, usage, orders and every page"),
            ("post_stock", "Receive, ship, record usage, returns and adjustments"),
            ("post_production", "Production orders, components, produce, release, job costs"),
            ("post_accounting", "Invoices, close POs, run COGS, reverse posted records"),
            ("export_lots", "Export lot lists to CSV"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(qty_used__gte=0) & Q(qty_used__lte=F("qty_in")),
                name="inventory_lots_lot_qty_used_within_qty_in",
                violation_error_message="A lot's used quantity must be between 0 and its quantity in.",
            ),
            models.CheckConstraint(
                condition=Q(qty_in__gte=0),
                name="inventory_lots_lot_qty_in_not_negative",
                violation_error_message="A lot's quantity in cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0),
                name="inventory_lots_lot_unit_cost_not_negative",
                violation_error_message="A lot's unit cost cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(type__in=LotType.values),
                name="inventory_lots_lot_type_valid",
                violation_error_message="Lot type must be purchase, production or transfer.",
            ),
            models.CheckConstraint(
                condition=Q(type="production") | Q(released=True),
                name="inventory_lots_lot_purchase_always_released",
                violation_error_message="Purchase lots are always available.",
            ),
        ]
        indexes = [
            models.Index(fields=["date", "id"], name="lot_date_id"),
            models.Index(fields=["lic", "date", "id"], name="lot_lic_date_id"),
            models.Index(fields=["office", "date", "id"], name="lot_office_date_id"),
            models.Index(fields=["status", "date", "id"], name="lot_status_date_id"),
            models.Index(fields=["type", "date", "id"], name="lot_type_date_id"),
            models.Index(fields=["parent_order_type", "parent_order_id"], name="lot_parent_order"),
            models.Index(fields=["transaction_type", "transaction_id"], name="lot_transaction"),
            models.Index(
                fields=["lic", "office", "date", "id"],
                condition=Q(status="open"),
                name="lot_open_lic_office_date",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("inventory_lots:lot_detail", args=[self.pk])

    @property
    def value_available(self) -> Decimal:
        return self.value_in - self.value_used


class LotSerial(models.Model):
    """A serial number of a serialized LIC's lot; unique per LIC across the system. Where it is now
    (in stock, or out on a usage) is its open ``SerialUse``, if any.

    A transfer between offices carries a serial into its transfer lot: the row in the source lot stays
    (out on the transfer usage: its history; ``moved``) and a new row in the transfer lot names it
    (``carried_from``). Only the live row (not ``moved``) is unique per LIC, and the ledger's reads of
    "where is this serial now" read the live rows."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="serials")
    lic = models.ForeignKey(LineItemCode, on_delete=models.PROTECT, related_name="+")
    serial_number = models.CharField(max_length=80)
    moved = models.BooleanField(
        default=False, db_default=False, help_text="Carried to another lot by a transfer: this row is history."
    )
    carried_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_to",
        help_text="The row of the lot a transfer carried this serial from.",
    )

    objects = scoped("lot__office").as_manager()

    class Meta:
        ordering = ["serial_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["lic", "serial_number"], condition=Q(moved=False), name="inventory_lots_serial_unique_per_lic"
            ),
        ]
        # "where is SN X" across LICs (the unique index above leads with the LIC)
        indexes = [models.Index(fields=["serial_number"], name="lotserial_serial_number")]

    def __str__(self) -> str:
        return self.serial_number


class SerialUse(models.Model):
    """One serial number taken out of stock by one usage (a shipment, a component issue, a negative
    adjustment) and, once a return names it, the return that brought it back (``returned_by``).

    The serial's state in one place: it is out while it has a row with ``returned_by`` null (at most one:
    the partial unique constraint below), in stock otherwise; its rows are its history. Written only by
    the ledger core's services (inventory_lots.serial_moves), under the LIC lock; the COGS engine reads it to
    allocate a serialized usage to its serials' lots (docs/cogs.md, "Serialized usage")."""

    # no index of its own: the unique (serial, usage) index below leads with it
    serial = models.ForeignKey(LotSerial, on_delete=models.PROTECT, related_name="uses", db_index=False)
    usage = models.ForeignKey("InventoryUsage", on_delete=models.PROTECT, related_name="serial_uses")
    returned_by = models.ForeignKey(
        "InventoryUsage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="serials_returned",
        db_index=False,
    )

    class Meta:
        ordering = ["id"]
        verbose_name = "serial movement"
        constraints = [
            models.UniqueConstraint(
                fields=["serial"],
                condition=Q(returned_by__isnull=True),
                name="inventory_lots_serial_out_once",
                violation_error_message="A serial number can be out of stock only once.",
            ),
            models.UniqueConstraint(
                fields=["serial", "usage"],
                name="inventory_lots_serial_once_per_usage",
                violation_error_message="A usage names a serial number once.",
            ),
            models.CheckConstraint(
                condition=~Q(returned_by=F("usage")),
                name="inventory_lots_serial_back_by_other",
                violation_error_message="A serial comes back by another usage (a return).",
            ),
        ]
        indexes = [
            models.Index(fields=["returned_by"], condition=Q(returned_by__isnull=False), name="serialuse_returned_by")
        ]

    def __str__(self) -> str:
        return f"{self.serial_id} on {self.usage_id}"


class UsageKind(models.TextChoices):
    SHIPMENT = "shipment", "Shipment"
    RETURN = "return", "Return"
    PRODUCTION = "production", "Production"
    JOB = "job", "Job"
    ADJUSTMENT = "adjustment", "Adjustment"
    TRANSFER = "transfer", "Transfer"


# What a usage record is, and what COGS made of it: the columns of every usage list (page, admin,
# the unallocated page), in this order.
USAGE_COLUMNS = ("date", "kind", "office", "lic", "source_label", "quantity")
USAGE_COGS_COLUMNS = ("allocated_quantity", "unallocated_quantity", "cogs_value")


def usage_number(pk: int) -> str:
    """A usage record's number as every page, table and file shows it: ``U-000123``."""
    return f"U-{pk:06d}"


class InventoryUsage(TimeStampedModel):
    """Stock that left (positive) or came back (negative) for one LIC in one office on a date.

    Recorded against the LIC; COGS decides the lots (except specific unit, which names ``lot``).
    A posted record: what COGS did with it lives in its ``UsageCogs`` row (``cogs_state``), read here
    through ``allocated_quantity``, ``cogs_value``, ``accrued_value``, ``no_cost_basis`` and
    ``unallocated_quantity``.

    Its triggers (inventory_lots/sql/): usage_insert_adds_cogs_row_and_unallocated_mark.sql,
    usage_update_keeps_cogs_row_and_unallocated_mark_in_step.sql,
    usage_delete_removes_cogs_row_and_unallocated_mark.sql; usage_component_order.sql names the
    production order of a component usage.
    """

    # Single-column FK indexes only where no composite index leads with the column (lic: usage_lic_office_date,
    # office: usage_office_date, source_type: usage_source; lot and returns_usage: partial, non-null only).
    # COGS balance updates then touch no indexed column and stay HOT (docs/cogs.md "Speed").
    lic = models.ForeignKey(LineItemCode, on_delete=models.PROTECT, related_name="usages", db_index=False)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="usages", db_index=False)
    date = models.DateField()
    quantity = QuantityField()
    kind = models.CharField(max_length=12, choices=UsageKind.choices)
    source_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    source_id = models.BigIntegerField()
    source_label = models.CharField(max_length=60)
    lot = models.ForeignKey(
        Lot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="named_usages",
        db_index=False,
        help_text="Specific unit costing: the lot this usage takes from.",
    )
    returns_usage = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="returns",
        db_index=False,
        help_text="For a return: the usage it gives back.",
    )
    reverses_usage = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        db_index=False,  # the partial unique constraint inventory_lots_usage_reversed_once indexes it
        help_text="For the reversal of a customer return (a positive shipment usage): the return it puts back.",
    )
    serial_numbers = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    objects = UsageQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "inventory usage"
        constraints = [
            models.CheckConstraint(
                condition=~Q(quantity=0),
                name="inventory_lots_usage_quantity_not_zero",
                violation_error_message="Usage quantity cannot be zero.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=UsageKind.values),
                name="inventory_lots_usage_kind_valid",
                violation_error_message="Unknown usage kind.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="return") | Q(quantity__lt=0),
                name="inventory_lots_usage_return_negative",
                violation_error_message="A return is a negative usage.",
            ),
            models.CheckConstraint(
                # a reversed adjustment gives its usage back with a negative adjustment usage naming it
                condition=~Q(kind__in=["shipment", "adjustment"])
                | Q(quantity__gt=0)
                | Q(kind="adjustment", returns_usage__isnull=False),
                name="inventory_lots_usage_outflow_positive",
                violation_error_message="Shipments and negative adjustments are positive usage (except the reversal "
                "of an adjustment's usage, which names it).",
            ),
            models.CheckConstraint(
                # a reversed transfer gives its usage back with a negative transfer usage naming it
                condition=~Q(kind="transfer") | Q(quantity__gt=0) | Q(returns_usage__isnull=False),
                name="inventory_lots_usage_transfer_positive",
                violation_error_message="A transfer usage is positive (except the reversal of one, which names it).",
            ),
            models.CheckConstraint(
                condition=Q(reverses_usage__isnull=True) | Q(kind="shipment", quantity__gt=0),
                name="inventory_lots_usage_reversal_is_shipment",
                violation_error_message="Only a positive shipment usage can reverse a return.",
            ),
            models.UniqueConstraint(
                fields=["reverses_usage"],
                condition=Q(reverses_usage__isnull=False),
                name="inventory_lots_usage_reversed_once",
                violation_error_message="A return is reversed at most once.",
            ),
            models.CheckConstraint(
                condition=Q(returns_usage__isnull=True) | Q(quantity__lt=0),
                name="inventory_lots_usage_only_returns_name_usage",
                violation_error_message="Only a negative usage (a return) can name the usage it returns.",
            ),
        ]
        indexes = [
            models.Index(fields=["date", "id"], name="usage_date_id"),
            models.Index(fields=["lic", "office", "date", "id"], name="usage_lic_office_date"),
            models.Index(fields=["office", "date", "id"], name="usage_office_date"),
            models.Index(fields=["kind", "date", "id"], name="usage_kind_date"),
            models.Index(fields=["source_type", "source_id"], name="usage_source"),
            models.Index(fields=["lot"], condition=Q(lot__isnull=False), name="usage_named_lot"),
            models.Index(
                fields=["returns_usage"], condition=Q(returns_usage__isnull=False), name="usage_returns_usage"
            ),
            # Unallocated usage is found through UnallocatedUsage (a partial index here would have the
            # generated unallocated_quantity in its predicate and make every COGS update non-HOT).
        ]

    def __str__(self) -> str:
        return usage_number(self.pk) if self.pk else "usage"

    def get_absolute_url(self) -> str:
        return reverse("inventory_lots:usage_detail", args=[self.pk])

    @property
    def number(self) -> str:
        return str(self)

    # What COGS did with the usage, from its UsageCogs row (select_related("cogs_state") where many are
    # shown). A usage not saved yet has nothing allocated.

    def _cogs(self) -> UsageCogs:
        if self.pk is None:
            return UsageCogs(quantity=self.quantity)
        return self.cogs_state

    @property
    def allocated_quantity(self) -> Decimal:
        """Allocated to lots by COGS; carries the sign of ``quantity``."""
        return self._cogs().allocated_quantity

    @property
    def cogs_value(self) -> Decimal:
        return self._cogs().cogs_value

    @property
    def accrued_value(self) -> Decimal:
        return self._cogs().accrued_value

    @property
    def no_cost_basis(self) -> bool:
        return self._cogs().no_cost_basis

    @property
    def unallocated_quantity(self) -> Decimal:
        """What COGS has still to allocate (or, for a return, to give back): quantity - allocated."""
        return self.quantity - self.allocated_quantity


class UsageCogs(models.Model):
    """What COGS did with one usage: allocated quantity, COGS value, open accrual, no-cost-basis flag.

    One row per usage, created with it by a PostgreSQL trigger
    (inventory_lots/sql/usage_insert_adds_cogs_row_and_unallocated_mark.sql) and written only by
    the COGS engine, so the usage row itself stays as posted. A narrow row of its own because a COGS
    run rewrites it for every usage it touches: updating it costs about half what updating the wide
    usage row did (docs/cogs.md, "Speed"). It also carries the engine's copy of what it plans from
    (LIC, date, quantity, named lot, returned usage, production order; the usage's own columns,
    copied by the triggers, which also follow any later change of the usage row), so a run reads
    one narrow row per usage, not two; ``quantity`` serves the CHECK below too.
    """

    usage = models.OneToOneField(InventoryUsage, on_delete=models.CASCADE, primary_key=True, related_name="cogs_state")
    lic = models.ForeignKey(
        LineItemCode, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    date = models.DateField()
    quantity = QuantityField()
    lot = models.ForeignKey(
        Lot, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, null=True, related_name="+"
    )
    returns_usage = models.ForeignKey(
        InventoryUsage, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, null=True, related_name="+"
    )
    # the return a positive usage reverses (DOMAIN.md 9: COGS puts it back on that return's lots first)
    reverses_usage = models.ForeignKey(
        InventoryUsage, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, null=True, related_name="+"
    )
    # the usage's source when it is a production order's component usage (kind "production")
    production_order_id = models.BigIntegerField(null=True)
    allocated_quantity = QuantityField(default=Decimal("0"))
    cogs_value = MoneyField(default=Decimal("0.00"))
    accrued_value = MoneyField(default=Decimal("0.00"))
    no_cost_basis = models.BooleanField(default=False)
    accrual_date = models.DateField(null=True)  # the date of the open accrual (DOMAIN.md 6a dates its reversal)

    class Meta:
        verbose_name = "usage COGS state"
        constraints = [
            models.CheckConstraint(
                condition=(Q(quantity__gt=0) & Q(allocated_quantity__gte=0) & Q(allocated_quantity__lte=F("quantity")))
                | (Q(quantity__lt=0) & Q(allocated_quantity__lte=0) & Q(allocated_quantity__gte=F("quantity"))),
                name="inventory_lots_usage_allocated_within_quantity",
                violation_error_message="Allocated quantity must have the usage's sign and not exceed it.",
            ),
        ]

    def __str__(self) -> str:
        return f"COGS of usage {self.usage_id}"


class UnallocatedUsage(models.Model):
    """The usage records whose ``unallocated_quantity`` is not 0, one row each: the narrow index of
    what COGS still has to allocate (and of the "unallocated" list filters).

    Kept exactly in step by statement-level PostgreSQL triggers on the usage table (insert / update /
    delete) and on UsageCogs (update), set-based over the statement's transition table
    (inventory_lots/sql/usage_*.sql and cogs_update_marks_or_unmarks_unallocated.sql), so every
    door -- services, COGS, raw SQL -- maintains it; ``cogs.selectors.ledger_violations`` checks it.
    Read-only for the application.
    """

    usage = models.OneToOneField(
        InventoryUsage, on_delete=models.CASCADE, primary_key=True, related_name="unallocated_mark"
    )
    lic = models.ForeignKey(
        LineItemCode, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    office = models.ForeignKey(
        Office, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    date = models.DateField()

    class Meta:
        # usage is an INCLUDE column, not a key: the triggers' ``usage_id = ANY(...)`` must have no
        # index to use but the primary key. With usage_id as the 4th key, PostgreSQL planning on
        # stale statistics (the table swings between a million rows and none) chose a full scan of
        # this index comparing every entry with the whole id array: 148 s for one 33,500-row job.
        indexes = [models.Index(fields=["lic", "office", "date"], include=["usage"], name="unallocated_lic_office")]

    def __str__(self) -> str:
        return f"unallocated {self.usage_id}"


class AdjustmentKind(models.TextChoices):
    """aACE's adjustment types (DOMAIN.md 9); the kind picks the journal account (DOMAIN.md 10)."""

    COUNT = "count", "Physical count"
    LOSS = "loss", "Loss"
    FOUND = "found", "Found"
    BEGINNING_BALANCE = "beginning_balance", "Beginning balance"
    OTHER = "other", "Other"


class InventoryAdjustment(TimeStampedModel):
    """A stock adjustment document: positive lines create purchase-type lots, negative lines usage.
    A ``beginning_balance`` adjustment (opening stock) has positive lines with a unit cost only: a
    rule across the lines, so the service enforces it (post_adjustment), not a CHECK."""

    number = models.CharField(max_length=20, unique=True)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="adjustments")
    date = models.DateField()
    kind = models.CharField(
        max_length=20, choices=AdjustmentKind.choices, default=AdjustmentKind.OTHER, db_default=AdjustmentKind.OTHER
    )
    reason = models.CharField(max_length=200)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        help_text="For a reversal: the adjustment it reverses (each adjustment is reversed at most once).",
    )
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = scoped("office").as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AdjustmentKind.values),
                name="inventory_lots_adjustment_kind_valid",
                violation_error_message="Adjustment kind must be count, loss, found, beginning_balance or other.",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("inventory_lots:adjustment_detail", args=[self.pk])


class AdjustmentLine(models.Model):
    adjustment = models.ForeignKey(InventoryAdjustment, on_delete=models.PROTECT, related_name="lines")
    line_no = models.PositiveIntegerField()
    lic = models.ForeignKey(LineItemCode, on_delete=models.PROTECT, related_name="+")
    quantity = QuantityField()
    unit_cost = UnitCostField(null=True, blank=True)
    # A lot line's lot (its birth), or on a reversal line the lot it brings to quantity in 0.
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    usage = models.OneToOneField(InventoryUsage, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reverses_line = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        help_text="On a reversal: the line it reverses (a lot line: -quantity, its lot; a usage line: +quantity, "
        "the usage that gives the original usage back).",
    )

    class Meta:
        ordering = ["adjustment_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["adjustment", "line_no"], name="inventory_lots_adjline_unique_no"),
            models.UniqueConstraint(
                fields=["lot"],
                condition=Q(lot__isnull=False, reverses_line__isnull=True),
                name="inventory_lots_adjline_one_line_per_lot",
                violation_error_message="A lot is created by one adjustment line.",
            ),
            models.CheckConstraint(
                condition=~Q(quantity=0),
                name="inventory_lots_adjline_quantity_not_zero",
                violation_error_message="Adjustment quantity cannot be zero.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(reverses_line__isnull=True)
                    & Q(quantity__gt=0)
                    & Q(lot__isnull=False)
                    & Q(usage__isnull=True)
                    & Q(unit_cost__isnull=False)
                    & Q(unit_cost__gte=0)
                )
                | (Q(reverses_line__isnull=True) & Q(quantity__lt=0) & Q(lot__isnull=True) & Q(usage__isnull=False))
                | (
                    Q(reverses_line__isnull=False)
                    & Q(quantity__lt=0)
                    & Q(lot__isnull=False)
                    & Q(usage__isnull=True)
                    & Q(unit_cost__isnull=True)
                )
                | (
                    Q(reverses_line__isnull=False)
                    & Q(quantity__gt=0)
                    & Q(lot__isnull=True)
                    & Q(usage__isnull=False)
                    & Q(unit_cost__isnull=True)
                ),
                name="inventory_lots_adjline_lot_or_usage",
                violation_error_message="A positive line creates a lot at a unit cost; a negative line writes usage; "
                "a reversal line brings the lot back to 0 (negative) or gives the usage back (positive).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.adjustment.number}/{self.line_no}"

    def get_absolute_url(self) -> str:
        return reverse("inventory_lots:adjustment_detail", args=[self.adjustment_id])


class CostChangeCause(models.TextChoices):
    PO_CLOSED = "po_closed", "PO closed (invoices and freight)"
    PRODUCTION_RECOMPUTE = "production_recompute", "Production recompute"
    TRANSFER_RECOMPUTE = "transfer_recompute", "Transfer recompute"
    MANUAL = "manual", "Manual correction"


class LotCostChange(TimeStampedModel):
    """Every change of a lot's unit cost (DOMAIN.md 6a "Cost history"); append-only."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="cost_changes")
    date = models.DateField()
    old_unit_cost = UnitCostField()
    new_unit_cost = UnitCostField()
    cause = models.CharField(max_length=24, choices=CostChangeCause.choices)
    reason = models.CharField(max_length=200, blank=True)
    source_label = models.CharField(max_length=60, blank=True, help_text="e.g. the PO that closed")
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = scoped("lot__office").as_manager()

    class Meta:
        ordering = ["lot_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cause__in=CostChangeCause.values),
                name="inventory_lots_costchange_cause_valid",
                violation_error_message="Unknown cost change cause.",
            ),
            models.CheckConstraint(
                condition=Q(new_unit_cost__gte=0) & ~Q(new_unit_cost=F("old_unit_cost")),
                name="inventory_lots_costchange_is_change",
                violation_error_message="A cost change needs a new, non-negative unit cost.",
            ),
        ]


class PendingCogs(models.Model):
    """(LIC, office) pairs with something new for COGS: new lots, usage, returns, cost changes.

    Every ledger service marks the pair; a COGS job takes the pair under the LIC lock and deletes
    the row, so an incremental run reads only what moved. Every statement on the table is in
    inventory_lots.pending (the protocol).
    """

    lic = models.ForeignKey(LineItemCode, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    marked_at = models.DateTimeField(db_default=models.functions.Now())

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lic", "office"], name="inventory_lots_pending_cogs_unique")]


class LockDate(TimeStampedModel):
    """ "Books closed through" (DOMAIN.md 6a). Append-only: the newest row is in force. Each row's
    date is later than the one before (``previous_date``), never after the day it was set, except
    an administrator's correction moving it back, which carries its reason (inventory_lots.dates)."""

    date = models.DateField()
    set_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    previous_date = models.DateField(null=True, blank=True, help_text="The lock date this row replaced.")
    reason = models.CharField(
        max_length=500,
        blank=True,
        default="",
        db_default="",
        help_text="Why it was set; required when it moves the lock date back.",
    )

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"
        permissions = [("move_lock_date_back", "Move the lock date back, with a reason (administrators)")]
        constraints = [
            models.CheckConstraint(
                condition=Q(previous_date__isnull=True) | Q(date__gt=F("previous_date")) | ~Q(reason=""),
                name="inventory_lots_lockdate_back_needs_reason",
                violation_error_message="Moving the lock date back needs a reason.",
            ),
        ]

    @property
    def moved_back(self) -> bool:
        return self.previous_date is not None and self.date < self.previous_date


class LotExport(models.Model):
    """Every lot-list export: who, when, the filters, the format and how many rows it had. ``scope``
    is what the requester saw when it was asked for (``Scope.as_dict()``): the rows are read with it
    (``Scope.from_dict``), so an export written later, by a worker, covers what its requester sees."""

    user = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(db_default=models.functions.Now())
    finished_at = models.DateTimeField(null=True, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    scope = models.JSONField(default=dict, blank=True)
    format = models.CharField(max_length=4, default="csv")
    row_count = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "lot export"


class OfficeAccess(models.Model):
    """One office a user without "all offices" may see, and whether they may post there
    (DOMAIN.md section 11; inventory_lots.scope reads it on every request)."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="office_access")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    can_post = models.BooleanField(default=False, help_text="View and post; otherwise view only.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["user_id", "office__code"]
        verbose_name = "office access"
        verbose_name_plural = "office access"
        permissions = [
            ("all_offices", "Sees and posts in every office"),
            ("see_costs", "Sees unit costs and money figures"),
        ]
        constraints = [models.UniqueConstraint(fields=["user", "office"], name="inventory_lots_office_access_once")]

    def __str__(self) -> str:
        return f"{self.office} ({'view and post' if self.can_post else 'view'})"
