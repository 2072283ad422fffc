"""COGS runs and entries in the admin: read-only (entries are immutable; runs are started from
the COGS page, the API or the command)."""

from django.contrib import admin

from core.admin import PostedRecordAdmin

from .models import CogsEntry, CogsRun


@admin.register(CogsRun)
class CogsRunAdmin(PostedRecordAdmin):
    list_display = (
        "__str__",
        "date",
        "office",
        "lic",
        "status",
        "allocated_quantity",
        "unallocated_quantity",
        "value_posted",
        "entries_posted",
        "created_by",
        "started_at",
        "finished_at",
    )
    list_filter = ("status",)
    list_select_related = ("office", "lic", "created_by")


@admin.register(CogsEntry)
class CogsEntryAdmin(PostedRecordAdmin):
    list_display = ("id", "run_id", "kind", "date", "lic_id", "office_id", "lot_id", "usage_id", "quantity", "value")
    list_filter = ("kind",)
    show_full_result_count = False
    raw_id_fields = ("run", "lot", "usage", "lic", "office")
