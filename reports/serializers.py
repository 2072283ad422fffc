"""The API's report answers (API.md "Period close"): decimals as strings, keys exactly as API.md
names them, plus a few more (``description``, ``lots``, a lot's ``number``, ``type``, ``date``,
``unit_cost``; per aging row its ``quantity`` and ``value``)."""

from __future__ import annotations

from rest_framework import serializers

from core.money import MONEY_PLACES, QTY_PLACES, UNIT_COST_PLACES
from inventory_lots.models import LotType

from .models import LedgerCheck, SnapshotRun


def Quantity(**kwargs):  # noqa: N802 - a field factory, as api.fields
    return serializers.DecimalField(max_digits=None, decimal_places=QTY_PLACES, coerce_to_string=True, **kwargs)


def Money(**kwargs):  # noqa: N802
    return serializers.DecimalField(max_digits=None, decimal_places=MONEY_PLACES, coerce_to_string=True, **kwargs)


class ValuationTotalsSerializer(serializers.Serializer):
    lots = serializers.IntegerField(help_text="Lots with on-hand quantity or value <> 0.")
    quantity = Quantity()
    value = Money()
    unallocated_quantity = Quantity(help_text="Positive usage dated <= as_of less its allocations dated <= as_of.")
    accrued_value = Money(help_text="Accrual and accrual reversal entries dated <= as_of (the open accrued COGS).")


class ValuationRowSerializer(serializers.Serializer):
    office = serializers.CharField()
    lic = serializers.CharField(allow_null=True, help_text="Null when grouped by office.")
    description = serializers.CharField(allow_blank=True, help_text="The LIC's description.")
    lots = serializers.IntegerField()
    quantity = Quantity(help_text="On hand at as_of.")
    value = Money(help_text="Value on hand at as_of.")
    lot = serializers.IntegerField(required=False, help_text="group_by=lot: the lot's id.")
    number = serializers.CharField(required=False, help_text="group_by=lot: the lot number.")
    type = serializers.ChoiceField(choices=LotType.values, required=False)
    date = serializers.DateField(required=False, help_text="group_by=lot: the lot's date.")
    unit_cost = serializers.DecimalField(
        max_digits=None,
        decimal_places=UNIT_COST_PLACES,
        coerce_to_string=True,
        required=False,
        help_text="group_by=lot: the lot's unit cost at as_of.",
    )


class ValuationSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    group_by = serializers.ChoiceField(choices=["lot", "lic", "office"])
    totals = ValuationTotalsSerializer()
    next = serializers.URLField(allow_null=True)
    results = ValuationRowSerializer(many=True)


class RollForwardFiguresSerializer(serializers.Serializer):
    opening_value = Money(help_text="The value on hand at the day before date_from.")
    lots_in = Money(help_text="Lots born, production reported into lots, reversals: value events in the period.")
    cost_changes = Money(help_text="Unit cost changes of lots: value events in the period.")
    cogs = Money(help_text="COGS entries of shipment, job and return usage in the period (give-backs negative).")
    production = Money(help_text="COGS entries of production component usage in the period.")
    transfers_out = Money(help_text="COGS entries of transfer usage in the period.")
    adjustments_out = Money(help_text="COGS entries of negative adjustments in the period.")
    closing_value = Money(help_text="The value on hand at date_to.")


class RollForwardRowSerializer(RollForwardFiguresSerializer):
    office = serializers.CharField()
    lic = serializers.CharField()
    description = serializers.CharField(allow_blank=True)


class RollForwardSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    results = RollForwardRowSerializer(many=True)
    totals = RollForwardFiguresSerializer()


class AgingTotalsSerializer(serializers.Serializer):
    quantities = serializers.ListField(child=Quantity(), help_text="One per bucket, in the order of `buckets`.")
    values = serializers.ListField(child=Money(), help_text="One per bucket, in the order of `buckets`.")
    quantity = Quantity()
    value = Money()


class AgingRowSerializer(AgingTotalsSerializer):
    office = serializers.CharField()
    lic = serializers.CharField()
    description = serializers.CharField(allow_blank=True)


class AgingSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    buckets = serializers.ListField(child=serializers.CharField(), help_text='Labels: "0-30", ..., "over 180".')
    results = AgingRowSerializer(many=True)
    totals = AgingTotalsSerializer()


# --- the close's background jobs (GET /close/: reports.close.close_jobs); no money ----------------


class SnapshotRunSerializer(serializers.ModelSerializer):
    """The latest lock-date move's request to write the stored figures (``reports.SnapshotRun``)."""

    class Meta:
        model = SnapshotRun
        fields = [
            "id",
            "status",
            "date",
            "created_at",
            "started_at",
            "finished_at",
            "attempts",
            "step",
            "steps_done",
            "steps_total",
            "written_through",
            "error",
        ]
        read_only_fields = fields  # an answer: every key always there
        extra_kwargs = {
            "status": {"help_text": "queued, running, done or failed (failed: retried automatically)."},
            "created_at": {"help_text": "When the move queued it."},
            "step": {"help_text": "The stage running (running jobs)."},
            "error": {"help_text": "Why the last attempt failed; empty otherwise."},
        }


class CloseLedgerCheckSerializer(serializers.ModelSerializer):
    """The latest finished run of every ledger check (``reports.LedgerCheck``, done or failed)."""

    current = serializers.SerializerMethodField(
        help_text="Nothing was written since it started: its result still speaks for the books."
    )

    class Meta:
        model = LedgerCheck
        fields = ["id", "status", "created_at", "started_at", "finished_at", "violations_count", "error", "current"]
        read_only_fields = fields
        extra_kwargs = {
            "violations_count": {
                "help_text": "Broken invariants found (null when it failed); the close page lists the first."
            },
            "error": {"help_text": "Why it failed; empty otherwise."},
        }

    def get_current(self, obj) -> bool:
        return self.root.instance.ledger_check_current


class WaitingLedgerCheckSerializer(serializers.ModelSerializer):
    """A ledger check queued or running."""

    class Meta:
        model = LedgerCheck
        fields = ["id", "status", "created_at", "started_at"]
        read_only_fields = fields


class CloseJobsSerializer(serializers.Serializer):
    lock_date = serializers.DateField(
        source="lock", allow_null=True, help_text="The lock date in force; null: never set."
    )
    stored_figures = SnapshotRunSerializer(
        source="snapshot_run", allow_null=True, help_text="Null before the first lock-date move."
    )
    ledger_check = CloseLedgerCheckSerializer(allow_null=True, help_text="Null before the first check finished.")
    ledger_check_waiting = WaitingLedgerCheckSerializer(allow_null=True, help_text="Null when none waits.")
