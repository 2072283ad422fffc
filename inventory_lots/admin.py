from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import PostedRecordAdmin, ReadOnlyInline

from .models import (
    AdjustmentLine,
    InventoryAdjustment,
    InventoryUsage,
    LineItemCode,
    Lot,
    LotExport,
    LotSerial,
    Office,
)


@admin.register(Office)
class OfficeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "created_at"]
    search_fields = ["code", "name"]


@admin.register(LineItemCode)
class LineItemCodeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "description", "inventoried", "serialized", "track_by_mfr_lot", "costing_method", "unit",
                    "active"]
    list_filter = ["inventoried", "serialized", "track_by_mfr_lot", "costing_method", "active"]
    search_fields = ["code", "description"]
    LEDGER_FIELDS = ("code", "inventoried", "serialized", "track_by_mfr_lot", "costing_method")

    def get_readonly_fields(self, request, obj=None):
        """Once a LIC has lots or usage, the flags the ledger depends on can no longer change
        (FIFO -> specific would strand unallocated usage; un-inventorying would strand lots)."""
        if obj is not None and (obj.lots.exists() or obj.usages.exists()):
            return self.LEDGER_FIELDS
        return ()


class LotSerialInline(ReadOnlyInline):
    model = LotSerial
    fields = ["serial_number"]


@admin.register(Lot)
class LotAdmin(PostedRecordAdmin):
    list_display = ["number", "type", "status", "office", "lic", "date", "qty_in", "qty_used", "qty_available",
                    "unit_cost", "value_in", "value_used"]
    list_filter = ["type", "status", "office", "released"]
    search_fields = ["number", "lic__code", "mfr_lot_number"]
    list_select_related = ["office", "lic"]
    date_hierarchy = "date"
    show_full_result_count = False
    inlines = [LotSerialInline]
    raw_id_fields = ["lic"]


@admin.register(InventoryUsage)
class InventoryUsageAdmin(PostedRecordAdmin):
    list_display = ["__str__", "date", "kind", "office", "lic", "source_label", "quantity", "allocated_quantity",
                    "unallocated_quantity", "cogs_value"]
    list_filter = ["kind", "office"]
    search_fields = ["lic__code", "source_label"]
    list_select_related = ["office", "lic", "cogs_state"]
    # what COGS did with it (its UsageCogs row), shown on the view page beside the posted fields
    readonly_fields = ["allocated_quantity", "unallocated_quantity", "cogs_value", "accrued_value", "no_cost_basis"]
    date_hierarchy = "date"
    show_full_result_count = False


class AdjustmentLineInline(ReadOnlyInline):
    model = AdjustmentLine
    fields = ["line_no", "lic", "quantity", "unit_cost", "lot", "usage"]


@admin.register(InventoryAdjustment)
class InventoryAdjustmentAdmin(PostedRecordAdmin):
    list_display = ["number", "date", "office", "reason", "created_by"]
    list_filter = ["office"]
    search_fields = ["number", "reason"]
    inlines = [AdjustmentLineInline]


@admin.register(LotExport)
class LotExportAdmin(PostedRecordAdmin):
    list_display = ["id", "user", "format", "started_at", "finished_at", "row_count", "filters"]
    list_filter = ["format", "user"]
    date_hierarchy = "started_at"
