"""The journal's own tables (DOMAIN.md section 10): the accounts of each office and the record of
each journal export. The journal lines themselves are never stored: they are read from the
immutable ledger (reports.journal)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
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
# the accounts whose balances the journal ties to a subledger (check_ledger): no other role may use them
CONTROL_ROLES = {"inventory": "valuation", "accrued_cogs": "open accrued COGS"}


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

    def clean(self):
        """The Inventory and Accrued COGS accounts are control accounts: the journal ties their
        balances to the valuation and to the open accruals (check_ledger), so no other role may post
        to them (its lines would move the balance)."""
        errors: dict[str, str] = {}
        for control in CONTROL_ROLES:
            number = getattr(self, control)
            for role in ACCOUNT_ROLES:
                if role != control and role not in errors and getattr(self, role) == number:
                    label = ACCOUNT_ROLES[control][1]
                    errors[role] = (
                        f"{number} is this office's {label} account, which the journal ties to the "
                        f"{CONTROL_ROLES[control]}: give {ACCOUNT_ROLES[role][1]} another account."
                    )
        if errors:
            raise ValidationError(errors)


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


# --- stored valuations of closed dates (reports.snapshots; docs/reports.md "Snapshots") -------------
#
# Derived from the ledger, never edited by hand: written by reports.snapshots when the lock date
# moves (in set_lock_date's transaction), dropped after the new lock date when it moves back. A date
# on or before the lock date never changes again (DOMAIN.md 10), so these stay equal to the ledger;
# check_ledger compares them (``snapshot_*`` checks).

_TOTAL_DIGITS = 28  # sums over every lot of an office


class ValuationSnapshot(models.Model):
    """A closed date whose valuation is stored per office, LIC and lot type: each month end on or
    before the lock date, and the lock date itself. The latest one records the highest COGS entry id
    when it was written (``entry_watermark``): every entry above it was posted later, so is dated
    after the lock date; the entries dated after it that existed then are kept in ``OpenEntry``."""

    date = models.DateField(unique=True)
    lock_date = models.DateField(help_text="The lock date in force when it was written.")
    entry_watermark = models.BigIntegerField(default=0)
    # the LockDate row it was written for: a later row with an earlier date (the lock date moved
    # back below it) makes it stale until the next write drops it (reports.snapshots.snapshot_state)
    lock_row_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"valuation at {self.date.isoformat()}"


class SnapshotFigures(models.Model):
    """The valuation at a snapshot's date of one office, LIC and lot type: lots with on-hand
    quantity or value, their quantity and value; and on the row of type '' the usage not yet
    allocated and the open accrued COGS of the office and LIC. Beside them the roll-forward's
    movements since the previous snapshot (lots in and cost changes on the lot types' rows, the COGS
    columns on the '' row). Rows that would be all zero are left out."""

    snapshot = models.ForeignKey(ValuationSnapshot, on_delete=models.CASCADE, related_name="figures")
    office_id = models.BigIntegerField()
    lic_id = models.BigIntegerField()
    type = models.CharField(max_length=16, blank=True)
    lots = models.BigIntegerField(default=0)
    quantity = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=6, default=0)
    value = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)
    unallocated_quantity = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=6, default=0)
    accrued_value = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)
    # the roll-forward's movements from the previous snapshot's date (exclusive) to this one's
    lots_in = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)
    cost_changes = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)
    cogs = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)
    production = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)
    transfers_out = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)
    adjustments_out = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "office_id", "lic_id", "type"], name="snapshotfigures_unique")
        ]


class DailyValuation(models.Model):
    """The valuation at the end of a closed day of one office and lot type (type '': the usage
    figures), written for the days on which it changed: at a date D on or before the lock date it
    is, per office and type, the latest row dated <= D."""

    date = models.DateField()
    office_id = models.BigIntegerField()
    type = models.CharField(max_length=16, blank=True)
    lots = models.BigIntegerField(default=0)
    quantity = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=6, default=0)
    value = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)
    unallocated_quantity = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=6, default=0)
    accrued_value = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office_id", "type", "date"], name="dailyvaluation_unique")]


class OpenEntry(models.Model):
    """A COGS entry dated after the latest snapshot's date that existed when it was written (a copy
    of its dated figures): with the entries above the watermark, every entry dated after the lock
    date, read without scanning the entries table."""

    entry_id = models.BigIntegerField(primary_key=True)
    kind = models.SmallIntegerField()
    lot_id = models.BigIntegerField(null=True)
    office_id = models.BigIntegerField()
    lic_id = models.BigIntegerField()
    date = models.DateField()
    quantity = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=6)
    value = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2)


class JournalDay(models.Model):
    """The journal of a closed day of one office, summed per account role: the debits and the
    credits of its lines (not netted), as ``reports.journal.summary_lines`` sums them, and how many
    lines (the page's totals). Rows exist
    for the (day, office, role) with at least one line. Roles, not account numbers: an office's
    accounts may be remapped later, and the summary maps roles to accounts when it reads."""

    date = models.DateField()
    office_id = models.BigIntegerField()
    role = models.CharField(max_length=32)
    lines = models.BigIntegerField()
    debit = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2)
    credit = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["date", "office_id", "role"], name="journalday_unique")]


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class BackgroundJob(models.Model):
    """What the close page shows of a background job: its state, when, and a failure's error."""

    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        abstract = True
        ordering = ["-id"]


class SnapshotRun(BackgroundJob):
    """A lock-date move's request to bring the stored valuations to the lock date, carried out by
    the background job ``reports.write_snapshots`` (reports.tasks); the close page shows the latest.
    A job writes up to the lock date in force when it starts, so one job may finish several
    requests (every one queued before the lock-date row it wrote for)."""

    lock_row_id = models.BigIntegerField(unique=True, help_text="The LockDate row whose move asked for it.")
    date = models.DateField(help_text="The lock date that move set.")
    attempts = models.PositiveIntegerField(default=0)
    step = models.CharField(max_length=80, blank=True, default="")
    steps_done = models.PositiveSmallIntegerField(default=0)
    steps_total = models.PositiveSmallIntegerField(default=0)
    written_through = models.DateField(null=True, blank=True, help_text="The lock date the job wrote up to.")

    def __str__(self) -> str:
        return f"stored figures up to {self.date.isoformat()}"


class LedgerCheck(BackgroundJob):
    """One run of every ledger invariant (``manage.py check_ledger``'s checks: the COGS ledger, the
    documents, the journal, the stored figures) by the background job ``reports.check_ledger``: the
    close page's "Ledger check" item reads the latest (decision record 0016)."""

    requested_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    violations_count = models.PositiveIntegerField(null=True, blank=True)
    violations = models.JSONField(default=list, blank=True, help_text="The first violations found.")
    # the highest id of each table the checks read, taken as the check started: the result speaks
    # for the books only while they are unchanged (reports.services.ledger_watermark)
    watermark = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"ledger check #{self.pk}"

    def is_current(self, now: dict) -> bool:
        """Nothing was written since the check started (``now``: reports.services.ledger_watermark())."""
        return self.watermark == now


class AgingFigures(models.Model):
    """The aging at a snapshot's date of one office and LIC (``lic_id`` null: every LIC of the
    office, for the totals), by lot date: the lots with on-hand quantity at that date, their
    quantity and value summed per lot date, stored *cumulatively* in lot date order
    (``cum_quantities[i]`` = Σ over the lot dates up to ``lot_dates[i]``). Any bucket bounds at any date
    on or after the lot dates are then exact: the quantity older than a bound is the cumulative
    figure at the last lot date before it (PostgreSQL's ``width_bucket``: a binary search per
    office, LIC and bound), whatever the bounds. Lot dates whose quantity and value are both zero
    are left out."""

    snapshot = models.ForeignKey(ValuationSnapshot, on_delete=models.CASCADE, related_name="aging")
    office_id = models.BigIntegerField()
    lic_id = models.BigIntegerField(null=True)
    lot_dates = ArrayField(models.DateField())
    cum_quantities = ArrayField(models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=6))
    cum_values = ArrayField(models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2))

    class Meta:
        indexes = [models.Index(fields=["snapshot", "office_id"], name="agingfigures_snapshot")]


