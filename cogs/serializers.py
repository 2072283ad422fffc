"""API shapes of COGS runs (API.md "Lots and COGS")."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.drf.fields import CodeRelatedField, MoneyField, QuantityField
from inventory_lots.models import LineItemCode, Office

from .models import CogsEntry, CogsRun


class CogsRunInSerializer(serializers.Serializer):
    office = CodeRelatedField(queryset=Office.objects.all(), required=False, allow_null=True)
    lic = CodeRelatedField(queryset=LineItemCode.objects.all(), required=False, allow_null=True)
    date = serializers.DateField(required=False, allow_null=True)
    wait = serializers.BooleanField(required=False, default=False)


class CogsRunProgressSerializer(serializers.Serializer):
    percent = serializers.IntegerField(min_value=0, max_value=100)
    round = serializers.IntegerField()
    jobs_total = serializers.IntegerField()
    jobs_done = serializers.IntegerField()
    pairs_total = serializers.IntegerField()
    pairs_done = serializers.IntegerField()


class CogsRunExceptionSerializer(serializers.Serializer):
    office = serializers.CharField(source="office.code")
    lic = serializers.CharField(source="lic.code")
    usage = serializers.IntegerField(source="usage_id", allow_null=True)
    message = serializers.CharField()


class CogsRunSerializer(serializers.ModelSerializer):
    office = serializers.CharField(source="office.code", read_only=True, allow_null=True, default=None)
    lic = serializers.CharField(source="lic.code", read_only=True, allow_null=True, default=None)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True, default=None)
    allocated_quantity = QuantityField(read_only=True)
    unallocated_quantity = QuantityField(read_only=True)
    given_back_quantity = QuantityField(read_only=True)
    value_posted = MoneyField(read_only=True)
    accrued_value_posted = MoneyField(read_only=True)
    progress = serializers.SerializerMethodField()
    duration_s = serializers.SerializerMethodField()
    exceptions = serializers.SerializerMethodField(
        help_text="Pairs the run could not post (nothing of them was written; the next run retries them). "
        'A run with exceptions ends `done`; pages call it "Done with exceptions".'
    )

    class Meta:
        model = CogsRun
        fields = [
            "id",
            "number",
            "date",
            "office",
            "lic",
            "status",
            "allocated_quantity",
            "unallocated_quantity",
            "given_back_quantity",
            "value_posted",
            "accrued_value_posted",
            "entries_posted",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "duration_s",
            "progress",
            "error",
            "exceptions_count",
            "exceptions",
        ]

    @extend_schema_field(CogsRunProgressSerializer)
    def get_progress(self, run) -> dict:
        return {
            "percent": run.progress_percent,
            "round": run.round,
            "jobs_total": run.jobs_total,
            "jobs_done": run.jobs_done,
            "pairs_total": run.pairs_total,
            "pairs_done": run.pairs_done,
        }

    @extend_schema_field(CogsRunExceptionSerializer(many=True))
    def get_exceptions(self, run) -> list[dict[str, Any]]:
        if not run.exceptions_count:  # no query for the usual run
            return []
        rows = run.exceptions.select_related("office", "lic").order_by("id")
        return list(CogsRunExceptionSerializer(rows, many=True).data)

    def get_duration_s(self, run) -> str | None:
        return f"{run.duration.total_seconds():.3f}" if run.duration is not None else None


class CogsEntrySerializer(serializers.ModelSerializer):
    quantity = QuantityField()
    value = MoneyField()
    kind = serializers.SerializerMethodField()

    class Meta:
        model = CogsEntry
        fields = ["id", "run", "kind", "date", "lot", "usage", "quantity", "value", "unit_cost"]

    def get_kind(self, entry) -> str:
        return {
            1: "allocation",
            2: "give_back",
            3: "give_back_lifo",
            4: "revaluation",
            5: "accrual",
            6: "accrual_reversal",
        }[entry.kind]
