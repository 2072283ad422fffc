"""COGS runs and their immutable entries (DOMAIN.md section 6 and 6a).

One ``CogsEntry`` row is one posting with both sides: on the lot (``lot``: value out of
inventory) and on the usage (``usage``: cost of the goods used). Accruals and their reversals
are usage-side only (``lot`` is null). Entries are written only by ``cogs.services`` with COPY
and never updated or deleted.

The entry's ``run``, ``lot`` and ``usage`` references carry no database foreign-key constraint
(``db_constraint=False``): a COPY of a million entries would otherwise pay three RI-trigger
lookups per row. Lots, usage and runs are never deleted (PROTECT everywhere else), the service
writes entries only for rows it read under the LIC lock, and ``cogs.selectors.ledger_violations``
checks for orphans.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.money import MoneyField, QuantityField, UnitCostField
from inventory_lots.querysets import scoped


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class CogsRun(models.Model):
    """A recorded COGS reconciliation batch: who, when, business date, scope, progress, results."""

    date = models.DateField(help_text="The run's business date (revaluations and accruals are dated with it).")
    office = models.ForeignKey(
        "inventory_lots.Office", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lic = models.ForeignKey(
        "inventory_lots.LineItemCode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="LIC",
    )
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(db_default=models.functions.Now())
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    wait = models.BooleanField(default=False, help_text="Ran in the requesting process instead of the workers.")
    # progress: a run goes in rounds; each round fans out into jobs (some LICs, in one office or in all)
    round = models.PositiveIntegerField(default=0)
    jobs_total = models.PositiveIntegerField(default=0)
    jobs_done = models.PositiveIntegerField(default=0)
    pairs_total = models.PositiveIntegerField(default=0)
    pairs_done = models.PositiveIntegerField(default=0)
    # results
    allocated_quantity = QuantityField(default=Decimal("0"))
    unallocated_quantity = QuantityField(default=Decimal("0"))
    given_back_quantity = QuantityField(default=Decimal("0"))
    value_posted = MoneyField(default=Decimal("0.00"))
    accrued_value_posted = MoneyField(default=Decimal("0.00"))  # net: accruals + their reversals
    accrual_reversals_posted = MoneyField(default=Decimal("0.00"), help_text="Reversals of earlier accruals (<= 0).")
    entries_posted = models.BigIntegerField(default=0)
    exceptions_count = models.PositiveIntegerField(default=0, help_text="Pairs that could not be posted.")
    error = models.TextField(blank=True)

    # a run over every office (office null) is seen only by users who see every office: its
    # figures add up all of them
    objects = scoped("office").as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = "COGS run"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values),
                name="cogs_cogsrun_status_valid",
                violation_error_message="Run status must be queued, running, done or failed.",
            ),
            models.CheckConstraint(
                condition=Q(jobs_done__lte=models.F("jobs_total")),
                name="cogs_cogsrun_jobs_done_within_total",
                violation_error_message="A run cannot finish more jobs than it has.",
            ),
        ]
        indexes = [models.Index(fields=["status", "id"], name="cogsrun_status_id")]

    def __str__(self) -> str:
        return f"CR-{self.pk:06d}" if self.pk else "COGS run"

    def get_absolute_url(self) -> str:
        return reverse("cogs:run_detail", args=[self.pk])

    @property
    def number(self) -> str:
        return str(self)

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def progress_percent(self) -> int:
        if self.status == RunStatus.DONE:
            return 100
        if not self.pairs_total:
            return 0
        return min(99, int(100 * self.pairs_done / self.pairs_total))

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def exception_rows(self):
        return self.exceptions.select_related("office", "lic").order_by("id") if self.exceptions_count else []

    @property
    def status_label(self) -> str:
        """ "Done with exceptions" when some pair could not be posted (the API keeps ``done``)."""
        if self.status == RunStatus.DONE and self.exceptions_count:
            return "Done with exceptions"
        return self.get_status_display()


class EntryKind(models.IntegerChoices):
    ALLOCATION = 1, "Allocation"
    GIVE_BACK = 2, "Give-back (to the returned usage's lots)"
    GIVE_BACK_LIFO = 3, "Give-back (LIFO)"
    REVALUATION = 4, "Revaluation"
    ACCRUAL = 5, "Accrual"
    ACCRUAL_REVERSAL = 6, "Accrual reversal"


LOT_KINDS = (EntryKind.ALLOCATION, EntryKind.GIVE_BACK, EntryKind.GIVE_BACK_LIFO, EntryKind.REVALUATION)
ACCRUAL_KINDS = (EntryKind.ACCRUAL, EntryKind.ACCRUAL_REVERSAL)
MOVEMENT_KINDS = (EntryKind.ALLOCATION, EntryKind.GIVE_BACK, EntryKind.GIVE_BACK_LIFO)  # they move quantity


def kinds_sql(kinds: tuple[EntryKind, ...]) -> str:
    """The kinds as a SQL list, ``(1, 2, 3)``, for statements written as text."""
    return "(" + ", ".join(str(int(kind)) for kind in kinds) + ")"


MOVEMENT_KINDS_SQL = kinds_sql(MOVEMENT_KINDS)
ACCRUAL_KINDS_SQL = kinds_sql(ACCRUAL_KINDS)


class CogsEntry(models.Model):
    """One immutable COGS posting, tied to its run: lot side and usage side in one row."""

    id = models.BigAutoField(primary_key=True)
    # no single-column run index: cogsentry_run_id (run, id) serves every lookup by run
    run = models.ForeignKey(
        CogsRun, on_delete=models.DO_NOTHING, db_constraint=False, related_name="entries", db_index=False
    )
    kind = models.PositiveSmallIntegerField(choices=EntryKind.choices)
    lic = models.ForeignKey(
        "inventory_lots.LineItemCode",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name="LIC",
    )
    office = models.ForeignKey(
        "inventory_lots.Office", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    lot = models.ForeignKey(
        "inventory_lots.Lot",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="cogs_entries",
        db_index=False,
    )
    usage = models.ForeignKey(
        "inventory_lots.InventoryUsage",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="cogs_entries",
        db_index=False,
    )
    date = models.DateField()
    quantity = QuantityField()
    value = MoneyField()
    unit_cost = UnitCostField(help_text="The lot's unit cost when posted (accruals: the estimate).")

    objects = scoped("office").as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = "COGS entry"
        verbose_name_plural = "COGS entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EntryKind.values),
                name="cogs_cogsentry_kind_valid",
                violation_error_message="Unknown COGS entry kind.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=LOT_KINDS, lot__isnull=False) | Q(kind__in=ACCRUAL_KINDS, lot__isnull=True),
                name="cogs_cogsentry_lot_side",
                violation_error_message="Allocations, give-backs and revaluations name a lot; accruals do not.",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.REVALUATION) | Q(quantity=0),
                name="cogs_cogsentry_revaluation_quantity_zero",
                violation_error_message="A revaluation entry carries quantity 0 and a value.",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.ALLOCATION) | Q(quantity__gt=0),
                name="cogs_cogsentry_allocation_positive",
                violation_error_message="An allocation takes a positive quantity.",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[EntryKind.GIVE_BACK, EntryKind.GIVE_BACK_LIFO]) | Q(quantity__lt=0),
                name="cogs_cogsentry_give_back_negative",
                violation_error_message="A give-back carries a negative quantity.",
            ),
        ]
        indexes = [
            models.Index(fields=["lot", "id"], name="cogsentry_lot_id", condition=Q(lot__isnull=False)),
            models.Index(fields=["usage", "id"], name="cogsentry_usage_id"),
            models.Index(fields=["run", "id"], name="cogsentry_run_id"),
        ]

    def __str__(self) -> str:
        return f"CE-{self.pk}"


class CogsRunJob(models.Model):
    """One job of a run's round, written by ``plan_round`` in the transaction that plans the
    round and marked done in the job's own transaction. A job run twice (a worker died after
    its commit, before procrastinate marked it done, and the stalled job was retried) finds it
    done and does nothing, so the run's counters count every job once; a job no committed plan
    lists does nothing either; a retried ``run_round`` whose worker died after planning
    re-queues the round's jobs not done. A job is (run, round, office, its first LIC): the jobs
    of a round partition the sorted LICs of each office. A run over every office plans jobs of
    every office at once (``office_id`` null): a LIC's pairs in all offices go in one job, so a
    transfer's source and destination are planned together (cogs.services.engine)."""

    run = models.ForeignKey(CogsRun, on_delete=models.CASCADE, related_name="+")
    round = models.PositiveIntegerField()
    office_id = models.BigIntegerField(null=True, blank=True)  # null: every office of the run
    first_lic_id = models.BigIntegerField()
    lic_ids = ArrayField(models.BigIntegerField(), verbose_name="LIC ids")
    # the (office, LIC) pairs the job was planned with, counted in the run's progress when it is done
    # (0: a row recorded by a job of a round planned without rows, or before this column: its LICs)
    pairs = models.PositiveIntegerField(default=0, db_default=0)
    entries = models.BigIntegerField(default=0)
    planned_at = models.DateTimeField(db_default=models.functions.Now())
    done_at = models.DateTimeField(null=True, blank=True)
    # False: a job of a round planned before this table existed, recorded when it ran
    planned = models.BooleanField(default=True)

    class Meta:
        verbose_name = "COGS run job"
        constraints = [
            models.UniqueConstraint(
                fields=["run", "round", "office_id", "first_lic_id"], name="cogsrunjob_once", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        office = "every office" if self.office_id is None else f"office {self.office_id}"
        return f"{self.run} round {self.round} {office} from LIC {self.first_lic_id}"


class CogsRunException(models.Model):
    """An (office, LIC) pair a run could not post (a value too large to store, a database error):
    nothing of the pair was written, the rest of the run posted, and the pair stays pending, so the
    next run retries it. ``usage`` names the usage that caused it when the engine knows it."""

    run = models.ForeignKey(CogsRun, on_delete=models.CASCADE, related_name="exceptions")
    office = models.ForeignKey("inventory_lots.Office", on_delete=models.PROTECT, related_name="+")
    lic = models.ForeignKey(
        "inventory_lots.LineItemCode", on_delete=models.PROTECT, related_name="+", verbose_name="LIC"
    )
    usage = models.ForeignKey(
        "inventory_lots.InventoryUsage", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.TextField()
    created_at = models.DateTimeField(db_default=models.functions.Now())

    objects = scoped("office").as_manager()

    class Meta:
        ordering = ["run", "id"]
        verbose_name = "COGS run exception"

    def __str__(self) -> str:
        return f"{self.run}: {self.message}"


class PendingLotCost(models.Model):
    """Production lots whose component COGS changed: the next pass over the lot's (LIC, office)
    recomputes its unit cost first (``production.services.recompute_production_lot_cost_locked``)."""

    lot = models.OneToOneField("inventory_lots.Lot", on_delete=models.CASCADE, primary_key=True, related_name="+")
    lic = models.ForeignKey("inventory_lots.LineItemCode", on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey("inventory_lots.Office", on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["office", "lic"], name="pendinglotcost_office_lic")]