class SnapshotCogs(models.Model):
    """The COGS column of a snapshot's movements (the roll-forward's "cogs": shipment, job and
    customer return usage) summed per office: the home page's COGS per month reads a row per office
    and month instead of the snapshot's rows per LIC."""

    snapshot = models.ForeignKey(ValuationSnapshot, on_delete=models.CASCADE, related_name="cogs_by_office")
    office_id = models.BigIntegerField()
    cogs = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["snapshot", "office_id"], name="snapshotcogs_unique")]


class DailyMovement(models.Model):
    """The roll-forward of a closed day of one office and LIC: the change of its on-hand value and
    the movements that make it up (lots in, cost changes, the COGS columns by usage kind), written
    for the days on which something moved. A roll-forward whose dates are not snapshot dates reads
    its opening from the nearest snapshot plus these rows, and its movements from them (whole months
    from the snapshots' movements)."""

    date = models.DateField()
    office_id = models.BigIntegerField()
    lic_id = models.BigIntegerField()
    value = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)
    lots_in = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)
    cost_changes = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)
    cogs = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)
    production = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)
    transfers_out = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)
    adjustments_out = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2, default=0)

    class Meta:
        indexes = [models.Index(fields=["date"], name="dailymovement_date")]


class AgingDay(models.Model):
    """The change of the aging on a closed day of one office, LIC and lot date: the change of
    (on-hand quantity, value) summed over the lots of that lot date, a lot counting while its
    on-hand quantity is not zero. The aging at a closed date between two snapshots is the stored
    aging of the nearer one plus (or minus) these rows of the days in between."""

    date = models.DateField()
    office_id = models.BigIntegerField()
    lic_id = models.BigIntegerField()
    lot_date = models.DateField()
    quantity = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=6)
    value = models.DecimalField(max_digits=_TOTAL_DIGITS, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["date"], name="agingday_date")]
